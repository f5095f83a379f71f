import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { bearerMatches } from '../src/metrics/endpoint.js';
import { createTestApp, LOGIN, ME, type TestApp } from './helpers/app.js';
import { readScrape, type Scrape } from './helpers/prometheus.js';
import { startServer } from './helpers/server.js';
import { codeNow, enrolTotp, loginChallenge, nextCode, VERIFY_LOGIN } from './helpers/totp.js';

const TOKEN = 'metrics-token-0123456789abcdef';

function get(app: TestApp, headers: Record<string, string> = {}) {
  return app.yoga.fetch('http://localhost/metrics', { headers });
}

/** GET /metrics with the token, read by a real Prometheus text-format parser. */
async function scrape(app: TestApp): Promise<Scrape> {
  const res = await get(app, { authorization: `Bearer ${TOKEN}` });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return readScrape(await res.text());
}

/** How much `name{labels}` grew between two scrapes. */
const delta = (before: Scrape, after: Scrape, name: string, labels?: Record<string, string>) =>
  after.value(name, labels) - before.value(name, labels);

describe('GET /metrics with METRICS_TOKEN', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ METRICS_TOKEN: TOKEN, LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS: '2' });
  });
  afterAll(() => app.close());

  it('refuses a request without a token (401, WWW-Authenticate) and with a wrong one (403)', async () => {
    const none = await get(app);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await none.text()).not.toContain('auth_logins_total');

    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const res = await get(app, { authorization });
      expect(res.status, authorization).toBe(403);
      expect(await res.text()).not.toContain('auth_logins_total');
    }
    // Nor does the API's own access token open it.
    const user = await app.signup();
    expect((await get(app, { authorization: `Bearer ${user.token}` })).status).toBe(403);
  });

  it('answers the Prometheus text format, which a real parser reads: ours, the GraphQL ones, the process ones', async () => {
    const { families } = await scrape(app);
    const type = (name: string) => families.find((f) => f.name === name)?.type;
    expect(type('auth_logins_total')).toBe('COUNTER');
    expect(type('auth_throttled_total')).toBe('COUNTER');
    expect(type('auth_refresh_token_reuse_total')).toBe('COUNTER');
    expect(type('auth_token_cache_lookups_total')).toBe('COUNTER');
    expect(type('auth_password_hash_queue')).toBe('GAUGE');
    expect(type('auth_password_hash_wait_seconds')).toBe('HISTOGRAM');
    expect(type('graphql_envelop_request')).toBe('COUNTER');
    expect(type('graphql_envelop_request_duration')).toBe('HISTOGRAM');
    expect(type('process_cpu_user_seconds_total')).toBe('COUNTER');
    expect(type('nodejs_eventloop_lag_seconds')).toBe('GAUGE');
  });

  it('counts and times each operation by its root field, never by the client-chosen operation name', async () => {
    const user = await app.signup();
    const before = await scrape(app);
    await app.gql(`query Name${Date.now()} { me { id } }`, undefined, { token: user.token });
    await app.gql('query AnotherName { me { id } }', undefined, { token: user.token });
    await app.gql(ME); // no token: UNAUTHENTICATED
    const after = await scrape(app);

    const me = { operationType: 'query', operation: 'me' };
    expect(delta(before, after, 'graphql_envelop_request', me)).toBe(3);
    expect(delta(before, after, 'graphql_envelop_request_duration_count', me)).toBe(3);
    expect(after.value('graphql_envelop_request_duration_bucket', { ...me, le: '+Inf' })).toBe(
      after.value('graphql_envelop_request_duration_count', me),
    );
    expect(after.value('graphql_envelop_request_duration_sum', me)).toBeGreaterThan(0);
    const unauthenticated = { operation: 'me', phase: 'execute', code: 'UNAUTHENTICATED' };
    expect(delta(before, after, 'graphql_envelop_error_result', unauthenticated)).toBe(1);
    expect(
      delta(before, after, 'graphql_yoga_http_duration_count', { operation: 'me', method: 'POST', statusCode: '200' }),
    ).toBe(3);
    // No label anywhere carries the operation names the client chose.
    const text = await (await get(app, { authorization: `Bearer ${TOKEN}` })).text();
    expect(text).not.toMatch(/Name\d+|AnotherName/);
  });

  it('counts sign-ins by outcome, throttled attempts and the hashing queue', async () => {
    const user = await app.signup();
    const before = await scrape(app);
    expect((await app.gql(LOGIN, { email: user.email, password: user.password })).code).toBeNull();
    for (let i = 0; i < 2; i++)
      expect((await app.gql(LOGIN, { email: user.email, password: 'wrong password!' })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(LOGIN, { email: user.email, password: 'wrong password!' })).code).toBe('RATE_LIMITED');
    const after = await scrape(app);

    expect(delta(before, after, 'auth_logins_total', { outcome: 'success' })).toBe(1);
    expect(delta(before, after, 'auth_logins_total', { outcome: 'invalid_credentials' })).toBe(2);
    expect(delta(before, after, 'auth_logins_total', { outcome: 'rate_limited' })).toBe(1);
    expect(delta(before, after, 'auth_throttled_total')).toBe(1);
    // Three verifications went through the queue (the throttled attempt never reached it).
    expect(delta(before, after, 'auth_password_hash_wait_seconds_count')).toBe(3);
    expect(after.samples('auth_password_hash_queue').map((s) => [s.labels.state, s.value])).toEqual([
      ['active', 0],
      ['pending', 0],
    ]);
  });

  it('counts a right password that needs the second factor as mfa_required, not as an error', async () => {
    const user = await enrolTotp(app);
    const before = await scrape(app);
    expect((await app.gql(LOGIN, { email: user.email, password: user.password })).code).toBe('MFA_REQUIRED');
    const after = await scrape(app);
    expect(delta(before, after, 'auth_logins_total', { outcome: 'mfa_required' })).toBe(1);
    expect(delta(before, after, 'auth_logins_total', { outcome: 'error' })).toBe(0);
    expect(delta(before, after, 'auth_logins_total', { outcome: 'invalid_credentials' })).toBe(0);
  });

  it('counts the verifyLogin that follows: a wrong code as invalid_credentials, the right one as success', async () => {
    const user = await enrolTotp(app);
    const challenge = await loginChallenge(app, user.email, user.password);
    const before = await scrape(app);
    const wrong = await app.gql(VERIFY_LOGIN, {
      challenge,
      code: '000000' === codeNow(user.secret) ? '111111' : '000000',
    });
    expect(wrong.code).toBe('UNAUTHENTICATED');
    const right = await app.gql(VERIFY_LOGIN, { challenge, code: nextCode(user.secret) });
    expect(right.body.errors).toBeUndefined();
    const after = await scrape(app);
    expect(delta(before, after, 'auth_logins_total', { outcome: 'invalid_credentials' })).toBe(1);
    expect(delta(before, after, 'auth_logins_total', { outcome: 'success' })).toBe(1);
    expect(delta(before, after, 'auth_logins_total', { outcome: 'error' })).toBe(0);
  });

  it('counts refresh-token reuse (the family revoked) and refreshes by outcome', async () => {
    const res = await app.gql<{ signup: { refreshToken: string } }>(
      'mutation($input: SignupInput!) { signup(input: $input) { refreshToken } }',
      { input: { name: 'Reuse', email: `reuse-${Date.now()}@example.com`, password: 'correct horse battery' } },
    );
    const refreshToken = res.body.data!.signup.refreshToken;
    const before = await scrape(app);
    const REFRESH = 'mutation($t: String) { refresh(refreshToken: $t) { token } }';
    expect((await app.gql(REFRESH, { t: refreshToken })).code).toBeNull();
    expect((await app.gql(REFRESH, { t: refreshToken })).code).toBe('UNAUTHENTICATED');
    const after = await scrape(app);
    expect(delta(before, after, 'auth_refresh_token_reuse_total')).toBe(1);
    expect(delta(before, after, 'auth_refreshes_total', { outcome: 'success' })).toBe(1);
    expect(delta(before, after, 'auth_refreshes_total', { outcome: 'refused' })).toBe(1);
  });

  it('counts verified-token cache hits and misses (a new token misses once, then hits)', async () => {
    const user = await app.signup();
    const before = await scrape(app);
    for (let i = 0; i < 3; i++) await app.gql(ME, undefined, { token: user.token });
    const after = await scrape(app);
    expect(delta(before, after, 'auth_token_cache_lookups_total', { result: 'miss' })).toBe(1);
    expect(delta(before, after, 'auth_token_cache_lookups_total', { result: 'hit' })).toBe(2);
    expect(after.value('auth_token_cache_entries')).toBeGreaterThanOrEqual(1);
  });
});

