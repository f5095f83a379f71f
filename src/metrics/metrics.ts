import type { Plugin } from 'graphql-yoga';
import type { Gauge } from 'prom-client';

/**
 * The server's own Prometheus series, by name. To count something new, add one line to
 * COUNTERS (or HISTOGRAMS), then call `services.metrics.<key>.inc({ ... })` where it happens:
 * the type of the labels follows from the line. Label values must come from a small fixed set
 * (an outcome, a kind), never from the client (an e-mail, an operation name): each distinct
 * value is a series kept in memory for the life of the process.
 *
 * When metrics are off (no METRICS_TOKEN, no METRICS_PORT) every instrument is a no-op and no
 * registry exists, so the request path pays one empty call at most.
 */
const COUNTERS = {
  logins: {
    name: 'auth_logins_total',
    help: 'Sign-in steps (login, verifyLogin, finishPasskeyLogin) by outcome: success, invalid_credentials, rate_limited (throttle or hashing queue), mfa_required (right password, verifyLogin next), error',
    labelNames: ['outcome'],
  },
  throttled: {
    name: 'auth_throttled_total',
    help: 'Attempts refused by the login throttle before any password was checked',
    labelNames: [],
  },
  refreshTokenReuse: {
    name: 'auth_refresh_token_reuse_total',
    help: 'Refresh tokens presented again after use: each revoked its whole family (a stolen copy, or a client bug)',
    labelNames: [],
  },
  refreshes: {
    name: 'auth_refreshes_total',
    help: 'refresh mutations by outcome: success, refused',
    labelNames: ['outcome'],
  },
  tokenCacheLookups: {
    name: 'auth_token_cache_lookups_total',
    help: 'Access-token verifications by verified-token cache result (hit: no HMAC computed); hit rate = hit / all',
    labelNames: ['result'],
  },
  hashRejected: {
    name: 'auth_password_hash_rejected_total',
    help: 'Password hashes refused because the hashing queue was full (answered RATE_LIMITED)',
    labelNames: [],
  },
  websocketConnections: {
    name: 'auth_websocket_connections_total',
    help: 'WebSocket connections by outcome: accepted, or why one was refused or closed',
    labelNames: ['outcome'],
  },
} as const satisfies Record<string, { name: string; help: string; labelNames: readonly string[] }>;

const HISTOGRAMS = {
  hashWait: {
    name: 'auth_password_hash_wait_seconds',
    help: 'Time a password hash or verification waited in the queue before a hashing slot was free',
    labelNames: [],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  },
} as const satisfies Record<
  string,
  { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[] }
>;

/** Read at scrape time from whoever owns the number: nothing to update on the request path. */
const GAUGES = {
  hashQueue: {
    name: 'auth_password_hash_queue',
    help: 'Password hashes now running (state="active") and waiting (state="pending")',
    labelNames: ['state'],
  },
  tokenCacheEntries: {
    name: 'auth_token_cache_entries',
    help: 'Access tokens held in the verified-token cache',
    labelNames: [],
  },
  websocketOpen: {
    name: 'auth_websocket_connections_open',
    help: 'WebSocket connections open now',
    labelNames: [],
  },
} as const satisfies Record<string, { name: string; help: string; labelNames: readonly string[] }>;

type Labels<L extends readonly string[]> = L extends readonly [] ? undefined : Record<L[number], string>;

export interface CountMetric<L extends readonly string[]> {
  inc(...args: L extends readonly [] ? [] : [labels: Labels<L>]): void;
}
export interface ObserveMetric<L extends readonly string[]> {
  observe(...args: L extends readonly [] ? [seconds: number] : [labels: Labels<L>, seconds: number]): void;
}
export interface GaugeMetric<L extends readonly string[]> {
  /** Registers how to read the value(s) when scraped; `set` writes one series. */
  read(
    fn: (set: (...args: L extends readonly [] ? [value: number] : [labels: Labels<L>, value: number]) => void) => void,
  ): void;
}

export type Metrics = {
  /** False when no endpoint serves them: callers may skip work done only for metrics. */
  readonly enabled: boolean;
  /** The Yoga plugin for per-operation series (src/metrics/graphql.ts); undefined when off. */
  readonly yogaPlugin: Plugin | undefined;
  /** The text format of every series, for GET /metrics. */
  scrape(): Promise<{ contentType: string; body: string }>;
} & { readonly [K in keyof typeof COUNTERS]: CountMetric<(typeof COUNTERS)[K]['labelNames']> } & {
  readonly [K in keyof typeof HISTOGRAMS]: ObserveMetric<(typeof HISTOGRAMS)[K]['labelNames']>;
} & { readonly [K in keyof typeof GAUGES]: GaugeMetric<(typeof GAUGES)[K]['labelNames']> };

const NOOP = { inc() {}, observe() {}, read() {} };

/**
 * The instruments. prom-client and the Yoga plugin are loaded only when metrics are on (they take
 * a few hundred milliseconds to import): a server without them starts as fast as before.
 */
export async function createMetrics(opts: { enabled: boolean }): Promise<Metrics> {
  const all = [...Object.keys(COUNTERS), ...Object.keys(HISTOGRAMS), ...Object.keys(GAUGES)];
  if (!opts.enabled) {
    const off = Object.fromEntries(all.map((k) => [k, NOOP]));
    return {
      ...off,
      enabled: false,
      yogaPlugin: undefined,
      scrape: () => Promise.reject(new Error('metrics are off')),
    } as unknown as Metrics;
  }

  const [{ Counter, collectDefaultMetrics, Gauge, Histogram, Registry }, { useGraphQLMetrics }] = await Promise.all([
    import('prom-client'),
    import('./graphql.js'),
  ]);
  // A registry of our own, not prom-client's global one: two apps in one process (tests) stay apart.
  const registry = new Registry();
  // process_* and nodejs_* series: CPU, memory, event-loop delay, handles, GC.
  collectDefaultMetrics({ register: registry });

  const instruments: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(COUNTERS)) {
    const counter = new Counter({ ...def, labelNames: [...def.labelNames], registers: [registry] });
    instruments[key] = { inc: (labels?: Record<string, string>) => (labels ? counter.inc(labels) : counter.inc()) };
  }
  for (const [key, def] of Object.entries(HISTOGRAMS)) {
    const histogram = new Histogram({
      ...def,
      labelNames: [...def.labelNames],
      buckets: [...def.buckets],
      registers: [registry],
    });
    instruments[key] = {
      observe: (a: number | Record<string, string>, b?: number) =>
        typeof a === 'number' ? histogram.observe(a) : histogram.observe(a, b ?? 0),
    };
  }
  for (const [key, def] of Object.entries(GAUGES)) {
    const readers: Array<(set: (a: number | Record<string, string>, b?: number) => void) => void> = [];
    const gauge: Gauge = new Gauge({
      ...def,
      labelNames: [...def.labelNames],
      registers: [registry],
      collect() {
        const set = (a: number | Record<string, string>, b?: number) =>
          typeof a === 'number' ? gauge.set(a) : gauge.set(a, b ?? 0);
        for (const read of readers) read(set);
      },
    });
    instruments[key] = { read: (fn: (typeof readers)[number]) => readers.push(fn) };
  }

  return {
    ...instruments,
    enabled: true,
    yogaPlugin: useGraphQLMetrics(registry),
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  } as unknown as Metrics;
}
