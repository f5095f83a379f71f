import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';
import { readSse } from './helpers/sse.js';

const SUBSCRIBE = 'subscription { accountEvents { kind user { name } } }';

function subscribe(app: TestApp, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  return app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: SUBSCRIBE }),
  });
}

/** Collects the stream's events while `act` runs, until the server ends it. */
async function collect(res: Response, act: () => Promise<unknown>) {
  const events: Array<{ event: string; data: any }> = [];
  const reading = (async () => {
    for await (const e of readSse(res)) events.push(e);
  })();
  await new Promise((r) => setTimeout(r, 100)); // let the subscription attach
  await act();
  await Promise.race([reading, new Promise((r) => setTimeout(r, 8000))]);
  return events;
}

describe('accountEvents subscription', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('refuses to open without a token', async () => {
    const res = await subscribe(app);
    const events = await collect(res, async () => {});
    expect(events[0]?.data.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it("streams the caller's account events, then ends with UNAUTHENTICATED when its tokens are revoked", async () => {
    const user = await app.signup();
    const res = await subscribe(app, user.token);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await collect(res, async () => {
      await app.gql('mutation { updateMe(input: { name: "Renamed" }) { id } }', undefined, { token: user.token });
      await app.gql('mutation { logoutAll }', undefined, { token: user.token });
    });
    const results = events.filter((e) => e.event === 'next').map((e) => e.data);
    expect(results[0]).toEqual({ data: { accountEvents: { kind: 'PROFILE_UPDATED', user: { name: 'Renamed' } } } });
    expect(results[1]).toEqual({
      data: { accountEvents: { kind: 'SIGNED_OUT_EVERYWHERE', user: { name: 'Renamed' } } },
    });
    expect(results[2]?.errors?.[0]).toMatchObject({
      message: 'Token has been revoked',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(events.at(-1)?.event).toBe('complete');
  });

  it("does not see other users' events", async () => {
    const me = await app.signup();
    const other = await app.signup();
    const res = await subscribe(app, me.token);
    const events = await collect(res, async () => {
      await app.gql('mutation { updateMe(input: { name: "Other" }) { id } }', undefined, { token: other.token });
      await app.gql('mutation { deleteUser { id } }', undefined, { token: me.token });
    });
    const kinds = events
      .filter((e) => e.event === 'next')
      .map((e) => e.data.data?.accountEvents?.kind ?? e.data.errors?.[0]?.message);
    expect(kinds).toEqual(['DELETED', 'Invalid token']);
  });

  it('ends with "Token expired" when the access token expires', async () => {
    const short = await createTestApp({ JWT_EXPIRES_IN: '1', JWT_CLOCK_TOLERANCE: '0' });
    try {
      const user = await short.signup();
      const events = await collect(await subscribe(short, user.token), async () => {});
      expect(events[0]?.data.errors[0]).toMatchObject({
        message: 'Token expired',
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expect(events.at(-1)?.event).toBe('complete');
    } finally {
      await short.close();
    }
  });
});

describe.skipIf(!process.env.REDIS_URL)('accountEvents across instances (REDIS_URL)', () => {
  it('a logoutAll on one instance ends a stream open on another', async () => {
    const { startServer } = await import('./helpers/server.js');
    const { httpClient } = await import('./helpers/client.js');
    const env = { REDIS_URL: process.env.REDIS_URL!, REDIS_KEY_PREFIX: `test-${Date.now()}` };
    const a = await startServer(env);
    const b = await startServer({ ...env, DATABASE_URL: `sqlite:${a.dataDir}/app.sqlite`, JWT_SECRET: a.secret });
    try {
      const u = await httpClient(a.url).signup();
      const res = await fetch(`${b.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${u.token}`,
        },
        body: JSON.stringify({ query: SUBSCRIBE }),
      });
      const events = await collect(res, () =>
        httpClient(a.url).gql('mutation { logoutAll }', undefined, { token: u.token }),
      );
      const results = events.filter((e) => e.event === 'next').map((e) => e.data);
      expect(results[0]?.data?.accountEvents.kind).toBe('SIGNED_OUT_EVERYWHERE');
      expect(results[1]?.errors?.[0]?.message).toBe('Token has been revoked');
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
