import { createServer } from 'node:http';
import { loadConfigOrExit } from './cli/run.js';
import { headerReads } from './db/commit-watch.js';
import { openDatabase } from './db/data-source.js';
import { startHousekeeping } from './db/housekeeping.js';
import { routeConsoleToLogger } from './console-to-log.js';
import { createLogger } from './logger.js';
import { listenMetrics } from './metrics/endpoint.js';
import { createApp } from './server.js';
import { loadWebAuthn } from './passkeys/relying-party.js';
import { createServices } from './services.js';
import { lowerThreadPoolPriority } from './thread-pool-priority.js';
import { attachWebSocket } from './ws/server.js';

/** How long SIGTERM waits for the database pool to close after the last request. */
const DB_CLOSE_TIMEOUT_MS = 5000;

/** The server's work (main.ts loads it): reads the environment, opens the database, listens. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ level: config.logLevel, json: config.env === 'production' });
  if (config.env === 'production') routeConsoleToLogger(logger);

  const dev = config.jwt.devSecret;
  if (dev) {
    logger.warn(
      `JWT_SECRET is not set: using a ${dev.created ? 'new' : 'stored'} development secret from ${dev.file}. ` +
        'Set JWT_SECRET (at least 32 random bytes) before running in production.',
    );
  }
  if (config.jwt.secretHasSurroundingWhitespace) {
    logger.warn(
      'JWT_SECRET starts or ends with whitespace: it is used as given, whitespace included (the key is its exact bytes). ' +
        'Production refuses such a secret; remove the whitespace (then tokens signed with it are refused).',
    );
  }
  const devKey = config.jwt.devKey;
  if (devKey) {
    logger.warn(
      `JWT_PRIVATE_KEY is not set: signing ${config.jwt.algorithm} tokens with a ${devKey.created ? 'new' : 'stored'} development key from ${devKey.file}. ` +
        'Set JWT_PRIVATE_KEY before running in production.',
    );
  }
  if (config.mfa.encryptionKey === undefined)
    logger.warn(
      'MFA_ENCRYPTION_KEY is not set: two-factor sign-in is unavailable (setupTotp answers MFA_UNAVAILABLE). ' +
        'Set it to 32 random bytes (openssl rand -base64 32), the same on every instance.',
    );
  const devMfaKey = config.mfa.devKey;
  if (devMfaKey) {
    logger.warn(
      `MFA_ENCRYPTION_KEY is not set: using a ${devMfaKey.created ? 'new' : 'stored'} development key from ${devMfaKey.file}. ` +
        'Set MFA_ENCRYPTION_KEY (32 random bytes, base64) before running in production.',
    );
  }

  const dataSource = await openDatabase(config.database, { migrate: config.migrateOnStart });
  if (config.database.type === 'sqlite' && headerReads() === 'pread')
    logger.warn(
      'packages/wal-index-header is not built (no C compiler at npm install?): each authenticated request ' +
        'checks for commits with a system call instead of a memory read. Install a C toolchain and run `npm rebuild wal-index-header`.',
    );
  // Shared by several instances: login-throttle counters and account events.
  // ioredis is imported only when it is used: a server without Redis does not load it.
  const redis = config.redisUrl
    ? new (await import('ioredis')).Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  redis?.on('error', (e) => logger.warn('redis error', { err: e }));
  const services = await createServices(config, dataSource, logger, { redis });
  // Where mail goes, said once at start; production without SMTP_URL is loud about it.
  if (services.mailer.transport === 'disabled') logger.warn(services.mailer.describe());
  else logger.info(services.mailer.describe());
  const pool = await lowerThreadPoolPriority({
    policy: config.password.threadPoolPolicy,
    nice: config.password.threadPoolNice,
  });
  if (pool.idleRefused)
    logger.warn(
      `thread pool: not under SCHED_IDLE (${pool.idleRefused}); it runs niced by ${config.password.threadPoolNice} instead, and token checks wait longer during a login flood. Run \`npm rebuild thread-idle-policy\` with a C toolchain, or set THREAD_POOL_POLICY=nice`,
    );
  if (pool.threads > 0)
    logger.debug(
      `thread pool: ${pool.threads} threads niced by ${config.password.threadPoolNice}, ${pool.idle} under SCHED_IDLE`,
    );
  const stopHousekeeping = startHousekeeping(services);
  const yoga = createApp({ services, dataSource });
  const server = createServer(
    {
      // A socket that drips its headers (slowloris) is closed after headersTimeout, a request that
      // takes longer than requestTimeout to arrive likewise; Node's defaults are 60 s and 300 s.
      headersTimeout: config.http.headersTimeoutSeconds * 1000,
      requestTimeout: config.http.requestTimeoutSeconds * 1000,
      // How often Node looks for sockets past those timeouts (default 30 s, which would let a slow
      // socket live three times the limit).
      connectionsCheckingInterval: 1000,
    },
    yoga,
  );
  // graphql-ws subscriptions on the same port and path (ws://host:port/graphql).
  const websocket = attachWebSocket(server, yoga, services);

  let stopping = false;
  // While draining, a keep-alive connection whose last response has just gone out is closed at
  // once, instead of idling until keepAliveTimeout (or carrying new requests from a proxy's pool).
  server.on('request', (_req, res) => {
    if (stopping) res.setHeader('connection', 'close');
    res.once('finish', () => {
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
  });
  async function shutdown(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: draining`);
    // WebSocket clients are told the server is going away (1001) and reconnect elsewhere.
    await websocket.close().catch((e: unknown) => logger.warn('closing WebSockets failed', { err: e }));
    // Stop accepting; idle keep-alive sockets close now, busy ones after their response.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => {
      logger.warn('shutdown timeout: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownTimeout * 1000);
    timer.unref();
    await closed;
    clearTimeout(timer);
    metricsServer?.close();
    metricsServer?.closeAllConnections();
    stopHousekeeping();
    // Mails already accepted (a reset request's, a signup's) go out before the process ends.
    await services.background.idle(config.mail.timeoutSeconds * 1000 + 1000);
    services.mailer.close();
    // Closing the pool waits for checked-out connections; a stalled database must not keep the
    // process alive past its shutdown budget, so that wait is bounded too.
    const dbClosed = await Promise.race([
      dataSource.destroy().then(
        () => true,
        (e: unknown) => {
          logger.warn('closing the database failed', { err: e });
          return true;
        },
      ),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), DB_CLOSE_TIMEOUT_MS).unref()),
    ]);
    if (!dbClosed) logger.warn(`database did not close within ${DB_CLOSE_TIMEOUT_MS} ms: exiting anyway`);
    await services.events.close();
    await redis?.quit().catch(() => undefined);
    // Everything logged so far out, in order (a batch may still be in the thread pool); then the
    // last line, written synchronously, so no background task's line can follow it.
    await logger.flushed();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  }
  // Installed before listening: a SIGTERM that arrives as soon as the server is up still drains.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const address = server.address();
  const where = typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address);
  if (typeof address === 'object' && address) {
    // Mailed links point here unless APP_URL says otherwise; a wildcard bind is reached as localhost.
    const host = ['0.0.0.0', '::', ''].includes(address.address)
      ? 'localhost'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;
    services.links.setServerOrigin(`http://${host}:${address.port}`);
    services.passkeys.setServerOrigin(`http://${host}:${address.port}`);
  }
  logger.info(`listening on ${where}`, { database: config.database.type, graphiql: config.graphiql });
  // Loaded once the server answers, so start to /health does not wait for it, and the first
  // passkey ceremony (which would load it) usually does not either.
  setTimeout(() => {
    loadWebAuthn().catch((e: unknown) => logger.warn('@simplewebauthn/server did not load', { err: e }));
  }, 200).unref();

  // METRICS_PORT: /metrics on a port of its own, on loopback unless METRICS_HOST says otherwise.
  const { port: metricsPort, host: metricsHost, token: metricsToken } = config.metrics;
  const metricsServer =
    metricsPort === undefined
      ? undefined
      : await listenMetrics(services.metrics, { port: metricsPort, host: metricsHost, token: metricsToken });
  if (metricsServer) {
    const a = metricsServer.address();
    logger.info(`metrics listening on ${typeof a === 'object' && a ? `${a.address}:${a.port}` : String(a)}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`Failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
