import { GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors.js';

/**
 * graphql-js reports bad variables ("Variable "$input" got invalid value ...") with no code.
 * They are the client's input, so they get BAD_USER_INPUT like every other input error.
 * Field errors never reach here without a code: ours carry one and the rest are masked.
 */
export function useInputErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
            if (!result.errors?.some((e) => !e.extensions?.code && !e.path)) return;
            setResult({
              ...result,
              errors: result.errors.map((e) =>
                e.extensions?.code || e.path
                  ? e
                  : new GraphQLError(e.message, {
                      nodes: e.nodes,
                      source: e.source,
                      positions: e.positions,
                      originalError: e.originalError,
                      extensions: { ...e.extensions, code: ErrorCode.BAD_USER_INPUT },
                    }),
              ),
            });
          });
        },
      };
    },
  };
}
