import { uniqueEmail } from './app.js';

export interface HttpResult {
  status: number;
  body: any;
  code: string | null;
  headers: Headers;
  text: string;
}

/** A GraphQL client for a real server URL, as any outside client would be. */
export function httpClient(url: string) {
  async function gql(
    query: string,
    variables?: Record<string, unknown>,
    opts: { token?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    let body: any = null;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, code: body?.errors?.[0]?.extensions?.code ?? null, headers: res.headers, text };
  }

  async function signup(password = 'correct horse battery', headers: Record<string, string> = {}) {
    const email = uniqueEmail();
    const res = await gql(
      'mutation($input: SignupInput!) { signup(input: $input) { token refreshToken user { id } } }',
      { input: { name: 'Sec', email, password } },
      { headers },
    );
    if (!res.body?.data) throw new Error(`signup failed: ${res.text}`);
    const { token, refreshToken, user } = res.body.data.signup;
    return { email, password, token: token as string, refreshToken: refreshToken as string, id: user.id as string };
  }

  const LOGIN = 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';
  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    gql(LOGIN, { email, password }, { headers });

  return { gql, signup, login };
}
