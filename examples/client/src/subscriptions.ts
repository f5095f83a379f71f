import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { type Client as WsClient, createClient as createGraphqlWsClient } from 'graphql-ws';
import { type AuthSession, bearer, isTokenRejection } from './session.js';

/** A subscription result as both libraries' sinks take it. */
type ExecutionResult = { data?: unknown; errors?: ReadonlyArray<unknown>; extensions?: unknown };

/**
 * Subscriptions over both transports the API serves, wired to the session. Each one follows the
 * same recipe when the token runs out mid-stream: **refresh, reconnect, resubscribe**; and when the
 * refresh is refused too (logoutAll, revoked), the session signs out and the subscription ends with
 * the error.
 */

/** What the server closes a WebSocket with when the token it opened with is refused or ends. */
export const CLOSE_TOKEN_REFUSED = 4403;

export type Sink = {
  next(result: ExecutionResult): void;
  error(error: unknown): void;
  complete(): void;
};
export interface SubscribeRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}
/** Both transports, reduced to what Apollo's link and urql's exchange need. */
export interface SubscriptionTransport {
  subscribe(request: SubscribeRequest, sink: Sink): () => void;
  dispose(): void;
}

const isCloseEvent = (e: unknown): e is { code: number; reason: string } =>
  typeof e === 'object' && e !== null && 'code' in e && 'reason' in e;

/**
 * WebSocket (graphql-ws, `ws://host/graphql`). The token goes in `connectionParams`; the server ties
 * the connection to it and closes with 4403 when it is refused, expires or is revoked. graphql-ws
 * retries on 4403 and, on reconnecting, resubscribes every running subscription itself: so all
 * this adds is the refresh, in `connectionParams`, before the new connection is made.
 */
export function webSocketTransport(opts: {
  url: string;
  session: AuthSession;
  /** A WebSocket class where there is no global one (Node before 22), e.g. the `ws` package. */
  webSocketImpl?: unknown;
  retryAttempts?: number;
}): SubscriptionTransport & { client: WsClient } {
  const { session } = opts;
  let sent: string | null = null;
  let refused: string | null = null;
  const client = createGraphqlWsClient({
    url: opts.url,
    ...(opts.webSocketImpl ? { webSocketImpl: opts.webSocketImpl } : {}),
    lazy: true,
    retryAttempts: opts.retryAttempts ?? 5,
    // Every close but a normal one is worth a retry here: the refresh below decides what changes.
    shouldRetry: () => true,
    // A refused token: reconnect at once (after the refresh); anything else: back off, 1 s, 2 s, 4 s...
    retryWait: (retries) =>
      new Promise((resolve) =>
        setTimeout(resolve, refused !== null ? 0 : Math.min(30_000, 1000 * 2 ** retries) + Math.random() * 1000),
      ),
    async connectionParams() {
      // The last connection's token was refused: refresh once (or sign out) before reconnecting.
      if (refused !== null) {
        const token = refused;
        refused = null;
        await session.recover(token);
      }
      sent = session.token;
      return sent ? { authorization: bearer(sent) } : {};
    },
    on: {
      closed(event) {
        if (isCloseEvent(event) && event.code === CLOSE_TOKEN_REFUSED && event.reason !== 'Too many connections')
          refused = sent;
      },
    },
  });
  return {
    client,
    subscribe: (request, sink) =>
      client.subscribe(
        {
          query: request.query,
          operationName: request.operationName ?? null,
          variables: request.variables ?? null,
        },
        sink as never,
      ),
    dispose: () => void client.dispose(),
  };
}

/**
 * Server-sent events (graphql-sse's distinct-connections mode, which is Yoga's: one
 * `POST /graphql` with `Accept: text/event-stream` per subscription). The token goes in the
 * request's Authorization header; when the stream ends with UNAUTHENTICATED (expired, revoked),
 * the session refreshes once and the subscription is sent again with the new token.
 */
export function sseTransport(opts: {
  url: string;
  session: AuthSession;
  fetchFn?: typeof fetch;
  credentials?: RequestCredentials;
}): SubscriptionTransport & { client: SseClient } {
  const { session } = opts;
  const client = createSseClient({
    url: opts.url,
    headers: (): Record<string, string> => (session.token ? { authorization: bearer(session.token) } : {}),
    credentials: opts.credentials ?? 'same-origin',
    ...(opts.fetchFn ? { fetchFn: opts.fetchFn } : {}),
  });
  return {
    client,
    subscribe(request, sink) {
      let stop = () => {};
      let stopped = false;
      const start = () => {
        const token = session.token;
        let rejected = false;
        stop = client.subscribe(
          {
            query: request.query,
            ...(request.operationName ? { operationName: request.operationName } : {}),
            ...(request.variables ? { variables: request.variables } : {}),
          },
          {
            next(result) {
              // A refused token ends the stream: refresh, then subscribe again; the error is not shown.
              if (token !== null && isTokenRejection(result.errors as never)) {
                rejected = true;
                stop();
                void session.recover(token).then((retry) => {
                  if (stopped) return;
                  if (retry) start();
                  else {
                    sink.next(result);
                    sink.complete();
                  }
                });
                return;
              }
              sink.next(result);
            },
            error: (e) => sink.error(e),
            complete: () => {
              if (!rejected) sink.complete();
            },
          },
        );
      };
      start();
      return () => {
        stopped = true;
        stop();
      };
    },
    dispose: () => client.dispose(),
  };
}
