import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { createTestApp, SIGNUP, type TestApp } from './helpers/app.js';

/**
 * Hot operations run compiled by graphql-jit (src/plugins/compiled-execution.ts). With
 * GRAPHQL_JIT_AFTER=2 a document's first two runs take the standard executor and the third the
 * compiled one, on the same app and the same data: each case compares those answers whole
 * (status, data, every error's message, path, locations and extensions), and the debug log says
 * when a compile happened, so no case passes by never reaching the compiled path.
 */

let app: TestApp;
const lines: Array<{ msg: string; operationName?: string | null }> = [];
const compiles = () => lines.filter((l) => l.msg === 'operation compiled').length;

beforeAll(async () => {
  app = await createTestApp(
    { GRAPHQL_JIT_AFTER: '2' },
    { logger: createLogger({ level: 'debug', json: true, write: (l) => lines.push(JSON.parse(l)) }) },
  );
});
afterAll(() => app.close());

/** POST /graphql with an operation name, which the shared client does not send. */
async function post(body: Record<string, unknown>, token?: string) {
  const res = await app.yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Runs 1 and 2 on the standard executor, run 3 compiled; all three answers, and the compile seen. */
async function acrossEngines(body: Record<string, unknown>, token?: string) {
  const before = compiles();
  const standard = [await post(body, token), await post(body, token)];
  expect(compiles()).toBe(before);
  const compiled = await post(body, token);
  expect(compiles()).toBe(before + 1);
  expect(standard[1]).toEqual(standard[0]);
  return { standard: standard[0]!, compiled };
}

describe('compiled execution answers as the standard executor does', () => {
  it('a protected query with a token', async () => {
    const user = await app.signup();
    const { standard, compiled } = await acrossEngines({ query: '{ me { id name email role } }' }, user.token);
    expect(standard.body.data.me.id).toBe(user.id);
    expect(compiled).toEqual(standard);
  });

  it('the same query without one: UNAUTHENTICATED with its path and location', async () => {
    const { standard, compiled } = await acrossEngines({ query: '{ me { id email } }' });
    expect(standard.body.errors[0]).toMatchObject({
      path: ['me'],
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(compiled).toEqual(standard);
  });

  it("a resolver's own error: BAD_USER_INPUT with its extensions, nothing written twice", async () => {
    const taken = await app.signup();
    const input = { name: 'Dup', email: taken.email, password: 'correct horse battery staple' };
    const { standard, compiled } = await acrossEngines({ query: SIGNUP, variables: { input } });
    expect(standard.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.email' });
    expect(standard.body.errors[0].locations).toEqual([expect.objectContaining({ line: expect.any(Number) })]);
    expect(compiled).toEqual(standard);
  });

  it('aliases, fragments, @include and @skip with variables', async () => {
    const user = await app.signup();
    const query = `query($yes: Boolean!, $no: Boolean!) {
      a: me { ...F }
      b: me @include(if: $yes) { id }
      c: me @skip(if: $yes) { id }
      d: me @include(if: $no) { id }
      __typename
    }
    fragment F on User { id role ... on User { email } }`;
    const { standard, compiled } = await acrossEngines({ query, variables: { yes: true, no: false } }, user.token);
    expect(Object.keys(standard.body.data)).toEqual(['a', 'b', '__typename']);
    expect(standard.body.data.a).toEqual({ id: user.id, role: 'USER', email: user.email });
    expect(compiled).toEqual(standard);
  });

  it('each operation of a document by its name: compiled apart, each answering its own', async () => {
    const user = await app.signup();
    const query = 'query Mine { me { id } } query Kind { __typename }';
    const mine = await acrossEngines({ query, operationName: 'Mine' }, user.token);
    const kind = await acrossEngines({ query, operationName: 'Kind' }, user.token);
    expect(mine.compiled.body).toEqual({ data: { me: { id: user.id } } });
    expect(kind.compiled.body).toEqual({ data: { __typename: 'Query' } });
    // Both compiled now; asking again by name still picks the right one.
    expect((await post({ query, operationName: 'Mine' }, user.token)).body).toEqual(mine.compiled.body);
    expect((await post({ query, operationName: 'Kind' }, user.token)).body).toEqual(kind.compiled.body);
  });

  it('no operation name for several operations, or one the document lacks: never compiled, the usual error', async () => {
    const query = 'query A { __typename } query B { __typename }';
    const before = compiles();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await post({ query }), await post({ query, operationName: 'Nope' }));
    expect(compiles()).toBe(before);
    expect(answers[0]!.body.errors[0].message).toBe('Could not determine what operation to execute.');
    // Yoga refuses an unknown name the same way, before execution.
    expect(answers[1]!.body.errors[0].message).toBe('Could not determine what operation to execute.');
    expect(answers[8]).toEqual(answers[0]);
    expect(answers[9]).toEqual(answers[1]);
  });

  it('variables refused on a compiled document get the standard message, suggestions and all', async () => {
    const query = 'mutation($id: ID!, $r: Role!) { setUserRole(id: $id, role: $r) { id } }';
    const bad = { query, variables: { id: '1', r: 'ADMN' } };
    const good = { query, variables: { id: '1', r: 'ADMIN' } };
    const before = compiles();
    const first = await post(bad); // run 1, standard
    await post(good); // run 2, standard (refused by @auth: no token)
    const compiledGood = await post(good);
    expect(compiles()).toBe(before + 1);
    expect(compiledGood.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const compiled = await post(bad);
    expect(first.body.errors[0].message).toContain('Did you mean the enum value "ADMIN"?');
    expect(compiled).toEqual(first);
  });
});

describe('an unexpected failure on the compiled path', () => {
  it('is masked the same way: no driver message, logged on the server', async () => {
    const errors: string[] = [];
    let count = 0;
    const broken = await createTestApp(
      { GRAPHQL_JIT_AFTER: '2' },
      {
        logger: createLogger({
          level: 'debug',
          json: true,
          write: (l) => {
            const line = JSON.parse(l);
            if (line.msg === 'unexpected error') errors.push(l);
            if (line.msg === 'operation compiled') count++;
          },
        }),
      },
    );
    try {
      const { id } = await broken.signup();
      await broken.dataSource.destroy();
      const query = 'query($id: ID!) { user(id: $id) { id } }';
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await broken.gql(query, { id }));
      expect(count).toBe(1);
      expect(answers[0]!.body).toEqual({
        data: { user: null },
        errors: [
          {
            message: 'Unexpected error.',
            path: ['user'],
            locations: [{ line: 1, column: 19 }],
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          },
        ],
      });
      expect(answers[2]!.body).toEqual(answers[0]!.body);
      expect(errors).toHaveLength(3);
    } finally {
      await broken.close();
    }
  });
});

describe('GRAPHQL_JIT=false', () => {
  it('compiles nothing, however often a document runs', async () => {
    let count = 0;
    const off = await createTestApp(
      { GRAPHQL_JIT: 'false', GRAPHQL_JIT_AFTER: '0' },
      {
        logger: createLogger({
          level: 'debug',
          json: true,
          write: (l) => {
            if (JSON.parse(l).msg === 'operation compiled') count++;
          },
        }),
      },
    );
    try {
      const user = await off.signup();
      for (let i = 0; i < 5; i++) {
        expect((await off.gql('{ me { id } }', {}, { token: user.token })).body).toEqual({
          data: { me: { id: user.id } },
        });
      }
      expect(count).toBe(0);
    } finally {
      await off.close();
    }
  });
});
