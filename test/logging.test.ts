import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, isoTime, withLogContext } from '../src/logger.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { ROOT } from './helpers/server.js';

const lines: Array<Record<string, any>> = [];
let app: TestApp;
beforeAll(async () => {
  const logger = createLogger({ level: 'debug', json: true, write: (l) => lines.push(JSON.parse(l)) });
  app = await createTestApp({}, { logger });
});
afterAll(() => app.close());

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  app.yoga.fetch('http://localhost/graphql', { method: 'POST', headers, body });

describe("a client's mistake is not an error of the server", () => {
  it.each([
    [
      'a GET without a CSRF header',
      () =>
        app.yoga.fetch('http://localhost/graphql?query=%7B__typename%7D', { headers: { accept: 'application/json' } }),
      403,
    ],
    ['a form POST', () => post('query={__typename}', { 'content-type': 'application/x-www-form-urlencoded' }), 415],
    ['invalid JSON', () => post('{"query": '), 400],
    ['a syntax error', () => post(JSON.stringify({ query: '{ me { ' })), 200],
    ['an unknown field', () => post(JSON.stringify({ query: '{ nope }' })), 200],
    [
      'a bad token',
      () =>
        post(JSON.stringify({ query: '{ me { id } }' }), {
          'content-type': 'application/json',
          authorization: 'Bearer x.y.z',
        }),
      200,
    ],
  ])('%s: logged below error level, without a stack', async (_what, send, status) => {
    lines.length = 0;
    const res = await send();
    expect(res.status).toBe(status);
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ status });
    expect(lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(JSON.stringify(lines)).not.toMatch(/"stack"|\bat .+\.(ts|js):\d+/);
  });

  it('an unexpected failure is logged once, at error, with its stack', async () => {
    const failing = await createTestApp(
      {},
      {
        logger: createLogger({ level: 'debug', json: true, write: (l) => lines.push(JSON.parse(l)) }),
      },
    );
    try {
      const { id } = await failing.signup();
      await failing.dataSource.destroy();
      lines.length = 0;
      const res = await failing.gql('query($id: ID!) { user(id: $id) { id } }', { id });
      expect(res.code).toBe('INTERNAL_SERVER_ERROR');
      const errors = lines.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ msg: 'unexpected error', err: { stack: expect.stringMatching(/\n\s+at /) } });
      expect(errors[0]!.requestId).toEqual(expect.any(String));
    } finally {
      await failing.close();
    }
  });
});

describe('the pino logger', () => {
  it('redacts by path the secrets whose names the pattern does not catch', () => {
    const out: string[] = [];
    const log = createLogger({ level: 'info', json: true, write: (l) => out.push(l) });
    log.info('m', { apiKey: 'k-123', user: { otp: '654321', email: 'a@b.c' }, headers: { 'x-api-key': 'k-456' } });
    const line = JSON.parse(out[0]!);
    expect(line).toMatchObject({ apiKey: '[redacted]', user: { otp: '[redacted]', email: 'a@b.c' } });
    expect(out[0]).not.toMatch(/k-123|654321|k-456/);
  });

  it('redacts those names at any depth and in any case', () => {
    const out: string[] = [];
    const log = createLogger({ level: 'info', json: true, write: (l) => out.push(l) });
    log.info('m', { a: { b: { c: { TOTP: '112233', privateKey: 'pk-1' } } }, list: [{ recoveryCodes: ['rc-1'] }] });
    expect(out[0]).not.toMatch(/112233|pk-1|rc-1/);
    expect(JSON.parse(out[0]!)).toMatchObject({ a: { b: { c: { TOTP: '[redacted]' } } } });
  });

  it('writes time, level and msg as the log shippers expect, and drops lines below the level', () => {
    const out: string[] = [];
    const log = createLogger({ level: 'warn', json: true, write: (l) => out.push(l) });
    log.info('hidden');
    log.warn('shown', { n: 1 });
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'warn',
      msg: 'shown',
      n: 1,
    });
  });
});

describe('lines written inside a log context', () => {
  it("carry the context's fields, and one line's fields do not reach the next line", () => {
    const out: string[] = [];
    const log = createLogger({ level: 'info', json: true, write: (l) => out.push(l) });
    withLogContext({ requestId: 'r-1' }, () => {
      log.info('first', { userId: 'u-1' });
      log.info('second');
    });
    log.info('outside');
    const [first, second, outside] = out.map((l) => JSON.parse(l));
    expect(first).toMatchObject({ requestId: 'r-1', userId: 'u-1', msg: 'first' });
    expect(second).toMatchObject({ requestId: 'r-1', msg: 'second' });
    expect(second).not.toHaveProperty('userId');
    expect(outside).not.toHaveProperty('requestId');
  });
});

describe('the time of a line', () => {
  it('is exactly what toISOString gives, at every millisecond of a second and across seconds', () => {
    const base = Date.UTC(2026, 11, 2, 15, 55, 19, 0);
    for (const ms of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 60_000, 86_400_000 + 7]) {
      expect(isoTime(base + ms)).toBe(`,"time":"${new Date(base + ms).toISOString()}"`);
    }
    // Back to an earlier second (a clock step) is formatted afresh, not from the cached second.
    expect(isoTime(base - 1)).toBe(`,"time":"${new Date(base - 1).toISOString()}"`);
  });
});

/**
 * Runs `body` in a process of its own after `log = createLogger(...)` in production mode (JSON on
 * stderr, the asynchronous destination), and answers its exit code and the lines it wrote.
 */
function runWithLogger(body: string[]): { status: number | null; lines: Array<Record<string, any>> } {
  const script = [
    "import { createLogger } from './src/logger.ts';",
    "const log = createLogger({ level: 'info', json: true });",
    ...body,
  ].join('\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  const lines = run.stderr
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  return { status: run.status, lines };
}

describe('production lines still waiting for their batch', () => {
  it('are written when the process exits, with no flush() called (process.exit, as after an uncaught exception)', () => {
    const run = runWithLogger([
      "log.info('first', { n: 1 });",
      "log.warn('last words', { n: 2 });",
      'process.exit(3);',
    ]);
    expect(run.status).toBe(3);
    expect(run.lines.map((l) => [l.msg, l.n])).toEqual([
      ['first', 1],
      ['last words', 2],
    ]);
  });

  it("are all out, in order, after a shutdown's flushed() with batches still in the thread pool", () => {
    const run = runWithLogger([
      // About 30 KiB: several 4 KiB batches are handed to the thread pool and still on their way.
      "for (let n = 0; n < 300; n++) log.info('line', { n, pad: 'x'.repeat(60) });",
      'await log.flushed();',
      "log.info('stopped');",
      'log.flush();',
      'process.exit(0);',
    ]);
    expect(run.status).toBe(0);
    expect(run.lines.map((l) => l.n ?? l.msg)).toEqual([...Array.from({ length: 300 }, (_, n) => n), 'stopped']);
  });
});
