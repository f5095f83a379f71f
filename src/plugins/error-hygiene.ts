import { GraphQLError } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import { scrub, secretValues, withoutEchoedVariable } from './secret-values.js';

/**
 * The last look at every error before it leaves, whatever phase made it (request parsing,
 * GraphQL parsing, validation, variable coercion, execution, a subscription's events):
 *
 * - a value the client sent for a password, token or code never comes back: graphql-js echoes
 *   whole input values into coercion messages ("got invalid value { ..., password: "..." }"),
 *   and client error loggers and APM tools store those messages;
 * - with suggestions hidden, no "Did you mean ...?" (fields, arguments, types, input fields,
 *   enum values) gives away the schema that disabled introspection hides;
 * - no `extensions.originalError`: Yoga puts the JSON parser's message there, body text included.
 */

// graphql-js: ` Did you mean "a"?`, `... "a", "b", or "c"?`, `the enum value "X"?`, `to use an inline fragment on "T"?`
const SUGGESTION = /\s*Did you mean [^?]*\?/g;
// GraphQL Armor's replacement, should its own suggestion blocking run too.
const ARMOR_HIDDEN = /\s*\[Suggestion hidden\]\??/g;

type Clean = (text: string) => string;

function cleanValue(value: unknown, clean: Clean): unknown {
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value)) return value.map((v) => cleanValue(v, clean));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cleanValue(v, clean)]));
  }
  return value;
}

function cleanError(error: unknown, clean: Clean): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const { originalError: dropped, ...extensions } = error.extensions as Record<string, unknown>;
  const message = clean(error.message);
  const cleanedExtensions = cleanValue(extensions, clean) as Record<string, unknown>;
  const http = cleanedExtensions.http as { spec?: boolean; status?: number } | undefined;
  // Yoga answers a `spec` error 200 to application/json clients unless it carries an originalError
  // (a request that never reached GraphQL, e.g. a body that is not JSON): keep its status explicit.
  if (dropped !== undefined && http?.spec) cleanedExtensions.http = { ...http, spec: false };
  if (
    message === error.message &&
    dropped === undefined &&
    JSON.stringify(cleanedExtensions) === JSON.stringify(extensions)
  )
    return error;
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: cleanedExtensions,
  });
}

/** What one request sent: the texts its errors must not give back. */
export interface Sent {
  query: string | undefined;
  variables: Record<string, unknown> | undefined;
}

/**
 * The cleaning of one request's errors (every rule above), for the plugin below and for a transport
 * that sends errors outside Yoga's result processing (graphql-ws, src/ws/server.ts). The secrets in
 * the request are worked out on the first error that needs them: finding them parses and walks the
 * document, which a request that succeeds (nearly all of them) would pay for nothing (issue 14's
 * profile: about 5 % of a `me` request's CPU).
 */
export function errorCleaner(sent: Sent, opts: { hideSuggestions: boolean }): (error: unknown) => unknown {
  let secrets: string[] | undefined;
  const clean: Clean = (text) => {
    let out = withoutEchoedVariable(text, sent.variables);
    if (opts.hideSuggestions) out = out.replace(SUGGESTION, '').replace(ARMOR_HIDDEN, '');
    secrets ??= secretValues(sent.query, sent.variables);
    return secrets.length > 0 ? scrub(out, secrets) : out;
  };
  return (error) => cleanError(error, clean);
}

type Result = { errors?: readonly unknown[] };

export function useErrorHygiene(opts: { hideSuggestions: boolean }): Plugin {
  // What each request sent, kept until its result is processed.
  const sent = new WeakMap<Request, Sent>();
  return {
    onParams({ request, params }) {
      sent.set(request, { query: params.query, variables: params.variables as Record<string, unknown> | undefined });
    },
    onResultProcess({ request, result, setResult }) {
      const clean = errorCleaner(sent.get(request) ?? { query: undefined, variables: undefined }, opts);
      const fix = (r: Result): Result => (r?.errors?.length ? { ...r, errors: r.errors.map(clean) } : r);
      if (isAsyncIterable(result)) setResult(mapAsyncIterator(result, (r) => fix(r as Result) as never) as never);
      else setResult((Array.isArray(result) ? result.map(fix) : fix(result as Result)) as never);
    },
  };
}
