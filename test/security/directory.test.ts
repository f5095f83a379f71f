import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../helpers/client.js';
import { runScript, startServer, type SpawnedServer } from '../helpers/server.js';

// No anonymous directory: nobody can list the accounts, or find the administrators, without signing in.
let server: SpawnedServer;
let C: ReturnType<typeof httpClient>;
let admin: { token: string; id: string; email: string };
let user: { token: string; id: string; email: string };

beforeAll(async () => {
  server = await startServer();
  C = httpClient(server.url);
  const a = await C.signup();
  user = await C.signup();
  const promoted = await runScript('src/cli/promote-user.ts', [a.email], {
    NODE_ENV: 'production',
    DATA_DIR: server.dataDir,
    JWT_SECRET: server.secret,
    // Production needs the TOTP-secret key as well (promoting touches no TOTP secret).
    MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  });
  expect(promoted.code, promoted.stderr).toBe(0);
  admin = { ...a, token: (await C.login(a.email, a.password)).body.data.login.token };
});
afterAll(async () => {
  await server?.stop();
});

const LIST = '{ users(first: 100) { totalCount nodes { id name email role } } }';

describe('the account directory', () => {
  it('an anonymous caller cannot list accounts: UNAUTHENTICATED and no data', async () => {
    const res = await C.gql(LIST);
    expect(res.body).toEqual({
      data: null,
      errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })],
    });
    expect(res.text).not.toContain(admin.id);
  });

  it('an anonymous caller sees a profile by id, but not its role', async () => {
    const res = await C.gql('query($id: ID!) { user(id: $id) { id name role } }', { id: admin.id });
    expect(res.body.data.user).toEqual({ id: admin.id, name: 'Test User', role: null });
    expect(res.body.errors).toEqual([
      expect.objectContaining({ path: ['user', 'role'], extensions: { code: 'UNAUTHENTICATED' } }),
    ]);
    expect(res.text).not.toContain('ADMIN');
  });

  it('a signed-in user lists accounts with their roles but without e-mails (except their own)', async () => {
    const res = await C.gql(LIST, undefined, { token: user.token });
    expect(res.body.errors).toBeUndefined();
    const nodes = res.body.data.users.nodes as Array<{ id: string; email: string | null; role: string }>;
    expect(nodes.find((n) => n.id === admin.id)).toMatchObject({ role: 'ADMIN', email: null });
    expect(nodes.find((n) => n.id === user.id)).toMatchObject({ role: 'USER', email: user.email });
  });

  it('an administrator sees everything', async () => {
    const res = await C.gql(LIST, undefined, { token: admin.token });
    const nodes = res.body.data.users.nodes as Array<{ id: string; email: string | null; role: string }>;
    expect(nodes.find((n) => n.id === user.id)).toMatchObject({ role: 'USER', email: user.email });
    expect(nodes.every((n) => n.email !== null)).toBe(true);
  });
});
