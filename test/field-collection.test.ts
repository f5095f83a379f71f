import { buildExecutionContext } from '@graphql-tools/executor';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

/**
 * patches/@graphql-tools+executor+2.1.0.patch keeps a document's collected fields beside its AST
 * when no directive in it reads a variable, instead of in WeakMaps built for every request (see
 * BENCHMARKS.md, round ten). These tests hold it to the rule that makes that safe: the same answer
 * as collecting afresh, whatever the variables of each request.
 */
let app: TestApp;
let token: string;
let id: string;

beforeAll(async () => {
  app = await createTestApp();
  ({ token, id } = await app.signup({ name: 'Collector' }));
});
afterAll(() => app.close());

describe('the executor, as this install patches it', () => {
  const schema = () => app.yoga.getEnveloped().schema;

  it('marks a document whose directives read no variable, and only such a document', () => {
    const flag = (source: string) =>
      (
        buildExecutionContext({ schema: schema(), document: parse(source), variableValues: { v: true } }) as {
          collectsWithoutVariables?: boolean;
        }
      ).collectsWithoutVariables;
    expect(flag('{ me { id role } }')).toBe(true);
    expect(flag('{ me { id name @skip(if: true) } x: __typename @include(if: false) }')).toBe(true);
    expect(flag('query ($v: Boolean!) { me { id name @include(if: $v) } }')).toBe(false);
    expect(flag('query ($v: Boolean!) { me { ...F } } fragment F on User { name @skip(if: $v) }')).toBe(false);
    expect(flag('query ($v: Boolean!) { me { ... @include(if: $v) { name } } }')).toBe(false);
  });
});

describe('fields collected once per document', () => {
  it('answers a document that reads no variable the same every time', async () => {
    const query = '{ me { id role name @skip(if: true) ... on User { email @include(if: false) } } }';
    for (let i = 0; i < 3; i++) {
      const res = await app.gql(query, undefined, { token });
      expect(res.body).toEqual({ data: { me: { id, role: 'USER' } } });
    }
  });

  it("follows each request's variables when a directive reads one, in fields, fragments and inline fragments", async () => {
    const query = /* GraphQL */ `
      query ($name: Boolean!, $role: Boolean!, $email: Boolean!) {
        me {
          id
          name @include(if: $name)
          ...Role
          ... @skip(if: $email) { email }
        }
      }
      fragment Role on User { role @include(if: $role) }
    `;
    const cases = [
      [
        { name: true, role: false, email: true },
        { id, name: 'Collector' },
      ],
      [
        { name: false, role: true, email: true },
        { id, role: 'USER' },
      ],
      [
        { name: false, role: false, email: false },
        { id, email: expect.stringContaining('@example.com') },
      ],
      [
        { name: true, role: true, email: true },
        { id, name: 'Collector', role: 'USER' },
      ],
    ] as const;
    // Twice round, so every answer follows a request whose variables differed.
    for (const [variables, me] of [...cases, ...cases]) {
      const res = await app.gql(query, variables, { token });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.me).toEqual(me);
    }
  });

  it('keeps the two operations of one document apart', async () => {
    const query = 'query A { me { id } } query B { me { role } }';
    for (const [operationName, me] of [
      ['A', { id }],
      ['B', { role: 'USER' }],
      ['A', { id }],
    ] as const) {
      const res = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, operationName }),
      });
      expect(await res.json()).toEqual({ data: { me } });
    }
  });
});
