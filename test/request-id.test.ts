import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { requestIdFor } from '../src/plugins/request-id.js';
import { createTestApp, ME, SIGNUP, uniqueEmail, type TestApp } from './helpers/app.js';

const lines: Array<Record<string, any>> = [];
let app: TestApp;
beforeAll(async () => {
  const logger = createLogger({ level: 'debug', json: true, write: (line) => lines.push(JSON.parse(line)) });
  app = await createTestApp({}, { logger });
});
afterAll(() => app.close());

describe('request ids', () => {
  it('generates an id when none is sent, echoes it, and puts it on every log line of the request', async () => {
    lines.length = 0;
    const res = await app.gql(SIGNUP, {
      input: { name: 'R', email: uniqueEmail(), password: 'correct horse battery' },
    });
    expect(res.body.errors).toBeUndefined();
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Yoga's own debug lines, the app's `signup` line and the access line: all carry the id.
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line.requestId, JSON.stringify(line)).toBe(id);
    expect(lines.map((l) => l.msg)).toContain('signup');
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ method: 'POST', path: '/graphql', status: 200 });
  });

  it('keeps a sane X-Request-Id from the client', async () => {
    lines.length = 0;
    const res = await app.gql(ME, undefined, { token: 'nope', headers: { 'x-request-id': 'lb-7f3a.91:2' } });
    expect(res.code).toBe('UNAUTHENTICATED');
    expect(res.headers.get('x-request-id')).toBe('lb-7f3a.91:2');
    expect(lines.some((l) => l.msg === 'token refused' && l.requestId === 'lb-7f3a.91:2')).toBe(true);
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['spaces', 'two words'],
    ['log injection', 'x\\n{"level":"error"}'],
    ['quotes', '"quoted"'],
    ['empty', '   '],
  ])('replaces an X-Request-Id with %s by a generated one', async (_what, given) => {
    const res = await app.yoga.fetch('http://localhost/health', { headers: { 'x-request-id': given } });
    const id = res.headers.get('x-request-id');
    expect(id).not.toBe(given);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives concurrent requests their own ids in their own log lines', async () => {
    lines.length = 0;
    const ids = Array.from({ length: 6 }, (_, i) => `concurrent-${i}`);
    await Promise.all(
      ids.map((id) => app.gql(ME, undefined, { token: `bad.${id}.x`, headers: { 'x-request-id': id } })),
    );
    const refused = lines
      .filter((l) => l.msg === 'token refused')
      .map((l) => l.requestId)
      .sort();
    expect(refused).toEqual(ids);
  });

  it('requestIdFor accepts only short printable ids', () => {
    expect(requestIdFor('abc-123')).toBe('abc-123');
    expect(requestIdFor(null)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor('a\u0000b')).not.toBe('a\u0000b');
  });
});

describe('the logger', () => {
  it('redacts secret-named fields, JWTs, bearer headers and argon2 hashes, wherever they appear', () => {
    const out: string[] = [];
    const log = createLogger({ level: 'debug', json: true, write: (l) => out.push(l) });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLWJ5dGVz';
    log.info(`got ${jwt}`, {
      password: 'hunter2hunter2',
      input: { newPassword: 'p4ssw0rd!!', email: 'a@b.c' },
      headers: { authorization: `Bearer ${jwt}` },
      note: 'hash $argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
      err: new Error(`bad token ${jwt}`),
      tokenVersion: 3,
    });
    const text = out.join('\n');
    for (const secret of [jwt, 'hunter2hunter2', 'p4ssw0rd!!', 'aGFzaGhhc2g']) expect(text).not.toContain(secret);
    expect(JSON.parse(out[0]!)).toMatchObject({ input: { email: 'a@b.c' }, tokenVersion: 3, msg: 'got [redacted]' });
  });

  it('writes readable text lines outside production, with the request id', () => {
    const out: string[] = [];
    const log = createLogger({ level: 'info', json: false, write: (l) => out.push(l) });
    log.debug('hidden');
    log.info('hello', { userId: 'u1' });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}hello \{"userId":"u1"\}$/);
  });
});
