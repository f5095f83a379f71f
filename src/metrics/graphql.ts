import {
  createCounter,
  createHistogram,
  type FillLabelsFnParams,
  usePrometheus,
} from '@graphql-yoga/plugin-prometheus';
import type { DocumentNode, GraphQLError, SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';

/** Seconds; from a cached-token `me` (well under a millisecond) to a slow argon2 login. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The `operation` label: the root field an operation runs (`me`, `login`), or `(multiple)`.
 * Not the operation *name*: a client chooses that freely, and every distinct value would be a
 * new series kept in memory forever (a memory leak anyone can drive). Root fields are bounded by
 * the schema: the document has passed validation before execution is counted.
 */
export function rootFieldLabel(document: DocumentNode | undefined, operationName?: string): string {
  if (!document) return '(unknown)';
  // Yoga's parser cache hands back the same DocumentNode for the same text, and four series ask
  // per request: work it out once per document and operation.
  let byName = labelCache.get(document);
  if (!byName) {
    byName = new Map();
    labelCache.set(document, byName);
  }
  const key = operationName ?? '';
  let label = byName.get(key);
  if (label === undefined) {
    label = computeRootFieldLabel(document, operationName);
    byName.set(key, label);
  }
  return label;
}

const labelCache = new WeakMap<DocumentNode, Map<string, string>>();

function computeRootFieldLabel(document: DocumentNode, operationName: string | undefined): string {
  // One operation: that one (envelop names an anonymous one "Anonymous"); several: the one named.
  const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
  const operation = operations.length === 1 ? operations[0] : operations.find((d) => d.name?.value === operationName);
  if (!operation) return '(unknown)';
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of document.definitions)
    if (d.kind === 'FragmentDefinition') fragments.set(d.name.value, d.selectionSet);
  const names = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === 'Field') names.add(s.name.value);
      else if (s.kind === 'InlineFragment') walk(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) walk(f);
      }
    }
  };
  walk(operation.selectionSet);
  return names.size === 1 ? [...names][0]! : names.size === 0 ? '(none)' : '(multiple)';
}

const labels = (p: FillLabelsFnParams) => ({
  operationType: p.operationType ?? 'unknown',
  operation: rootFieldLabel(p.document, p.operationName),
});

/**
 * Per-operation counts and durations (`@graphql-yoga/plugin-prometheus`), into our registry.
 * Only what an operator reads: request count and duration per operation, errors by phase and
 * code, HTTP duration by status. The per-phase histograms, the summary, the deprecated-field
 * walk and per-resolver timing stay off: each costs on every request.
 */
export function useGraphQLMetrics(registry: Registry): Plugin {
  return usePrometheus({
    registry,
    // Served by src/metrics/endpoint.ts, behind METRICS_TOKEN; the plugin's own endpoint has no auth.
    endpoint: false,
    metrics: {
      graphql_envelop_request: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_request',
          help: 'GraphQL operations executed (a subscription counts when it ends), by type and root field',
          labelNames: ['operationType', 'operation'],
        },
        fillLabelsFn: labels,
      }),
      graphql_envelop_request_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_envelop_request_duration',
          help: 'Time to execute a GraphQL operation (a subscription: its whole life), by type and root field (seconds)',
          labelNames: ['operationType', 'operation'],
          buckets: DURATION_BUCKETS,
        },
        fillLabelsFn: labels,
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'Errors in GraphQL results, by phase and extensions.code (INTERNAL: masked)',
          labelNames: ['phase', 'operationType', 'operation', 'code'],
        },
        fillLabelsFn: (p: FillLabelsFnParams) => ({
          ...labels(p),
          phase: p.errorPhase ?? 'unknown',
          code: errorCode(p.error),
        }),
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_yoga_http_duration',
          help: 'Time to answer a GraphQL HTTP request, by status (seconds)',
          labelNames: ['method', 'statusCode', 'operationType', 'operation'],
          buckets: DURATION_BUCKETS,
        },
        fillLabelsFn: (p: FillLabelsFnParams & { request: Request; response: Response }) => ({
          ...labels(p),
          method: p.request.method,
          statusCode: p.response.status,
        }),
      }),
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_execute_resolver: false,
    },
  });
}

/** Codes come from src/errors.ts, a fixed set; anything else was masked. */
function errorCode(error: GraphQLError | undefined): string {
  const code = error?.extensions?.code;
  return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? code : 'INTERNAL';
}
