import type { IncomingMessage } from 'node:http';

/**
 * The client's address for throttling. X-Forwarded-For is only believed for the `trustProxy`
 * hops our own proxies append (counted from the right); anything further left is client-written.
 */
export function clientAddress(request: Request, serverContext: unknown, trustProxy: number): string {
  const socket = (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket?.remoteAddress;
  if (trustProxy > 0) {
    const hops = (request.headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const candidate = hops[hops.length - trustProxy];
    if (candidate) return normalise(candidate);
  }
  return socket ? normalise(socket) : 'unknown';
}

function normalise(address: string): string {
  // "::ffff:127.0.0.1" and "127.0.0.1" are one client.
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
