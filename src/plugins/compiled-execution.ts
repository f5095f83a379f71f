import {
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  visit,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

/**
 * Queries and mutations that run often are executed by graphql-jit: a document compiled once into
 * a function, in place of graphql-tools' executor walking the document again on every request
 * (collecting fields, building resolve info, fresh WeakMaps for its memo caches per request). For `me` that
 * walk cost more than our whole authentication (BENCHMARKS.md, round six).
 *
 * What stays exactly as it was:
 * - **Resolvers and `@auth`.** graphql-jit calls the schema's own resolvers, which mapSchema has
 *   already wrapped (src/auth/directive.ts); nothing about authorization depends on the engine.
 * - **Errors.** graphql-jit's errors carry locations but not the field nodes, which Yoga's
 *   masking and our error plugins rebuild errors from. Each is remade here as graphql-js would
 *   have made it (`nodes`, `path`, `originalError`, its `extensions`), so masking, codes and the
 *   shape a client sees are the same on both engines.
 * - **Bad variables.** graphql-jit coerces variables itself, with terser messages; when it refuses
 *   them nothing has run yet, so the request is handed to the standard executor, whose message
 *   (and, outside production, suggestions) the client gets as before.
 * - **Subscriptions** keep the standard engine: only `onExecute` is hooked.
 *
 * What compiling costs, and why the threshold: a compile is 0.2 ms for `{ me { id role } }` and up
 * to ~5 ms for a document at the default limits (GRAPHQL_MAX_TOKENS), about 3x its validation. A
 * document is compiled only after COMPILE_AFTER runs on the standard executor, so a client sending
 * ever-new documents makes the server compile none. One that sends each new document just often
 * enough to have it compiled (11 times) costs what it cost before: measured in-process, 1.01x the
 * CPU per request for documents at the limits, 0.96x for small ones (BENCHMARKS.md, round six).
 * At most MAX_COMPILED compiled documents are kept (least recently used go; ~42 KiB each at the
 * limits, 3 KiB for a small one). A document graphql-jit cannot compile keeps the standard
 * executor, which answers as it always has.
 *
 * One rule graphql-jit adds: only resolvers may return promises. A field without a resolver is
 * read as a plain property, so an object handed to the executor must not hold a promise (or a
 * method standing in for a field) where the schema has a field without a resolver; give that
 * field a resolver. GRAPHQL_JIT=false turns all of this off.
 */

/** Runs a document has on the standard executor before it is compiled (0: compiled at once). */
export const COMPILE_AFTER = 10;
/** Compiled documents kept; a real client has a few dozen hot ones. */
export const MAX_COMPILED = 200;

interface Compiled {
  query: CompiledQuery['query'];
  /** The document's fields by where they start ("line:column"), to give errors their nodes back. */
  fieldsAt: Map<string, FieldNode>;
}

/** Per document, per operation name: its runs so far on the standard executor, or the outcome of compiling it. */
type Entry = number | Compiled | 'standard';

export interface CompiledExecutionOptions {
  /** Runs on the standard executor before a document is compiled (GRAPHQL_JIT_AFTER). */
  compileAfter?: number;
  maxCompiled?: number;
  /** Told each time a document's operation is compiled, or found not compilable. */
  onCompile?(outcome: { operationName: string | null; compiled: boolean }): void;
}

export function useCompiledExecution(opts: CompiledExecutionOptions = {}): Plugin {
  const compileAfter = opts.compileAfter ?? COMPILE_AFTER;
  // Keyed by the parsed document, which Yoga's parser cache hands out again for the same text: an
  // entry lives as long as that cache keeps the document, the compiled ones at most MAX_COMPILED.
  const runs = new WeakMap<DocumentNode, Map<string, Entry>>();
  const compiled = new LRUCache<Compiled, true>({ max: opts.maxCompiled ?? MAX_COMPILED });

  function entryFor(args: ExecutionArgs): Entry {
    let byOperation = runs.get(args.document);
    if (!byOperation) {
      byOperation = new Map();
      runs.set(args.document, byOperation);
    }
    const name = args.operationName ?? '';
    let entry = byOperation.get(name);
    if (entry === undefined) {
      // Only names the document has are counted: any other string is the client's to choose, and
      // the standard executor answers it ("Unknown operation named ...").
      if (!getOperationAST(args.document, args.operationName)) return 'standard';
      entry = 0;
    }
    if (typeof entry === 'number') {
      entry = entry >= compileAfter ? compile(args.schema, args.document, args.operationName) : entry + 1;
      byOperation.set(name, entry);
    } else if (entry !== 'standard' && !compiled.get(entry)) {
      // Evicted: counted again from the start, like a document seen for the first time.
      byOperation.set(name, 1);
      return 1;
    }
    return entry;
  }

  function compile(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): Entry {
    let query: CompiledQuery['query'] | undefined;
    try {
      const result: CompiledQuery | ExecutionResult = compileQuery(schema, document, operationName ?? undefined);
      if (isCompiledQuery(result)) query = result.query.bind(result);
    } catch {
      // Thrown rather than returned by some versions; either way, the standard executor answers.
    }
    opts.onCompile?.({ operationName: operationName ?? null, compiled: query !== undefined });
    if (!query) return 'standard';
    const entry: Compiled = { query, fieldsAt: fieldsByLocation(document) };
    compiled.set(entry, true);
    return entry;
  }

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const entry = entryFor(args);
      if (typeof entry !== 'object') return;
      setExecuteFn(((execArgs: ExecutionArgs) => {
        const result = entry.query(execArgs.rootValue, execArgs.contextValue, execArgs.variableValues);
        return isPromiseLike(result)
          ? result.then((r) => finish(r, entry, execArgs, executeFn))
          : finish(result, entry, execArgs, executeFn);
      }) as typeof executeFn);
    },
  };
}

type Execute = (args: ExecutionArgs) => unknown;

const isPromiseLike = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

function finish(result: ExecutionResult, entry: Compiled, args: ExecutionArgs, standard: Execute) {
  // No `data` at all: the variables were refused before anything ran (see above).
  if (!('data' in result)) return standard(args);
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map((e: GraphQLError) => asGraphQLJsError(e, entry.fieldsAt)) };
}

/** The error graphql-js's executor would have made for the same failure (its locatedError). */
function asGraphQLJsError(error: GraphQLError, fieldsAt: Map<string, FieldNode>): GraphQLError {
  const nodes = (error.locations ?? [])
    .map((l) => fieldsAt.get(`${l.line}:${l.column}`))
    .filter((n): n is FieldNode => n !== undefined);
  const original = error.originalError;
  // A GraphQLError thrown by a resolver keeps its own message and extensions, as locatedError does.
  return new GraphQLError(original instanceof GraphQLError ? original.message : error.message, {
    nodes,
    path: error.path,
    originalError: original ?? undefined,
    extensions: original instanceof GraphQLError ? original.extensions : error.extensions,
  });
}

function fieldsByLocation(document: DocumentNode): Map<string, FieldNode> {
  const fields = new Map<string, FieldNode>();
  visit(document, {
    [Kind.FIELD](node) {
      const token = node.loc?.startToken;
      if (token) fields.set(`${token.line}:${token.column}`, node);
    },
  });
  return fields;
}
