import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARGON2_PARAMS } from '../../src/auth/password.js';
import { createTestApp, type TestApp, uniqueEmail } from '../helpers/app.js';
import { httpClient } from '../helpers/client.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';

// Passwords and names that people and attackers really send (NIST SP 800-63B, Trojan Source).
const SIGNUP = 'mutation($input: SignupInput!) { signup(input: $input) { token user { id name } } }';
const BREACHED = 'Breached-but-not-common-77';
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex').toUpperCase();

/** A Pwned Passwords range API: GET /range/<5 hex> -> SUFFIX:COUNT lines, padded with zero counts. */
function rangeServer(opts: { hang?: boolean } = {}) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    if (opts.hang) return; // never answers
    const m = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '');
    if (!m) return res.writeHead(400).end();
    const full = sha1(BREACHED);
    const lines = Array.from(
      { length: 20 },
      (_, i) => `${createHash('sha1').update(`pad${i}`).digest('hex').slice(5).toUpperCase()}:0`,
    );
    if (full.startsWith(m[1]!)) lines.splice(7, 0, `${full.slice(5)}:4242`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  return {
    seen,
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('common and breached passwords', () => {
  const range = rangeServer();
  const hanging = rangeServer({ hang: true });
  let server: SpawnedServer;
  let slow: SpawnedServer;
  beforeAll(async () => {
    const [url, hangUrl] = await Promise.all([range.start(), hanging.start()]);
    [server, slow] = await Promise.all([
      startServer({ PWNED_PASSWORDS_URL: url }),
      startServer({ PWNED_PASSWORDS_URL: hangUrl, PWNED_PASSWORDS_TIMEOUT: '300' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), slow?.stop(), range.close(), hanging.close()]);
  });

  const signup = (s: SpawnedServer, password: string, name = 'P') =>
    httpClient(s.url).gql(SIGNUP, { input: { name, email: uniqueEmail(), password } });

  it.each(['password123', 'qwertyuiop', 'Password123', 'iloveyou1', 'p@ssw0rd'])(
    'refuses the common password %s, before any hashing',
    async (password) => {
      const res = await signup(server, password);
      expect(res.body.errors[0]).toMatchObject({
        message: 'This password is one of the most commonly used; choose another',
        extensions: { code: 'BAD_USER_INPUT', field: 'input.password' },
      });
      expect(res.body.data).toBeNull();
    },
  );

  it('refuses a common password as the new one in changePassword, and the old one still works', async () => {
    const C = httpClient(server.url);
    const u = await C.signup();
    const res = await C.gql(
      'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }',
      { c: u.password, n: 'qwertyuiop' },
      { token: u.token },
    );
    expect(res.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect((await C.login(u.email, u.password)).body.data.login.token).toMatch(/^eyJ/);
  });

  it('with PWNED_PASSWORDS_URL, refuses a breached password; only a 5-digit hash prefix leaves the server', async () => {
    const refused = await signup(server, BREACHED);
    expect(refused.body.errors[0]).toMatchObject({
      message: 'This password has appeared in a data breach; choose another',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.password' },
    });
    expect((await signup(server, 'not breached at all, 9913')).body.data.signup.token).toMatch(/^eyJ/);
    expect(range.seen).toContain(`/range/${sha1(BREACHED).slice(0, 5)}`);
    for (const url of range.seen) expect(url).toMatch(/^\/range\/[0-9A-F]{5}$/);
  });

  it('fails open with a warning when the range API does not answer in time', async () => {
    const started = Date.now();
    const res = await signup(slow, BREACHED);
    expect(res.body.data.signup.token).toMatch(/^eyJ/);
    expect(Date.now() - started).toBeLessThan(5000);
    await slow.waitForLine((l) => l.includes('pwned passwords check failed'));
    expect(slow.output()).not.toContain(BREACHED);
  });
});

describe('passwords with nothing to see', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
  const CHANGE =
    'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { token } }';

  it.each([
    ['8 spaces', ' '.repeat(8), /visible character/],
    ['8 ideographic spaces (spaces once normalised)', '\u3000'.repeat(8), /visible character/],
    ['8 zero-width spaces', '\u200b'.repeat(8), /visible character/],
    ['8 Braille pattern blanks', '\u2800'.repeat(8), /visible character/],
    ['tabs and newlines', '\t\n\t\n\t\n\t\n', /control characters/],
    ['10 NUL characters', '\u0000'.repeat(10), /control characters/],
    ['a NUL inside a good password', 'correct\u0000horse battery', /control characters/],
    ['an escape character', 'correct horse\u001b[2J', /control characters/],
  ])('signup refuses %s as a password', async (_label, password, message) => {
    const email = uniqueEmail('blankpw');
    const res = await app.gql(SIGNUP, { input: { name: 'P', email, password } });
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.password' } });
    expect(res.body.errors[0].message).toMatch(message);
    expect(await app.services.users.findByEmail(email)).toBeNull();
    // Login holds no rules to reveal: the same answer as any wrong password.
    const login = await app.gql(LOGIN, { e: email, p: password });
    expect(login.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(login.body.errors[0].message).not.toMatch(/visible|control/);
  });

  it('changePassword refuses them too, and a password with spaces inside is fine', async () => {
    const u = await app.signup();
    const refused = await app.gql(CHANGE, { c: u.password, n: ' '.repeat(12) }, { token: u.token });
    expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    const fine = await app.gql(CHANGE, { c: u.password, n: '  two  spaces  each  ' }, { token: u.token });
    expect(fine.body.errors).toBeUndefined();
  });

  it('a wrong login with such a password says UNAUTHENTICATED, for an account that exists too', async () => {
    const u = await app.signup();
    for (const p of [' '.repeat(8), '\u0000'.repeat(10), '\u200b'.repeat(8)]) {
      const res = await app.gql(LOGIN, { e: u.email, p });
      expect(res.body.errors?.[0]).toMatchObject({
        message: expect.any(String),
        extensions: { code: 'UNAUTHENTICATED' },
      });
    }
  });
});

describe('password normalisation (NFKC)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';

  it('the same password typed as full-width or decomposed characters is the same password', async () => {
    const email = uniqueEmail();
    // Full-width letters (an East Asian keyboard) and a decomposed é (e + U+0301).
    const typed = 'ｍｏｒｎｉｎｇ cafe\u0301 au lait';
    expect((await app.gql(SIGNUP, { input: { name: 'N', email, password: typed } })).body.errors).toBeUndefined();
    for (const p of [typed, 'morning café au lait', 'morning cafe\u0301 au lait']) {
      expect((await app.gql(LOGIN, { e: email, p })).body.data?.login.token, p).toMatch(/^eyJ/);
    }
  });

  it('an account hashed from the raw form before normalisation still signs in, and is rehashed', async () => {
    const raw = 'cafe\u0301 crème brûle\u0301e 42';
    const email = uniqueEmail();
    const legacy = await hash(raw, { algorithm: 2, ...ARGON2_PARAMS });
    const user = await app.services.users.create({ name: 'Legacy', email, passwordHash: legacy });
    // The composed form does not match a hash of the decomposed one: not yet.
    expect((await app.gql(LOGIN, { e: email, p: raw.normalize('NFKC') })).code).toBe('UNAUTHENTICATED');
    expect((await app.gql(LOGIN, { e: email, p: raw })).body.data?.login.token).toMatch(/^eyJ/);
    const after = await app.services.users.findById(user.id);
    expect(after!.passwordHash).not.toBe(legacy);
    // Rehashed from the normalised form: now every spelling signs in.
    expect((await app.gql(LOGIN, { e: email, p: raw.normalize('NFKC') })).body.data?.login.token).toMatch(/^eyJ/);
    expect((await app.gql(LOGIN, { e: email, p: raw })).body.data?.login.token).toMatch(/^eyJ/);
  });
});

describe('names', () => {
  let server: SpawnedServer;
  let C: ReturnType<typeof httpClient>;
  beforeAll(async () => {
    server = await startServer();
    C = httpClient(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const refusedName = (name: string) =>
    C.gql(SIGNUP, { input: { name, email: uniqueEmail(), password: 'correct horse battery' } });

  it.each([
    ['a right-to-left override', 'Ada\u202Enimda', /bidirectional/],
    ['a left-to-right embedding', '\u202Aadmin', /bidirectional/],
    ['a pop directional formatting', 'x\u202Cy', /bidirectional/],
    ['a first-strong isolate', 'Eve\u2068', /bidirectional/],
    ['a lone high surrogate', 'Bob\ud800', /valid Unicode/],
    ['a lone low surrogate', '\udc00Bob', /valid Unicode/],
    ['a bell character', 'Ding\u0007', /control characters/],
    ['a C1 control', 'x\u0085y', /control characters/],
    ['only zero-width characters', '\u200b\u200c\u200d', /visible character/],
    ['only a soft hyphen and a word joiner', '\u00ad\u2060', /visible character/],
    ['only a Hangul filler', '\u3164', /visible character/],
    ['only a Braille pattern blank', '\u2800', /visible character/],
    ['only Braille blanks between spaces', ' \u2800 \u2800 ', /visible character/],
    ['only Hangul choseong and jungseong fillers', '\u115f\u1160', /visible character/],
    ['only a halfwidth Hangul filler', '\uffa0', /visible character/],
    ['only Khmer inherent vowels', '\u17b4\u17b5', /visible character/],
    ['only a Mongolian vowel separator', '\u180e', /visible character/],
    [
      'hidden ASCII in tag characters after it',
      'Ada\u{e0069}\u{e0067}\u{e006e}\u{e006f}\u{e0072}\u{e0065}',
      /tag characters/,
    ],
    ['a cancel tag', 'Ada\u{e007f}', /tag characters/],
    ['the language tag', '\u{e0001}Bob', /tag characters/],
    ['only tag characters', '\u{e0041}\u{e0042}', /tag characters/],
    ['a line separator', 'Ada\u2028Admin', /line or paragraph separators/],
    ['a paragraph separator', 'Ada\u2029Bob', /line or paragraph separators/],
    ['a noncharacter', 'Ada\uffff', /noncharacters/],
    ['a supplementary noncharacter', 'Ada\u{10fffe}', /noncharacters/],
    ['interlinear annotation marks', 'Ada\ufff9hidden\ufffa\ufffb', /annotation marks/],
    // A black flag with tags that are not one of the three flags: a hidden message in flag's clothing.
    ['a made-up subdivision flag', 'Ada \u{1f3f4}\u{e0068}\u{e0069}\u{e0064}\u{e0065}\u{e007f}', /tag characters/],
    [
      'a real flag with tags after it',
      'Ada \u{1f3f4}\u{e0067}\u{e0062}\u{e0077}\u{e006c}\u{e0073}\u{e007f}\u{e0061}',
      /tag characters/,
    ],
    ['a flag without its cancel tag', 'Ada \u{1f3f4}\u{e0067}\u{e0062}\u{e0077}\u{e006c}\u{e0073}', /tag characters/],
  ])('refuses a name with %s', async (_label, name, message) => {
    const res = await refusedName(name);
    expect(res.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'input.name' } });
    expect(res.body.errors[0].message).toMatch(message);
  });

  it('updateMe refuses them too', async () => {
    const u = await C.signup();
    const res = await C.gql(
      'mutation($n: String!) { updateMe(input: { name: $n }) { name } }',
      { n: 'Ada\u202Enimda' },
      { token: u.token },
    );
    expect(res.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.name' });
    const blank = await C.gql(
      'mutation($n: String!) { updateMe(input: { name: $n }) { name } }',
      { n: '\u2800' },
      { token: u.token },
    );
    expect(blank.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.name' });
  });

  it.each([
    'Zoë',
    'محمد',
    '李小龍',
    'Ada 👩\u200d💻',
    'O’Brien-Smith',
    // The flags of England, Scotland and Wales: tag sequences, and the only ones names may hold.
    'Harry Kane \u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}',
    'Isla \u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}',
    'Rhys \u{1f3f4}\u{e0067}\u{e0062}\u{e0077}\u{e006c}\u{e0073}\u{e007f}\u{1f3f4}\u{e0067}\u{e0062}\u{e0077}\u{e006c}\u{e0073}\u{e007f}',
  ])('accepts the real name %s', async (name) => {
    const res = await refusedName(name);
    expect(res.body.data.signup.user.name).toBe(name);
  });
});
