import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decode } from '@jridgewell/sourcemap-codec';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer } from './helpers/server.js';

/**
 * What `npm start` runs is built: tsc, then scripts/bundle-server.mjs puts the server and its
 * pure-JavaScript packages into one file, dist/start.js. The rest of the suite runs src/ through
 * tsx; this runs the build itself, as a deployment would, with the flags of package.json's start.
 */
const startArgs = (() => {
  const start: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
  return start.trim().split(/\s+/).slice(1);
})();
const bundle = path.join(ROOT, 'dist/start.js');

describe('the built server (dist/, as npm start runs it)', () => {
  beforeAll(() => {
    const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
  }, 120_000);

  it('answers with the contract error codes: one copy of graphql in the bundle', async () => {
    // Two copies of graphql would break `instanceof GraphQLError`, and our errors would come out
    // masked as INTERNAL_SERVER_ERROR instead of these codes.
    expect(fs.readFileSync(bundle, 'utf8').match(/^\/\/ node_modules\/graphql\/error\/GraphQLError\./gm)).toHaveLength(
      1,
    );
    const server = await startServer({}, { args: startArgs });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      // The housekeeping run at start logs its counts as numbers, not blanked by the secret filter.
      const cleanup = JSON.parse(await server.waitForLine((l) => l.includes('"retention cleanup"')));
      expect(cleanup).toMatchObject({ events: 0, sessions: 0, expiredRefreshes: 0 });
      const email = `built-${Date.now()}@example.com`;
      const signup = await server.gql<{ signup: { token: string } }>(
        'mutation($input: SignupInput!) { signup(input: $input) { token } }',
        { input: { name: 'Built', email, password: 'correct horse battery' } },
      );
      const token = signup.body.data!.signup.token;
      const me = await server.gql<{ me: { role: string } }>('{ me { role } }', undefined, { token });
      expect(me.body).toEqual({ data: { me: { role: 'USER' } } });
      const anonymous = await server.gql('{ me { id } }');
      expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const short = await server.gql('mutation($input: SignupInput!) { signup(input: $input) { token } }', {
        input: { name: 'Built', email: `short-${email}`, password: 'short' },
      });
      expect(short.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const invalid = await server.gql('{ nope }');
      expect(invalid.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      await server.stop();
    }
    expect((await server.exited).code).toBe(0);
  }, 60_000);

  it('maps its own code back to src/ and leaves the packages out of the source map', () => {
    const map = JSON.parse(fs.readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[]; mappings: string };
    const used = new Set(
      decode(map.mappings).flatMap((line) => line.flatMap((seg) => (seg.length > 1 ? [seg[1]!] : []))),
    );
    const mapped = [...used].map((i) => map.sources[i]!);
    expect(mapped).toContain('../src/auth/jwt.ts');
    expect(mapped).toContain('../src/start.ts');
    expect(mapped.filter((s) => s.includes('node_modules/'))).toEqual([]);
  });
});