describe('the hashing queue under a burst', () => {
  // One hash at a time, admitted while the expected wait stays under 1 s. A hash takes 8-15 ms on a
  // quiet machine here (more under load), so 80 could all fit in that second; 250 cannot.
  const BURST = 250;
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ METRICS_TOKEN: TOKEN, PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_MAX_WAIT: '1' });
  });
  afterAll(() => app.close());

  it('shows hashes waiting while they wait, and counts the ones refused when the queue is full', async () => {
    const user = await app.signup();
    const before = await scrape(app);
    const logins = Array.from({ length: BURST }, () => app.gql(LOGIN, { email: user.email, password: user.password }));
    // Scraped while the burst is in the queue.
    for (let i = 0; i < 200 && app.services.passwords.stats().pending === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    const during = await scrape(app);
    const results = await Promise.all(logins);
    const refused = results.filter((r) => r.code === 'RATE_LIMITED').length;
    expect(refused).toBeGreaterThan(0);
    expect(during.value('auth_password_hash_queue', { state: 'pending' })).toBeGreaterThan(0);
    expect(during.value('auth_password_hash_queue', { state: 'active' })).toBe(1);
    const after = await scrape(app);
    expect(delta(before, after, 'auth_password_hash_rejected_total')).toBe(refused);
    expect(delta(before, after, 'auth_logins_total', { outcome: 'rate_limited' })).toBe(refused);
    // The ones that waited were timed: each is in the histogram, with a wait above zero.
    expect(delta(before, after, 'auth_password_hash_wait_seconds_count')).toBe(BURST - refused);
    expect(delta(before, after, 'auth_password_hash_wait_seconds_sum')).toBeGreaterThan(0);
  });
});

