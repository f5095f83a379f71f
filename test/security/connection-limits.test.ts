import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../helpers/client.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';
import { readSse } from '../helpers/sse.js';

// Connections a client can hold open: subscription streams per account and in total, and
// sockets that never finish sending their headers.
let server: SpawnedServer;
let C: ReturnType<typeof httpClient>;

beforeAll(async () => {
  // Default per-user limit (5); a small total so the test can reach it.
  server = await startServer({ SUBSCRIPTIONS_MAX_TOTAL: '8' });
  C = httpClient(server.url);
});
afterAll(async () => {
  await server?.stop();
});

const opened: AbortController[] = [];
afterAll(() => {
  for (const c of opened) c.abort();
});

/** Opens an accountEvents stream; resolves once the server answered with the stream (or a refusal). */
type Stream = { first: Promise<IteratorResult<{ event: string; data: any }>>; close: () => void };

async function open(token: string): Promise<Stream> {
  const controller = new AbortController();
  opened.push(controller);
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'subscription { accountEvents { kind } }' }),
    signal: controller.signal,
  });
  // Read from the start: a refused stream's first event is its error, an accepted one's its first event.
  const first = readSse(res).next();
  first.catch(() => undefined);
  return { first, close: () => controller.abort() };
}

/** The first event of a refused stream: its error. Accepted streams send nothing until an event. */
async function refusal(stream: Stream): Promise<{ message: string; extensions: { code: string } } | undefined> {
  const first = await Promise.race([stream.first, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1500))]);
  return first?.value?.data?.errors?.[0];
}

/** Opens a stream and keeps it when accepted; closes it when refused. */
async function openAccepted(token: string): Promise<boolean> {
  const s = await open(token);
  const refused = await refusal(s);
  if (refused) s.close();
  return refused === undefined;
}

describe('subscription streams', () => {
  it('one token cannot hold more than SUBSCRIPTIONS_MAX_PER_USER (5) streams; closing one frees its slot', async () => {
    const u = await C.signup();
    const streams = await Promise.all(Array.from({ length: 50 }, () => open(u.token)));
    const refusals = await Promise.all(streams.map((s) => refusal(s)));
    const accepted = streams.filter((_, i) => refusals[i] === undefined);
    expect(accepted).toHaveLength(5);
    for (const r of refusals.filter(Boolean)) {
      expect(r).toMatchObject({
        message: 'At most 5 open subscriptions per account: close one first',
        extensions: { code: 'TOO_MANY_STREAMS' },
      });
    }
    // The accepted ones are live: they get the account's events.
    await C.gql('mutation { updateMe(input: { name: "Live" }) { id } }', undefined, { token: u.token });
    expect((await accepted[0]!.first).value?.data).toEqual({ data: { accountEvents: { kind: 'PROFILE_UPDATED' } } });

    accepted[1]!.close();
    await expect.poll(() => openAccepted(u.token), { timeout: 5000, interval: 200 }).toBe(true);
    for (const s of opened) s.abort();
  });

  it('all accounts together cannot hold more than SUBSCRIPTIONS_MAX_TOTAL streams', async () => {
    // The previous test's streams are closed; wait until the server has let them go.
    const a = await C.signup();
    const b = await C.signup();
    const c = await C.signup();
    await expect.poll(() => openAccepted(a.token), { timeout: 5000, interval: 200 }).toBe(true);
    const more = [...Array.from({ length: 4 }, () => a.token), ...Array.from({ length: 3 }, () => b.token)];
    const refused = await Promise.all(more.map(async (t) => refusal(await open(t))));
    expect(refused).toEqual(more.map(() => undefined));
    // 5 + 3 = 8 open: the server is full for everyone, whatever their own count.
    expect(await refusal(await open(c.token))).toMatchObject({
      message: 'The server has too many open subscriptions, try again later',
      extensions: { code: 'TOO_MANY_STREAMS' },
    });
  });
});

describe('slow headers', () => {
  it('sockets that drip their headers are closed within about 10 s (HTTP_HEADERS_TIMEOUT)', {
    timeout: 40_000,
  }, async () => {
    const { port } = new URL(server.url);
    const started = Date.now();
    const closedAfter = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<number>((resolve) => {
            const socket = net.connect(Number(port), '127.0.0.1');
            socket.on('connect', () => socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '));
            // One more header byte a second, forever: each byte would reset an idle timeout.
            const drip = setInterval(() => socket.writable && socket.write('a'), 1000);
            socket.on('data', () => undefined);
            socket.on('error', () => undefined);
            socket.on('close', () => {
              clearInterval(drip);
              resolve(Date.now() - started);
            });
            setTimeout(() => socket.destroy(), 30_000);
          }),
      ),
    );
    // Node's default would keep them for 60 s; closed by the server, not by our 30 s give-up.
    expect(Math.max(...closedAfter)).toBeLessThan(14_000);
    expect(Math.min(...closedAfter)).toBeGreaterThanOrEqual(9_000);
    // Meanwhile and after, ordinary requests are served.
    expect((await C.gql('{ __typename }')).status).toBe(200);
  });
});
