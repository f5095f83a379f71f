import type { GraphiQLOptions } from 'graphql-yoga';

const SIGN_IN = /* GraphQL */ `# Welcome! This API signs you in with a JWT.
#
# 1. Run "Signup" (or "Login") below: press the play button and pick one.
# 2. Copy "token" from the result.
# 3. Open the "Me" tab: its Headers pane (bottom) holds
#      { "Authorization": "Bearer <token>" }
#    Paste your token there and run it.
#
# Fields marked @auth in the Docs need that header; without it they answer
# UNAUTHENTICATED. Tokens expire after an hour: log in again for a new one.

mutation Signup($input: SignupInput!) {
  signup(input: $input) {
    token
    user { id name email role }
  }
}

mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    token
    user { id name email role }
  }
}
`;

const ME = /* GraphQL */ `# Needs the header below, with the token from Signup or Login.
query Me {
  me { id name email role createdAt }
}

mutation DeleteMyAccount {
  deleteUser { id email }
}
`;

/** The page GraphiQL opens on: sign in first, then a tab that shows where the token goes. */
export function graphiqlOptions(): GraphiQLOptions {
  return {
    title: 'GraphQL Auth API',
    defaultTabs: [
      {
        query: SIGN_IN,
        variables: JSON.stringify(
          { input: { name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' }, email: 'ada@example.com', password: 'correct horse battery' },
          null,
          2,
        ),
        headers: '{}',
      },
      { query: ME, variables: '{}', headers: JSON.stringify({ Authorization: 'Bearer <token>' }, null, 2) },
    ],
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  };
}
