import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, decodeJwt, ME, type TestApp } from './helpers/app.js';
import { keyEnv, newKeyPair } from './helpers/keys.js';

// A rotation as the README walks it, each step a restart on ONE database (the users and their
// token versions persist; only the key settings change), with a rolling deploy's overlap: an
// instance still on the previous step must accept what a newer one signs.

const apps: TestApp[] = [];
afterEach(async () => {
  // The first app of a test owns the database (drops it); the others only borrow it.
  for (const a of apps.slice(1).reverse()) await a.close();
  await apps[0]?.close();
  apps.length = 0;
});

async function start(env: Record<string, string>): Promise<TestApp> {
  const app = await createTestApp(env, apps[0] ? { database: apps[0].databaseUrl } : {});
  apps.push(app);
  return app;
}
async function kids(app: TestApp): Promise<string[]> {
  const res = await app.yoga.fetch('http://localhost/.well-known/jwks.json');
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
}
async function meId(app: TestApp, token: string): Promise<string | null> {
  const res = await app.gql(ME, undefined, { token });
  return res.body.data?.me?.id ?? (res.code === 'UNAUTHENTICATED' ? null : `unexpected ${JSON.stringify(res.body)}`);
}

describe.each(['EdDSA', 'ES256', 'RS256'] as const)('rotating a %s key, step by step', (alg) => {
  it('publish next, switch, keep the old one for its tokens, remove it', async () => {
    const a = newKeyPair(alg);
    const b = newKeyPair(alg);

    // 0. Signing with A.
    const step0 = await start(keyEnv(a));
    const user = await step0.signup();
    const kidA = decodeJwt(user.token).header.kid as string;
    expect(await kids(step0)).toEqual([kidA]);

    // 1. Publish B ahead of use: in the JWKS, accepted, not yet signing.
    const step1 = await start(keyEnv(a, { JWT_NEXT_PUBLIC_KEY: b.publicKey }));
    const kidsAtStep1 = await kids(step1);
    expect(kidsAtStep1).toHaveLength(2);
    expect(kidsAtStep1[0]).toBe(kidA);
    const kidB = kidsAtStep1[1]!;
    expect(await meId(step1, user.token)).toBe(user.id);
    const stillA = await step1.services.tokens.sign(await step1.services.users.findById(user.id).then((u) => u!));
    expect(decodeJwt(stillA).header.kid).toBe(kidA);

    // 2. Switch: B signs, A verifies what it signed. Same JWKS as step 1, B first.
    const step2 = await start(keyEnv(b, { JWT_PREVIOUS_PUBLIC_KEYS: a.publicKey }));
    expect(await kids(step2)).toEqual([kidB, kidA]);
    const login = await step2.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
      e: user.email,
      p: user.password,
    });
    const tokenB = login.body.data?.login.token as string;
    expect(decodeJwt(tokenB).header.kid).toBe(kidB);
    expect(await meId(step2, tokenB)).toBe(user.id);
    expect(await meId(step2, user.token)).toBe(user.id); // A's token, signed before the switch
    // Rolling deploy: an instance still at step 1 accepts B's tokens, because B was published there.
    expect(await meId(step1, tokenB)).toBe(user.id);
    // ...and one still at step 0 would not: that is why step 1 comes first.
    expect(await meId(step0, tokenB)).toBeNull();

    // 3. After token lifetime plus skew: A removed. Its tokens stop, B's go on.
    const step3 = await start(keyEnv(b));
    expect(await kids(step3)).toEqual([kidB]);
    expect(await meId(step3, tokenB)).toBe(user.id);
    expect(await meId(step3, user.token)).toBeNull();
  });
});

describe('changing algorithm, and leaving HS256', () => {
  it('EdDSA -> ES256 with the EdDSA key kept as previous: both verify, each under its own algorithm', async () => {
    const ed = newKeyPair('EdDSA');
    const es = newKeyPair('ES256');
    const first = await start(keyEnv(ed));
    const user = await first.signup();
    const second = await start(keyEnv(es, { JWT_PREVIOUS_PUBLIC_KEYS: ed.publicKey }));
    expect(await meId(second, user.token)).toBe(user.id);
    const jwks = (await (await second.yoga.fetch('http://localhost/.well-known/jwks.json')).json()) as {
      keys: { alg: string; kty: string }[];
    };
    expect(jwks.keys.map((k) => [k.alg, k.kty])).toEqual([
      ['ES256', 'EC'],
      ['EdDSA', 'OKP'],
    ]);
  });

  it('HS256 -> EdDSA: JWT_PREVIOUS_SECRETS keeps the HS256 tokens working, and never shows in the JWKS', async () => {
    const hs = await start({});
    const user = await hs.signup();
    expect(decodeJwt(user.token).header).toEqual({ alg: 'HS256', typ: 'JWT' });
    const ed = newKeyPair('EdDSA');
    const switched = await start(keyEnv(ed, { JWT_PREVIOUS_SECRETS: hs.secret }));
    expect(await meId(switched, user.token)).toBe(user.id);
    const jwks = (await (await switched.yoga.fetch('http://localhost/.well-known/jwks.json')).json()) as {
      keys: { kty: string }[];
    };
    expect(jwks.keys.map((k) => k.kty)).toEqual(['OKP']);
    // Without the old secret, the HS256 token is refused.
    const strict = await start(keyEnv(ed));
    expect(await meId(strict, user.token)).toBeNull();
  });

  it('HS256 rotation: JWT_PREVIOUS_SECRETS across a restart', async () => {
    const old = await start({});
    const user = await old.signup();
    const rotated = await start({ JWT_SECRET: `${old.secret}-rotated`, JWT_PREVIOUS_SECRETS: old.secret });
    expect(await meId(rotated, user.token)).toBe(user.id);
    const done = await start({ JWT_SECRET: `${old.secret}-rotated` });
    expect(await meId(done, user.token)).toBeNull();
  });
});
