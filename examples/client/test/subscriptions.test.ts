import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A real HTTP server around the app, graphql-ws attached as main.ts does (the API's own test helper).
import { type HttpTestApp, startHttpApp } from '../../../test/helpers/http.js';
import { uniqueEmail } from '../../../test/helpers/app.js';
import { createApolloClient, sseLink, webSocketLink } from '../src/apollo.js';
import { AccountEventsSubscription } from '../src/operations.js';
import { refreshViaMutation } from '../src/refresh.js';
import { AuthSession } from '../src/session.js';
import { sseTransport, webSocketTransport } from '../src/subscriptions.js';
import { createUrqlClient } from '../src/urql.js';

type Event = { kind?: string; name?: string; code?: string };

/** One subscription, run through a library on a transport, its results reduced to what tests compare. */
type Transports = { websocket: ReturnType<typeof webSocketTransport>; sse: ReturnType<typeof sseTransport> };
type Run = (session: AuthSession, transport: Transports[keyof Transports], seen: Event[]) => () => void;

const toEvent = (data: any, errors: ReadonlyArray<any> | undefined): Event =>
  errors?.length
    ? { code: errors[0]?.extensions?.code }
    : { kind: data?.accountEvents?.kind, name: data?.accountEvents?.user?.name };

const libraries: Record<'apollo' | 'urql', (server: HttpTestApp) => Run> = {
  apollo: (server) => (session, transport, seen) => {
    // Apollo's own GraphQLWsLink for WebSocket; the SSE link for server-sent events.
    const link =
      'terminate' in transport.client ? webSocketLink(transport as Transports['websocket']) : sseLink(transport);
    const client = createApolloClient({ uri: server.endpoint, session, subscriptions: link });
    const sub = client.subscribe({ query: AccountEventsSubscription, errorPolicy: 'all' }).subscribe({
      next: (r) => seen.push(toEvent(r.data, (r.error as { errors?: any[] } | undefined)?.errors ?? [])),
      error: (e) => seen.push({ code: String(e) }),
    });
    return () => sub.unsubscribe();
  },
  urql: (server) => (session, transport, seen) => {
    const client = createUrqlClient({ url: server.endpoint, session, subscriptions: transport });
    const sub = client.subscription(AccountEventsSubscription, {}).subscribe((r) => {
      seen.push(toEvent(r.data, r.error?.graphQLErrors));
    });
    return () => sub.unsubscribe();
  },
};

const transports: { [K in keyof Transports]: (server: HttpTestApp, session: AuthSession) => Transports[K] } = {
  websocket: (server, session) => webSocketTransport({ url: server.wsEndpoint, session }),
  sse: (server, session) => sseTransport({ url: server.endpoint, session }),
};

const until = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Signs up over HTTP; returns a session holding both tokens, and how often it refreshed. */
async function signedIn(server: HttpTestApp) {
  const res = await server.app.gql<{ signup: { token: string; refreshToken: string; user: { id: string } } }>(
    'mutation($input: SignupInput!) { signup(input: $input) { token refreshToken user { id } } }',
    { input: { name: 'Subscriber', email: uniqueEmail('sub'), password: 'correct horse battery' } },
  );
  const { token, refreshToken, user } = res.body.data!.signup;
  let refreshes = 0;
  const real = refreshViaMutation({ endpoint: server.endpoint });
  const session = new AuthSession({
    refresh: (rt) => {
      refreshes += 1;
      return real(rt);
    },
  });
  session.signIn(token, refreshToken);
  return { session, id: user.id, refreshes: () => refreshes };
}

/** A change to the account made over HTTP with a token of its own, so it works whatever the session holds. */
async function rename(server: HttpTestApp, id: string, name: string) {
  const user = await server.app.services.users.findById(id);
  const token = await server.app.services.tokens.sign(user!);
  await server.app.gql('mutation($n: String!) { updateMe(input: { name: $n }) { id } }', { n: name }, { token });
}

describe.each(['apollo', 'urql'] as const)('%s', (library) => {
  describe.each(['websocket', 'sse'] as const)('subscriptions over %s', (transportName) => {
    let server: HttpTestApp;
    beforeAll(async () => {
      // Access tokens of 3 seconds, so a test sees one run out mid-stream.
      server = await startHttpApp({ env: { JWT_EXPIRES_IN: '3', JWT_CLOCK_TOLERANCE: '0' } });
    });
    afterAll(() => server.close());

    it('delivers events; when the access token expires: refresh, reconnect, resubscribe, and events keep coming', async () => {
      const { session, id, refreshes } = await signedIn(server);
      const transport = transports[transportName](server, session);
      const seen: Event[] = [];
      const stop = libraries[library](server)(session, transport, seen);
      try {
        // Until the subscription has attached, events are not delivered (none are replayed):
        // rename until the first one arrives.
        for (let i = 0; i < 20 && seen.length === 0; i++) {
          await rename(server, id, `Before expiry ${i}`);
          await new Promise((r) => setTimeout(r, 150));
        }
        expect(seen[0]).toMatchObject({ kind: 'PROFILE_UPDATED', name: expect.stringMatching(/^Before expiry/) });

        const first = session.token;
        await until(() => refreshes() >= 1 && session.token !== first);
        // Events published while a stream reconnects are not replayed (a client re-reads what it
        // shows after resubscribing), and with 3-second tokens the stream reconnects every 3 s:
        // rename until one lands on the resubscribed stream.
        for (let i = 0; i < 20 && !seen.some((e) => e.name?.startsWith('After refresh')); i++) {
          await rename(server, id, `After refresh ${i}`);
          await new Promise((r) => setTimeout(r, 500));
        }
        expect(seen.some((e) => e.name?.startsWith('After refresh'))).toBe(true);
        // No error reached the application: the expiry was handled below it.
        expect(seen.filter((e) => e.code)).toEqual([]);
        expect(session.token).not.toBeNull();
      } finally {
        stop();
        transport.dispose();
      }
    });

    it('after logoutAll the refresh is refused: the session signs out and UNAUTHENTICATED reaches the application', async () => {
      const { session, id } = await signedIn(server);
      const transport = transports[transportName](server, session);
      const seen: Event[] = [];
      const stop = libraries[library](server)(session, transport, seen);
      try {
        await new Promise((r) => setTimeout(r, 300));
        const user = await server.app.services.users.findById(id);
        const token = await server.app.services.tokens.sign(user!);
        await server.app.gql('mutation { logoutAll }', undefined, { token });
        await until(() => seen.some((e) => e.code === 'UNAUTHENTICATED'));
        expect(session.token).toBeNull();
        expect(session.refreshToken).toBeNull();
      } finally {
        stop();
        transport.dispose();
      }
    });
  });
});
