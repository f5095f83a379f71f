import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpTestApp, startHttpApp } from './helpers/http.js';

/**
 * The body limit is one check of Content-Length (src/plugins/body-limit.ts); Yoga's own stream
 * counter is off. That is safe only because Node's HTTP parser never hands over more than
 * Content-Length bytes and refuses a length beside chunked encoding: these tests pin both facts
 * on a real socket, as start.ts serves the app.
 */
let http: HttpTestApp;
beforeAll(async () => {
  http = await startHttpApp({ env: { MAX_BODY_BYTES: '2000' } });
});
afterAll(() => http.close());

/** Writes raw bytes to the server and collects everything it answers until it closes (or 2 s pass). */
function raw(bytes: string): Promise<string> {
  const { port } = new URL(http.origin);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (out += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.setTimeout(2000, () => socket.destroy());
    socket.end(bytes);
  });
}

const QUERY = '{"query":"{ __typename }"}';

describe('the body limit, on a real socket', () => {
  it('reads exactly Content-Length bytes: what follows is another request, not more of this body', async () => {
    const next = 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const answer = await raw(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${QUERY.length}\r\n\r\n${QUERY}${next}`,
    );
    // Two answers: the query's (its body ended where Content-Length said), then /health's.
    expect(answer.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(answer).toContain('{"data":{"__typename":"Query"}}');
  });

  it('refuses Content-Length beside Transfer-Encoding: chunked before any of the body is read', async () => {
    const chunk = 'x'.repeat(5000);
    const answer = await raw(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${QUERY.length}\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(answer).not.toContain('__typename');
  });

  it('refuses a chunked body (no Content-Length) with LENGTH_REQUIRED, and one over the limit with PAYLOAD_TOO_LARGE', async () => {
    const chunked = await raw(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${QUERY.length.toString(16)}\r\n${QUERY}\r\n0\r\n\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 411 /);
    expect(chunked).toContain('"code":"LENGTH_REQUIRED"');
    const big = `{"query":"{ __typename }","extensions":{"pad":"${'x'.repeat(2000)}"}}`;
    const tooBig = await raw(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n${big}`,
    );
    expect(tooBig).toMatch(/^HTTP\/1\.1 413 /);
    expect(tooBig).toContain('"code":"PAYLOAD_TOO_LARGE"');
  });
});