describe('without METRICS_TOKEN or METRICS_PORT', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('has no /metrics (404, whatever the header) and collects nothing', async () => {
    expect((await get(app)).status).toBe(404);
    expect((await get(app, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect(app.services.metrics.enabled).toBe(false);
    expect(app.services.metrics.yogaPlugin).toBeUndefined();
    // The app still works, with every instrument a no-op.
    const user = await app.signup();
    expect((await app.gql(ME, undefined, { token: user.token })).code).toBeNull();
  });
});

describe('METRICS_PORT', () => {
  it('serves /metrics on a loopback port of its own; the API port has none', async () => {
    const server = await startServer({ METRICS_PORT: '0' });
    try {
      const line = await server.waitForLine((l) => l.includes('metrics listening on'));
      const m = /metrics listening on ([\d.]+):(\d+)/.exec(line);
      expect(m?.[1]).toBe('127.0.0.1');
      await server.gql('{ __typename }');
      const res = await fetch(`http://127.0.0.1:${m?.[2]}/metrics`);
      expect(res.status).toBe(200);
      expect(readScrape(await res.text()).value('graphql_envelop_request', { operation: '__typename' })).toBe(1);
      expect((await fetch(`http://127.0.0.1:${m?.[2]}/other`)).status).toBe(404);
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });

  it('asks for METRICS_TOKEN there too when it is set', async () => {
    const server = await startServer({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
    try {
      const line = await server.waitForLine((l) => l.includes('metrics listening on'));
      const port = /:(\d+)/.exec(line.split('metrics listening on')[1]!)?.[1];
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      const ok = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      const api = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(api.status).toBe(200);
      expect(readScrape(await api.text()).families.map((f) => f.name)).toContain('auth_logins_total');
    } finally {
      await server.stop();
    }
  });
});

describe('settings and the token check', () => {
  it('refuses a short, spaced or placeholder METRICS_TOKEN, and a bad METRICS_PORT', () => {
    const base = { JWT_SECRET: 'a-test-secret-that-is-long-enough-for-it' };
    for (const t of ['short', 'has a space in it 1234', 'changeme-changeme-1234', 'aaaaaaaaaaaaaaaaaaaa'])
      expect(() => loadConfig({ ...base, METRICS_TOKEN: t }), t).toThrow(/METRICS_TOKEN/);
    // The token itself is never echoed in the error.
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'has a space in it 1234' })).not.toThrow(/space in it/);
    for (const p of ['70000', '-1', 'http'])
      expect(() => loadConfig({ ...base, METRICS_PORT: p })).toThrow(/METRICS_PORT/);
    expect(loadConfig(base).metrics).toEqual({ token: undefined, port: undefined, host: '127.0.0.1' });
    expect(loadConfig({ ...base, METRICS_TOKEN: TOKEN, METRICS_PORT: '9464' }).metrics).toMatchObject({
      token: TOKEN,
      port: 9464,
    });
  });

  it('matches only "Bearer <token>" exactly (any case of the scheme)', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer  ${TOKEN}`, TOKEN)).toBe(true);
    for (const h of [undefined, null, '', 'Bearer', 'Bearer ', `Bearer ${TOKEN} extra`, `${TOKEN}`, `Token ${TOKEN}`])
      expect(bearerMatches(h, TOKEN), String(h)).toBe(false);
  });
});
