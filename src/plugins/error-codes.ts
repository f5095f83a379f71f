import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors.js';

/**
 * Some request errors arrive with no `extensions.code`: graphql-js's variable coercion
 * ("Variable "$input" got invalid value ...") and GraphQL Armor's limits ("Aliases limit of 15
 * exceeded"). Every error a client can act on gets a code, so these get one here.
 * Field errors never lack one: ours carry a code and the rest are masked.
 */
function codeFor(error: GraphQLError): string {
  if (error.message.startsWith('Variable "$')) return ErrorCode.BAD_USER_INPUT;
  if (error.message.startsWith('Syntax Error') && !/limit/i.test(error.message)) return ErrorCode.GRAPHQL_PARSE_FAILED;
  return ErrorCode.GRAPHQL_VALIDATION_FAILED;
}

/** `error` with the code it lacks; anything else as it is. Also for graphql-ws (src/ws/server.ts). */
export function withErrorCode(error: unknown): unknown {
  if (!(error instanceof GraphQLError) || error.extensions?.code || error.path) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: codeFor(error) },
  });
}

export function useErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Symbol.asyncIterator in Object(result)) return;
      const fix = (r: { errors?: readonly unknown[] }) =>
        r.errors?.some((e) => withErrorCode(e) !== e) ? { ...r, errors: r.errors.map(withErrorCode) } : r;
      setResult((Array.isArray(result) ? result.map(fix) : fix(result as never)) as never);
    },
  };
}
