import fs from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { attachWebSocket, type WebSocketTransport } from '../../src/ws/server.js';
import type { Logger } from '../../src/logger.js';
import { createTestApp, type TestApp } from './app.js';

export interface HttpTestApp {
  app: TestApp;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** http://127.0.0.1:<port>/graphql */
  endpoint: string;
  /** ws://127.0.0.1:<port>/graphql (graphql-ws, as start.ts attaches it) */
  wsEndpoint: string;
  websocket: WebSocketTransport;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(root, rel);
  const inside = file.startsWith(path.resolve(root) + path.sep);
  const target = inside && fs.existsSync(file) && fs.statSync(file).isFile() ? file : path.join(root, 'index.html');
  res.writeHead(200, { 'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream' });
  fs.createReadStream(target).pipe(res);
}

/**
 * The test app behind a real HTTP server on 127.0.0.1 and a free port, as start.ts serves it.
 * With `staticDir`, every path but /graphql, /health and /ready serves that folder (a built
 * frontend), so the page and the API share one origin as they do behind Vite's dev proxy.
 * `port` listens on that port instead of a free one: for a test whose settings must name the
 * origin before the server starts (WEBAUTHN_ORIGINS); pick it with freePort().
 */
export async function startHttpApp(
  opts: { env?: Record<string, string>; staticDir?: string; logger?: Logger; port?: number } = {},
): Promise<HttpTestApp> {
  const app = await createTestApp(opts.env, { logger: opts.logger });
  const server: Server = createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    if (opts.staticDir && !['/graphql', '/health', '/ready'].includes(p ?? ''))
      return serveStatic(opts.staticDir, req, res);
    return app.yoga(req, res);
  });
  const websocket = attachWebSocket(server, app.yoga, app.services);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  // Mailed links open this server, as start.ts arranges once it listens.
  app.services.links.setServerOrigin(origin);
  app.services.passkeys.setServerOrigin(origin);
  return {
    app,
    origin,
    endpoint: `${origin}/graphql`,
    wsEndpoint: `ws://127.0.0.1:${port}/graphql`,
    websocket,
    async close() {
      await websocket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the system picked it), for startHttpApp's `port`. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
