import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../helpers/app.js';
import { httpClient } from '../helpers/client.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';

// One credential operation (signup, login, changePassword, refresh, requestEmailChange...: the
// @credential mutations) per request, counted the way execution collects fields.
let server: SpawnedServer;
let C: ReturnType<typeof httpClient>;
// Development mode: mail is written to DATA_DIR/mail, so requestEmailChange gets as far as the password.
let mailing: SpawnedServer;

beforeAll(async () => {
  [server, mailing] = await Promise.all([startServer(), startServer({ NODE_ENV: 'development' })]);
  C = httpClient(server.url);
});
afterAll(async () => {
  await Promise.all([server?.stop(), mailing?.stop()]);
});

const REFUSAL = {
  message: expect.stringMatching(
    /^Only one (?=.*\bsignup\b)(?=.*\blogin\b)(?=.*\bchangePassword\b)(?=.*\brefresh\b).* per request$/,
  ),
  extensions: { code: 'BAD_USER_INPUT' },
};

async function accountExists(email: string, password: string): Promise<boolean> {
  return Boolean((await C.login(email, password)).body?.data?.login?.token);
}

describe('one credential operation per request', () => {
  it('refuses the same field twice through fragment spreads, before any account is made', async () => {
    const [a, b] = [uniqueEmail(), uniqueEmail()];
    const res = await C.gql(
      `mutation { ...A ...B }
       fragment A on Mutation { a: signup(input: { name: "A", email: "${a}", password: "correct horse battery" }) { token } }
       fragment B on Mutation { b: signup(input: { name: "B", email: "${b}", password: "correct horse battery" }) { token } }`,
    );
    expect(res.body.data ?? undefined).toBeUndefined();
    expect(res.body.errors).toEqual([expect.objectContaining(REFUSAL)]);
    expect(res.text).not.toContain('eyJ');
    expect(await accountExists(a, 'correct horse battery')).toBe(false);
    expect(await accountExists(b, 'correct horse battery')).toBe(false);
  });

  it('refuses it through inline fragments, and fifteen signups cost no hash', async () => {
    const emails = Array.from({ length: 15 }, () => uniqueEmail());
    const started = performance.now();
    const res = await C.gql(
      `mutation { ${emails.map((e, i) => `... on Mutation { s${i}: signup(input: { name: "S", email: "${e}", password: "correct horse battery" }) { token } }`).join(' ')} }`,
    );
    expect(res.body.errors).toEqual([expect.objectContaining(REFUSAL)]);
    // Fifteen argon2 hashes would take far longer than one refused request.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await accountExists(emails[0]!, 'correct horse battery')).toBe(false);
  });

  it('counts login and refresh mixed through a fragment, with @include set by a variable', async () => {
    const u = await C.signup();
    const doc = `mutation($both: Boolean!, $r: String) {
      login(email: "${u.email}", password: "${u.password}") { token }
      ...R @include(if: $both)
    }
    fragment R on Mutation { refresh(refreshToken: $r) { token } }`;
    const refused = await C.gql(doc, { both: true, r: u.refreshToken });
    expect(refused.body.errors).toEqual([expect.objectContaining(REFUSAL)]);
    expect(refused.text).not.toContain('eyJ');
    // The refresh token was not spent: it still rotates once.
    const refreshed = await C.gql('mutation($r: String) { refresh(refreshToken: $r) { token } }', {
      r: u.refreshToken,
    });
    expect(refreshed.body.data.refresh.token).toMatch(/^eyJ/);
    // Skipped, the fragment does not count: execution would not run it either.
    const one = await C.gql(doc, { both: false, r: 'unused' });
    expect(one.body.errors).toBeUndefined();
    expect(one.body.data.login.token).toMatch(/^eyJ/);
  });

  it('a variable default counts as execution reads it; @skip too', async () => {
    const u = await C.signup();
    const doc = `mutation($twice: Boolean! = true) {
      a: login(email: "${u.email}", password: "${u.password}") { token }
      b: login(email: "${u.email}", password: "${u.password}") @skip(if: $twice) { token }
      c: login(email: "${u.email}", password: "${u.password}") @include(if: $twice) { token }
    }`;
    expect((await C.gql(doc)).body.errors).toEqual([expect.objectContaining(REFUSAL)]);
    expect((await C.gql(doc, { twice: false })).body.errors).toEqual([expect.objectContaining(REFUSAL)]);
  });

  it('two changePassword through nested inline fragments are refused and the password stays', async () => {
    const u = await C.signup();
    const res = await C.gql(
      `mutation { ... { ... on Mutation { x: changePassword(currentPassword: "${u.password}", newPassword: "first new password") { token } } }
        y: changePassword(currentPassword: "${u.password}", newPassword: "second new password") { token } }`,
      undefined,
      { token: u.token },
    );
    expect(res.body.errors).toEqual([expect.objectContaining(REFUSAL)]);
    expect(await accountExists(u.email, u.password)).toBe(true);
  });

  it('fifteen aliased requestEmailChange are refused before any password is checked', async () => {
    const M = httpClient(mailing.url);
    const u = await M.signup();
    const emails = Array.from({ length: 15 }, () => uniqueEmail('moved'));
    const doc = `mutation($p: String!) { ${emails.map((e, i) => `c${i}: requestEmailChange(newEmail: "${e}", currentPassword: $p)`).join(' ')} }`;
    // Wrong: fifteen guesses at the password would count past LOGIN_MAX_FAILS_PER_ACCOUNT_ADDRESS (10).
    const guessed = await M.gql(doc, { p: 'not my password at all' }, { token: u.token });
    expect(guessed.body.data ?? undefined).toBeUndefined();
    expect(guessed.body.errors).toEqual([
      expect.objectContaining({ ...REFUSAL, message: expect.stringContaining('requestEmailChange') }),
    ]);
    // Right: nothing is started, no link is mailed.
    const right = await M.gql(doc, { p: u.password }, { token: u.token });
    expect(right.body.errors).toEqual([expect.objectContaining(REFUSAL)]);
    const mailDir = path.join(mailing.dataDir, 'mail');
    const mails = fs.existsSync(mailDir)
      ? fs.readdirSync(mailDir).map((f) => fs.readFileSync(path.join(mailDir, f), 'utf8'))
      : [];
    for (const e of emails)
      expect(
        mails.some((m) => m.includes(e)),
        e,
      ).toBe(false);
    // No guess was counted: the password still works, once per request.
    const once = await M.gql(
      'mutation($e: String!, $p: String!) { requestEmailChange(newEmail: $e, currentPassword: $p) }',
      { e: emails[0], p: u.password },
      { token: u.token },
    );
    expect(once.body.errors).toBeUndefined();
    expect(once.body.data).toEqual({ requestEmailChange: true });
  });

  it('one field selected twice under the same alias runs once, and is allowed', async () => {
    const u = await C.signup();
    const res = await C.gql(
      `mutation { login(email: "${u.email}", password: "${u.password}") { token } ...L }
       fragment L on Mutation { login(email: "${u.email}", password: "${u.password}") { user { id } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.login).toMatchObject({ token: expect.stringMatching(/^eyJ/), user: { id: u.id } });
  });
});
