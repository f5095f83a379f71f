import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../helpers/client.js';
import { startServer, type SpawnedServer } from '../helpers/server.js';

// Two credentials in one request: whichever one a proxy, a log or this server believes differs.
let server: SpawnedServer;
let user: { token: string; id: string };
const FORGED = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.forged-signature-xxxxxxxxxxxxxxxxxxxx';

beforeAll(async () => {
  server = await startServer();
  user = await httpClient(server.url).signup();
});
afterAll(async () => {
  await server?.stop();
});

/** node:http sends an array value as that many header lines, as a raw client can. */
function post(authorization: string | string[]): Promise<{ status: number; body: any }> {
  const body = JSON.stringify({ query: '{ me { id } }' });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${server.url}/graphql`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.setHeader('authorization', authorization);
    req.on('error', reject);
    req.end(body);
  });
}

const REFUSED = {
  errors: [{ message: expect.stringMatching(/exactly one credential/), extensions: { code: 'AMBIGUOUS_CREDENTIALS' } }],
};

describe('ambiguous credentials', () => {
  it('one valid Authorization header is fine', async () => {
    const res = await post(`Bearer ${user.token}`);
    expect(res.status).toBe(200);
    expect(res.body.data.me.id).toBe(user.id);
  });

  it('two Authorization headers, valid then forged, are refused with 400', async () => {
    const res = await post([`Bearer ${user.token}`, `Bearer ${FORGED}`]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(REFUSED);
  });

  it('two Authorization headers, forged then valid, are refused with 400', async () => {
    expect(await post([`Bearer ${FORGED}`, `Bearer ${user.token}`])).toMatchObject({ status: 400, body: REFUSED });
  });

  it('the same token twice is refused as well: one credential means one', async () => {
    expect(await post([`Bearer ${user.token}`, `Bearer ${user.token}`])).toMatchObject({ status: 400, body: REFUSED });
  });

  it('two credentials joined by a comma in one header are refused with 400', async () => {
    expect(await post(`Bearer ${user.token}, Bearer ${FORGED}`)).toMatchObject({ status: 400, body: REFUSED });
    expect(await post(`Bearer ${user.token},Basic YTpi`)).toMatchObject({ status: 400, body: REFUSED });
  });
});
