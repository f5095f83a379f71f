import { randomBytes } from 'node:crypto';

/**
 * The one GraphQL test client. The same code posts to `yoga.fetch` (in-process, no socket) or to
 * a real URL (a spawned server, through Node's fetch); tests pick the transport, not the client.
 */

/** A response body: typed when the test names the data's type, `any` when it does not. */
type Body<T> = 0 extends 1 & T
  ? any
  : { data?: T | null; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }> };

export interface GqlResult<T = any> {
  status: number;
  body: Body<T>;
  /** extensions.code of the first error, or null. */
  code: string | null;
  headers: Headers;
  /** The raw response body (also when it is not JSON). */
  text: string;
}

export interface GqlOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

export interface SignedUp {
  id: string;
  email: string;
  password: string;
  token: string;
  /** null in cookie mode, where it travels in a cookie. */
  refreshToken: string;
}

export interface GraphQLTestClient {
  gql<T = any>(query: string, variables?: Record<string, unknown>, opts?: GqlOptions): Promise<GqlResult<T>>;
  /** Signs up a fresh account (unique e-mail unless given) and returns its credentials and tokens. */
  signup(
    overrides?: Partial<{ name: string; email: string; password: string }>,
    opts?: { headers?: Record<string, string> },
  ): Promise<SignedUp>;
  login(email: string, password: string, headers?: Record<string, string>): Promise<GqlResult>;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response> | Response;

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${Date.now()}-${counter}-${randomBytes(3).toString('hex')}@example.com`;
}

export const SIGNUP = /* GraphQL */ `
  mutation Signup($input: SignupInput!) {
    signup(input: $input) { token user { id name email role } }
  }
`;
const SIGNUP_WITH_REFRESH = /* GraphQL */ `
  mutation Signup($input: SignupInput!) {
    signup(input: $input) { token refreshToken user { id } }
  }
`;
export const LOGIN = /* GraphQL */ `
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) { token user { id email role } }
  }
`;
export const ME = /* GraphQL */ `{ me { id name email role } }`;

export function graphqlClient(fetchFn: Fetch, origin: string): GraphQLTestClient {
  const gql: GraphQLTestClient['gql'] = async (query, variables, opts = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    const res = await fetchFn(`${origin}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    const text = await res.text();
    let body: any = {};
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: the test reads `text` */
    }
    return {
      status: res.status,
      body,
      code: body?.errors?.[0]?.extensions?.code ?? null,
      headers: res.headers,
      text,
    } as never;
  };
  return {
    gql,
    async signup(overrides = {}, opts = {}) {
      const input = { name: 'Test User', email: uniqueEmail(), password: 'correct horse battery', ...overrides };
      const res = await gql<{ signup: { token: string; refreshToken: string; user: { id: string } } }>(
        SIGNUP_WITH_REFRESH,
        { input },
        { headers: opts.headers ?? {} },
      );
      const payload = res.body.data?.signup;
      if (!payload) throw new Error(`signup failed: ${res.text}`);
      return {
        id: payload.user.id,
        email: input.email,
        password: input.password,
        token: payload.token,
        refreshToken: payload.refreshToken,
      };
    },
    login: (email, password, headers = {}) => gql(LOGIN, { email, password }, { headers }),
  };
}

/** The client over a Yoga app's fetch handler, in-process. */
export function inProcessClient(app: { fetch: Fetch }): GraphQLTestClient {
  return graphqlClient((url, init) => app.fetch(url, init), 'http://localhost');
}

/** The client over HTTP to a running server, as any outside client would be. */
export function httpClient(origin: string): GraphQLTestClient {
  return graphqlClient((url, init) => fetch(url, init), origin);
}
