import { type ASTNode, Kind, parse, print, visit, type ValueNode } from 'graphql';
import { inspect } from 'graphql/jsutils/inspect.js';

/**
 * What the client sent for a secret: any argument, input field or variable key named like a
 * password, token or code (`password`, `newPassword`, `refreshToken`, `token`, `code`,
 * `challenge`, ...), and any variable bound to one. By name, so fields other issues add
 * (resetPassword's token and code, verifyLogin's challenge) are covered without a list.
 */
export const SECRET_NAME = /pass(word|phrase|code)?|token|secret|code|otp|challenge|recovery/i;

/** Bodies are at most MAX_BODY_BYTES; this bounds the work on a hostile one all the same. */
const MAX_SECRETS = 200;

/**
 * Values (objects, arrays and leaves) walked per request at most. The walks below take an explicit
 * stack, not recursion: variables are JSON of any depth (a 16 KB body holds `[` 8,000 deep), and a
 * recursive walk of one overflowed the call stack into a 500 that bypassed masking. graphql-js
 * quotes a value in a message only two levels deep (inspect), so nothing deeper can be echoed.
 */
const MAX_VISITS = 10_000;

/** Leaves of a secret value, each as the text graphql-js would print it in a message. */
function renderings(value: unknown, out: Set<string>, budget = { left: MAX_VISITS }): void {
  const stack: unknown[] = [value];
  while (stack.length > 0 && out.size < MAX_SECRETS && budget.left-- > 0) {
    const v = stack.pop();
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') {
      // Reversed, so leaves come out in the order they were written (the cap keeps the first).
      // A loop, not push(...): an array of 50,000 would be as many arguments.
      const children = Object.values(v as Record<string, unknown>);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
      continue;
    }
    // inspect(): how coercion errors quote a value ("x" for strings, 12 for numbers).
    out.add(inspect(v));
    if (typeof v === 'string') {
      // print(): how validation errors quote a literal; the raw text for anything quoting it otherwise.
      out.add(print({ kind: Kind.STRING, value: v }));
      if (v.length >= 4) out.add(v);
    }
  }
}

function literalRenderings(node: ValueNode, out: Set<string>): void {
  const stack: ValueNode[] = [node];
  while (stack.length > 0 && out.size < MAX_SECRETS) {
    const n = stack.pop()!;
    if (n.kind === Kind.OBJECT) for (let i = n.fields.length - 1; i >= 0; i--) stack.push(n.fields[i]!.value);
    else if (n.kind === Kind.LIST) for (let i = n.values.length - 1; i >= 0; i--) stack.push(n.values[i]!);
    else if (n.kind !== Kind.VARIABLE && n.kind !== Kind.NULL) {
      out.add(print(n));
      if (n.kind === Kind.STRING || n.kind === Kind.ENUM) renderings(n.value, out);
    }
  }
}

/** Walks variables: a key with a secret name makes everything below it secret. */
function fromVariables(value: unknown, secret: boolean, out: Set<string>, budget: { left: number }): void {
  const stack: Array<[unknown, boolean]> = [[value, secret]];
  while (stack.length > 0 && out.size < MAX_SECRETS && budget.left-- > 0) {
    const [v, isSecret] = stack.pop()!;
    if (isSecret) renderings(v, out, budget);
    else if (v !== null && typeof v === 'object')
      for (const [k, child] of Object.entries(v as Record<string, unknown>).reverse())
        stack.push([child, SECRET_NAME.test(k)]);
  }
}

/**
 * Every secret value in a request (its document's literals and its variables), as the texts to
 * scrub from anything sent back.
 */
export function secretValues(query: string | undefined, variables: Record<string, unknown> | undefined): string[] {
  const out = new Set<string>();
  const boundVariables = new Set<string>();
  if (query) {
    let document: ASTNode | undefined;
    try {
      document = parse(query, { noLocation: true });
    } catch {
      // A document that does not parse never runs, and parse errors quote no values.
    }
    if (document) {
      const secretValue = (name: string, value: ValueNode) => {
        if (!SECRET_NAME.test(name)) return;
        if (value.kind === Kind.VARIABLE) boundVariables.add(value.name.value);
        else literalRenderings(value, out);
      };
      visit(document, {
        Argument: (node) => secretValue(node.name.value, node.value),
        ObjectField: (node) => secretValue(node.name.value, node.value),
        // Variables used inside a secret literal (`{ password: $p }`) are bound through ObjectField.
      });
    }
  }
  const budget = { left: MAX_VISITS };
  for (const [name, value] of Object.entries(variables ?? {})) {
    fromVariables(value, boundVariables.has(name) || SECRET_NAME.test(name), out, budget);
  }
  // Longest first, so a secret containing another is removed whole.
  return [...out].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

const REDACTED = '[redacted]';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` with every secret replaced; numbers and booleans only where they stand as a word. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!out.includes(s)) continue;
    out = /^[\w.+-]+$/.test(s)
      ? out.replace(new RegExp(`(?<![\\w.])${escapeRegExp(s)}(?![\\w.])`, 'g'), REDACTED)
      : out.split(s).join(s.startsWith('"') ? `"${REDACTED}"` : REDACTED);
  }
  return out;
}

function subvalues(value: unknown, out: unknown[]): void {
  if (out.length >= MAX_SECRETS) return;
  out.push(value);
  if (value && typeof value === 'object') for (const v of Object.values(value as object)) subvalues(v, out);
}

/**
 * graphql-js's coercion errors start `Variable "$x" got invalid value <the value, printed>`: the
 * client's own input echoed back, secrets and all, whatever the fields are called. That echo
 * goes; the path and the reason after it stay.
 */
export function withoutEchoedVariable(message: string, variables: Record<string, unknown> | undefined): string {
  const m = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" got invalid value /.exec(message);
  if (!m || !variables || !Object.hasOwn(variables, m[1]!)) return message;
  const rest = message.slice(m[0].length);
  const candidates: unknown[] = [];
  subvalues(variables[m[1]!], candidates);
  const echoed = candidates
    .map((v) => inspect(v))
    .filter((r) => rest.startsWith(r))
    .sort((a, b) => b.length - a.length)[0];
  return echoed === undefined ? message : `Variable "$${m[1]}" got invalid value${rest.slice(echoed.length)}`;
}
