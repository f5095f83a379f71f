import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface WsSession {
  client: Client;
  /** Every result the subscription delivered, in order. */
  results: Array<{ data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> }>;
  /** Resolves with the socket's close code and reason once the server or client closes it. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves when the subscription completes or errors (the error, if any). */
  done: Promise<unknown>;
  /** Resolves once the connection is acknowledged (connection_ack). */
  connected: Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A graphql-ws client (the library Apollo and urql use) on `url`, with `connectionParams`, no
 * retries (each test sees exactly what the server did), running one subscription.
 */
export function wsSubscribe(
  url: string,
  opts: {
    connectionParams?: Record<string, unknown>;
    query: string;
    variables?: Record<string, unknown>;
    headers?: Record<string, string>;
  },
): WsSession {
  const results: WsSession['results'] = [];
  let onClosed!: (e: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (onClosed = r));
  let onConnected!: () => void;
  const connected = new Promise<void>((r) => (onConnected = r));
  const headers = opts.headers;
  const client = createClient({
    url,
    // A subclass so tests can send headers (Origin) a browser would.
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers });
          }
        }
      : WebSocket,
    connectionParams: opts.connectionParams,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    on: {
      closed: (e) => {
        const event = e as { code: number; reason: string | Buffer };
        onClosed({ code: event.code, reason: String(event.reason) });
      },
      connected: () => onConnected(),
    },
  });
  const done = new Promise<unknown>((resolve) => {
    client.subscribe(
      { query: opts.query, variables: opts.variables },
      {
        next: (r) => results.push(r as never),
        error: (e) => resolve(e),
        complete: () => resolve(undefined),
      },
    );
  });
  return {
    client,
    results,
    closed,
    done,
    connected,
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** Opens a bare WebSocket (no GraphQL) and reports the HTTP status if the upgrade was refused. */
export function rawUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

/** Waits until `check` is true (polling), or fails after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
