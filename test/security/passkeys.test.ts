import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type SpawnedServer } from '../helpers/server.js';
import { FINISH_LOGIN, loginOptions, registerPasskey, SoftAuthenticator } from '../helpers/webauthn.js';

// Passkeys against a real production server process: what a phishing page relays, and what a
// replayed assertion gets. The software authenticator signs exactly what a device would sign on
// the page it was shown (test/helpers/webauthn.ts).
let server: SpawnedServer;
let origin: string;

beforeAll(async () => {
  server = await startServer();
  // No APP_URL and no WEBAUTHN_*: the RP id is localhost, the origin http://localhost:<port>.
  origin = `http://localhost:${new URL(server.url).port}`;
});
afterAll(async () => {
  await server?.stop();
});

describe('passkeys against a running server', () => {
  it('an assertion made on a phishing origin is refused, even relayed at once with a fresh challenge', async () => {
    const user = await server.signup();
    const device = new SoftAuthenticator({ origin });
    await registerPasskey(server, user.token, device);
    // The phishing page asks the real server for options and shows them to the victim's device:
    // the browser signs the page's own origin into clientDataJSON.
    const options = await loginOptions(server, user.email);
    const relayed = device.get(options, { origin: 'http://localhost.evil.example' });
    const res = await server.gql(FINISH_LOGIN, { response: relayed });
    expect(res.code).toBe('UNAUTHENTICATED');
    expect(res.text).not.toContain('"token"');
    // On the real origin the same device signs in.
    const real = await loginOptions(server, user.email);
    expect(
      (await server.gql(FINISH_LOGIN, { response: device.get(real) })).body.data.finishPasskeyLogin.token,
    ).toBeTruthy();
  });

  it('a captured assertion cannot be replayed', async () => {
    const user = await server.signup();
    const device = new SoftAuthenticator({ origin });
    await registerPasskey(server, user.token, device);
    const options = await loginOptions(server);
    const captured = device.get(options);
    expect((await server.gql(FINISH_LOGIN, { response: captured })).body.data.finishPasskeyLogin.token).toBeTruthy();
    const replay = await server.gql(FINISH_LOGIN, { response: captured });
    expect(replay.code).toBe('UNAUTHENTICATED');
  });

  it('production refuses to start with an RP id that does not fit APP_URL, and says why', async () => {
    await expect(startServer({ APP_URL: 'https://app.example.com', WEBAUTHN_RP_ID: 'example.org' })).rejects.toThrow(
      /exited \(1\)[\s\S]*WEBAUTHN_RP_ID is "example.org", which does not fit APP_URL's host/,
    );
  });
});
