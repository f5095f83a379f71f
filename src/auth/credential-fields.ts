import { collectFields, getDirective } from '@graphql-tools/utils';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  getVariableValues,
  Kind,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors.js';

/**
 * Credential operations: the mutations that check a password or mint a token. The SDL marks
 * each with `@credential` (schema/directives.graphql), the one place a new one (resetPassword,
 * verifyLogin, reauthenticate, finishPasskeyLogin, ...) is declared. A request may run one.
 */
export const CREDENTIAL_DIRECTIVE = 'credential';

/** Fields returning this mint tokens, so they must be marked: a forgotten marker fails the build. */
const TOKEN_TYPE = 'AuthPayload';

const cache = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

/** Names of the Mutation fields marked `@credential`. */
export function credentialFields(schema: GraphQLSchema): ReadonlySet<string> {
  let names = cache.get(schema);
  if (!names) {
    const fields = Object.values(schema.getMutationType()?.getFields() ?? {});
    names = new Set(fields.filter((f) => getDirective(schema, f, CREDENTIAL_DIRECTIVE)?.[0]).map((f) => f.name));
    cache.set(schema, names);
  }
  return names;
}

/** Every root field that returns a token carries `@credential`; the names of those that do not. */
export function findUnmarkedTokenFields(schema: GraphQLSchema): string[] {
  const marked = credentialFields(schema);
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .flatMap((root) => (root ? Object.values(root.getFields()).map((f) => ({ root, f })) : []))
    .filter(
      ({ root, f }) =>
        getNamedType(f.type).name === TOKEN_TYPE && !(root === schema.getMutationType() && marked.has(f.name)),
    )
    .map(
      ({ root, f }) => `${root.name}.${f.name} returns ${TOKEN_TYPE} but is not a @${CREDENTIAL_DIRECTIVE} mutation`,
    );
}

export function assertTokenFieldsMarked(schema: GraphQLSchema): void {
  const problems = findUnmarkedTokenFields(schema);
  if (problems.length > 0) throw new Error(`Credential fields:\n  - ${problems.join('\n  - ')}`);
}

/**
 * How many credential fields the operation would run, counted as execution collects the root
 * selection set: fragment spreads and inline fragments expanded, `@include`/`@skip` applied with
 * the request's variables (defaults filled in), one per response key (two selections under one
 * alias run once). Returns undefined when the variables do not fit; execution reports that.
 */
export function countCredentialFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): { count: number; names: string[] } | undefined {
  const operation = getOperationAST(document, operationName);
  const mutation = schema.getMutationType();
  if (!operation || operation.operation !== 'mutation' || !mutation) return { count: 0, names: [] };
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return undefined;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  // @graphql-tools/utils takes graphql 17's variable shape ({ coerced }) and unwraps it on 16.
  const variables = { coerced: coerced.coerced } as unknown as Parameters<typeof collectFields>[2];
  const { fields, patches } = collectFields(schema, fragments, variables, mutation, operation.selectionSet);
  const credential = credentialFields(schema);
  // Deferred fragments (patches) run too, later: they count.
  const names = [fields, ...patches.map((p) => p.fields)]
    .flatMap((map) => [...map.values()])
    .map((nodes) => nodes[0]!.name.value)
    .filter((n) => credential.has(n));
  return { count: names.length, names };
}

function listed(names: Iterable<string>): string {
  const all = [...names];
  return all.length <= 1 ? (all[0] ?? '') : `${all.slice(0, -1).join(', ')} or ${all.at(-1)}`;
}

/**
 * One credential operation per request, however written: aliases, fragments and directives
 * would otherwise turn one HTTP request into many password guesses or sign-ups (and as many
 * argon2 hashes), each invisible to anything that counts requests. Checked before execution.
 */
export function useOneCredentialOperation(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const counted = countCredentialFields(
        args.schema,
        args.document,
        args.operationName,
        args.variableValues as Record<string, unknown> | undefined,
      );
      if (!counted || counted.count <= 1) return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError(`Only one ${listed(credentialFields(args.schema))} per request`, {
            extensions: { code: ErrorCode.BAD_USER_INPUT },
          }),
        ],
      });
    },
  };
}
