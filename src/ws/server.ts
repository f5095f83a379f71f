import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type DocumentNode,
  type ExecutionArgs,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
} from 'graphql';
import type { OperationResult, SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { isAuthenticationFailure } from '../auth/authenticate.js';
import type { Caller } from '../auth/caller.js';
import { onExpiry } from '../auth/expiry.js';
import { badUserInput, ErrorCode, MASKED_ERROR } from '../errors.js';
import { clientAddress } from '../http/client-address.js';
import { isAllowedOrigin } from '../http/origins.js';
import { withErrorCode } from '../plugins/error-codes.js';
import { errorCleaner } from '../plugins/error-hygiene.js';
import type { Services } from '../services.js';
import { ConnectionCounts } from './connections.js';

/**
 * The close code for a connection whose token is refused: at connection_init (invalid, expired,
 * revoked), or later, when the token it opened with expires or is revoked. The reason is the
 * message an UNAUTHENTICATED error would carry ("Token expired", "Token has been revoked"...).
 * graphql-ws's own code for Forbidden; its client retries on it (4401 it treats as final), so a
 * client whose connectionParams reads the refreshed token reconnects by itself.
 */
export const CLOSE_TOKEN_REFUSED = 4403;
/** The same code, reason "Too many connections", when the account (or address) holds its share. */
export const TOO_MANY_CONNECTIONS = 'Too many connections';

interface Connection {
  /** The Authorization value from connectionParams, passed to every operation's context. */
  authorization: string | undefined;
  caller: Caller | null;
}

/** The upgrade request's headers that a request context reads (client address, logs). */
const FORWARDED_HEADERS = ['x-forwarded-for', 'user-agent', 'origin', 'x-request-id'];

/**
 * What the transport needs of the Yoga app (src/server.ts's createApp): its envelop, so that every
 * plugin (auth, limits, masking, metrics) runs as over HTTP. Structural, so nothing but start.ts
 * imports the server module.
 */
export interface EnvelopedApp {
  getEnveloped(initial: Record<string, unknown>): {
    schema: GraphQLSchema;
    parse(source: string): DocumentNode;
    validate(schema: GraphQLSchema, document: DocumentNode): ReadonlyArray<GraphQLError>;
    contextFactory(): unknown;
    execute(args: ExecutionArgs): unknown;
    subscribe(args: ExecutionArgs): unknown;
  };
}

export interface WebSocketTransport {
  /** Open connections now. */
  open(): number;
  /** Closes every connection (1001 Going Away) and stops accepting new ones. */
  close(): Promise<void>;
}

/**
 * graphql-ws (the graphql-transport-ws protocol) on `server`'s /graphql, for subscriptions only:
 * queries and mutations stay on HTTP, where the body limit, CSRF rules and refresh cookie live.
 * Every operation goes through Yoga's envelop (the same schema, @auth directive, limits,
 * masking and metrics as HTTP), and its context is the HTTP one, built from a request carrying
 * connectionParams.authorization, so authentication is src/auth/authenticate.ts in both.
 */
export function attachWebSocket(
  server: Server,
  app: EnvelopedApp,
  services: Services,
  path = '/graphql',
): WebSocketTransport {
  const { config, logger, metrics } = services;
  const counts = new ConnectionCounts(config.websocket.maxConnections, config.websocket.maxConnectionsPerUser);
  // maxPayload: a message may be no larger than an HTTP body may be. No compression (zip bombs).
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxBodyBytes, perMessageDeflate: false });
  const connections = new WeakMap<WebSocket, Connection>();
  metrics.websocketOpen.read((set) => set(counts.total));

  function refuse(socket: Duplex, status: number, outcome: string, message: string, headers = ''): void {
    metrics.websocketConnections.inc({ outcome });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(message)}\r\n${headers}\r\n${message}`,
    );
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if ((req.url ?? '').split('?')[0] !== path) {
      refuse(socket, 404, 'not_found', 'Not found\n');
      return;
    }
    // A browser always sends Origin on a WebSocket, and nothing like CORS stops a page on another
    // site from opening one: refuse the origins CORS would refuse. The page's own origin (same
    // host) is always fine, as for same-origin HTTP requests.
    const origin = req.headers.origin;
    if (origin !== undefined && !sameHost(origin, req.headers.host) && !isAllowedOrigin(origin, config.corsOrigins)) {
      logger.info('websocket refused: origin', { origin });
      refuse(socket, 403, 'origin_refused', 'Origin not allowed\n');
      return;
    }
    if (!counts.enter()) {
      refuse(socket, 503, 'over_total', 'Too many connections\n', 'Retry-After: 5\r\n');
      return;
    }
    // The raw socket closes once, whether the handshake fails or the WebSocket ends later.
    socket.once('close', () => counts.leave());
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }

  /** Closes a connection whose token has run out (once, however many signals say so). */
  function endConnection(ws: WebSocket, reason: string): void {
    if (ws.readyState !== ws.OPEN) return;
    metrics.websocketConnections.inc({ outcome: 'token_ended' });
    ws.close(CLOSE_TOKEN_REFUSED, reason);
  }

  /** A token-level refusal on a connection opened with a token ends the connection (see onNext). */
  function endIfRefused(ws: WebSocket, errors: ReadonlyArray<GraphQLError> = []) {
    if (!connections.get(ws)?.caller) return;
    const refused = errors.find((e) => e.extensions?.code === ErrorCode.UNAUTHENTICATED);
    if (refused) endConnection(ws, refused.message);
  }

  /** Ends the connection when its token expires, or when an account event shows it is no longer current. */
  function watch(ws: WebSocket, caller: Caller): () => void {
    const end = (reason: string) => endConnection(ws, reason);
    const cancelExpiry = onExpiry(caller.claims.exp, () => end('Token expired'));
    const events = services.events.subscribe('account', caller.id)[Symbol.asyncIterator]();
    void (async () => {
      for (;;) {
        const next = await events.next();
        if (next.done) return;
        try {
          await services.auth.recheck(caller);
        } catch (e) {
          if (isAuthenticationFailure(e)) return end((e as Error).message);
          logger.warn('websocket token recheck failed', { err: e });
        }
      }
    })().catch((e: unknown) => logger.warn('websocket account events failed', { err: e }));
    return () => {
      cancelExpiry();
      void events.return?.();
    };
  }

  /**
   * Every error graphql-ws sends, as HTTP would send it. The plugins that finish HTTP's errors run
   * in Yoga's result processing, which graphql-ws never reaches (it sends parse, validation and
   * variable errors itself, and each result of execute/subscribe): so the same functions run here.
   * The code an error lacks (src/plugins/error-codes.ts); no "Did you mean" where introspection is
   * off, no submitted secret, no originalError (src/plugins/error-hygiene.ts); and none of Yoga's
   * internal extensions (`http`, `unexpected`), which its HTTP serializer drops.
   */
  function asOverHttp(errors: readonly GraphQLError[], payload: SubscribePayload): GraphQLFormattedError[] {
    const clean = errorCleaner(
      { query: payload.query, variables: payload.variables ?? undefined },
      { hideSuggestions: !config.introspection },
    );
    return errors.map((error) => {
      const { extensions, ...formatted } = (clean(withErrorCode(error)) as GraphQLError).toJSON();
      const { http: _http, unexpected: _unexpected, ...kept } = extensions ?? {};
      return Object.keys(kept).length > 0 ? { ...formatted, extensions: kept } : formatted;
    });
  }

  /**
   * What parse or validate threw, as an error for the client. A GraphQLError as it is: GraphQL
   * Armor's token limit throws one from parse, its alias and directive limits from validation.
   * Anything else is a failure of ours, logged and masked as Yoga does over HTTP; left to
   * graphql-ws, it would close the whole socket (4500) and print its stack to stderr.
   */
  function refusal(e: unknown): GraphQLError {
    if (e instanceof GraphQLError) return e;
    logger.error('unexpected error', { err: e });
    return new GraphQLError(MASKED_ERROR.message, { extensions: { ...MASKED_ERROR.extensions } });
  }

  const graphqlWs = useServer<Record<string, unknown> | undefined>(
    {
      isProd: config.env === 'production',
      execute: (args: ExecutionArgs) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as Enveloped).subscribe(args),

      async onConnect(ctx) {
        const { socket, request } = ctx.extra;
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const authorization = typeof raw === 'string' ? raw : undefined;
        let caller: Caller | null;
        try {
          caller = await services.auth.fromAuthorization(authorization);
        } catch (e) {
          if (!isAuthenticationFailure(e)) throw e;
          metrics.websocketConnections.inc({ outcome: 'token_refused' });
          socket.close(CLOSE_TOKEN_REFUSED, (e as Error).message);
          return false;
        }
        if (socket.readyState !== socket.OPEN) return false;
        const principal = caller
          ? `user:${caller.id}`
          : `address:${clientAddress(new Request('http://localhost', { headers: forwarded(request) }), { req: request }, config.trustProxy)}`;
        if (!counts.claim(principal)) {
          metrics.websocketConnections.inc({ outcome: 'over_user' });
          logger.info('websocket refused: too many connections', { userId: caller?.id ?? null });
          socket.close(CLOSE_TOKEN_REFUSED, TOO_MANY_CONNECTIONS);
          return false;
        }
        const stop = caller ? watch(socket, caller) : () => {};
        socket.once('close', () => {
          counts.release(principal);
          stop();
        });
        connections.set(socket, { authorization, caller });
        metrics.websocketConnections.inc({ outcome: 'accepted' });
        return true;
      },

      // On a connection opened with a token, a token-level UNAUTHENTICATED from a running
      // subscription (expired, revoked, user gone) closes the connection instead of reaching the
      // client as an error that completes it: the client reconnects with a fresh token and
      // graphql-ws resubscribes. The close comes first, so the error and its complete are not sent.
      // Both ways it can arrive: in a result (onNext), or thrown by the event stream (onError).
      // Otherwise both send their errors as HTTP would (asOverHttp); onError also has those
      // onSubscribe returns.
      onNext(ctx, _id, payload, _args, result) {
        endIfRefused(ctx.extra.socket, result.errors);
        if (!result.errors?.length) return;
        return { ...result, errors: asOverHttp(result.errors, payload) };
      },
      onError(ctx, _id, payload, errors) {
        endIfRefused(ctx.extra.socket, errors);
        return asOverHttp(errors, payload);
      },

      async onSubscribe(ctx, _id, payload) {
        const { socket, request: req } = ctx.extra;
        const connection = connections.get(socket);
        const headers = forwarded(req);
        if (connection?.authorization) headers.set('authorization', connection.authorization);
        const request = new Request(`http://${req.headers.host ?? 'localhost'}${path}`, { method: 'POST', headers });
        const enveloped = app.getEnveloped({ request, req, socket, params: payload });
        let document: DocumentNode;
        let errors: ReadonlyArray<GraphQLError>;
        try {
          document = enveloped.parse(payload.query);
          errors = enveloped.validate(enveloped.schema, document);
        } catch (e) {
          return [refusal(e)];
        }
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription')
          return [
            badUserInput('Only subscriptions go over the WebSocket; send queries and mutations with POST /graphql'),
          ];
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
    },
    wss,
  );

  if (config.websocket.maxConnections > 0) server.on('upgrade', onUpgrade);
  return {
    open: () => counts.total,
    async close() {
      server.off('upgrade', onUpgrade);
      await graphqlWs.dispose();
    },
  };
}

type Enveloped = {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
};

function forwarded(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  return headers;
}

/**
 * The page's own origin: its host is the one the upgrade request was sent to. The host only, not
 * the scheme: behind a TLS-terminating proxy the page is https:// and the request reaches us as http.
 */
function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
