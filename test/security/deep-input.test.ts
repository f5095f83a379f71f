import { createYoga, type Plugin } from 'graphql-yoga';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import { useLastResortErrors } from '../../src/plugins/last-resort.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';

/**
 * Variables are JSON of any depth: a 16 KB body holds `[` 8,000 deep. A black-box probe found
 * that any such body whose result carried an error got a 500 with a stack trace (our
 * error hygiene walked the variables recursively, and a failure there bypassed masking).
 */
let server: SpawnedServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

const post = (body: string) =>
  fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const nested = (open: string, close: string, depth: number) => open.repeat(depth) + close.repeat(depth);

describe('deeply nested or very wide variables', () => {
  const cases: Array<[string, string]> = [
    ['arrays 8,000 deep', nested('[', ']', 8000)],
    ['objects 8,000 deep', `${'{"a":'.repeat(8000)}1${'}'.repeat(8000)}`],
    ['a secret-named object 8,000 deep', `{"password":${nested('[', ']', 8000)}}`],
    ['a secret-named array of 40,000 leaves', `{"password":[${Array(40_000).fill('0').join(',')}]}`],
  ];
  for (const [name, value] of cases) {
    it(`${name}: the error answered as JSON with a code, no stack, the usual headers`, async () => {
      const res = await post(`{"query":"{ nope }","variables":{"a":${value}}}`);
      const text = await res.text();
      expect(text).not.toMatch(/RangeError|Maximum call stack|at \w+ \(|\/src\//);
      expect(res.headers.get('content-type')).toMatch(/json/);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      const body = JSON.parse(text);
      expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  }

  it('still scrubs a secret sent deep in the variables from what comes back', async () => {
    // An input that fails coercion echoes its value; a password nested in it must not come back.
    const res = await post(
      JSON.stringify({
        query: 'mutation($i: SignupInput!) { signup(input: $i) { token } }',
        variables: { i: { name: 'X', email: 'deep@example.com', password: 'hunter2-very-secret', extra: [[1]] } },
      }),
    );
    const text = await res.text();
    expect(text).not.toContain('hunter2-very-secret');
    expect(JSON.parse(text).errors[0].extensions.code).toBeTruthy();
  });
});

describe('a failure outside execution (useLastResortErrors)', () => {
  const schema = makeExecutableSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: {} });
  const failing: Plugin = {
    onResultProcess() {
      throw new RangeError('Maximum call stack size exceeded');
    },
  };
  const logged: unknown[] = [];
  const ignore = () => undefined;
  const spy: Logger = { debug: ignore, info: ignore, warn: ignore, error: (msg, fields) => logged.push([msg, fields]) };

  it('without it, the failure escapes as itself (over HTTP, whatwg-node answers with its stack)', async () => {
    const yoga = createYoga({ schema, plugins: [failing], logging: false });
    const outcome = await Promise.resolve(
      yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ ok }"}',
      }),
    ).then(
      async (res: Response) => `${res.status} ${await res.text()}`,
      (e: unknown) => String(e),
    );
    expect(outcome).toMatch(/RangeError/);
  });

  it('with it, a masked INTERNAL_SERVER_ERROR as JSON, logged, and the response hooks still run', async () => {
    const headered: Plugin = {
      onResponse({ response }) {
        response.headers.set('x-after', 'yes');
      },
    };
    const yoga = createYoga({ schema, plugins: [headered, useLastResortErrors(spy), failing], logging: false });
    for (let i = 0; i < 2; i++) {
      const res = await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ ok }"}',
      });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('x-after')).toBe('yes');
      expect(await res.json()).toEqual({
        errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      });
    }
    expect(logged).toHaveLength(2);
    expect(logged[0]).toEqual(['unexpected error outside execution', { err: expect.any(RangeError) }]);
  });
});
