import type { Constant, ConfigOf, Setting, SettingsContext, SettingsTree } from './define.js';

export interface SettingIssue {
  /** The environment variable at fault. */
  setting: string;
  message: string;
}

/** Every bad setting of one start, so an operator fixes them all in one go, not one per restart. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly issues: SettingIssue[]) {
    super(
      issues.length === 1
        ? `${issues[0]!.setting} ${issues[0]!.message}`
        : `${issues.length} settings are wrong:\n${issues.map((i) => `  - ${i.setting} ${i.message}`).join('\n')}`,
    );
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

function isLeaf(node: SettingsTree[string]): node is Setting<unknown> | Constant<unknown> {
  return (node as { kind?: unknown }).kind === 'setting' || (node as { kind?: unknown }).kind === 'constant';
}

/** Every setting of a tree, in declaration order (the order of the docs). */
export function settingsOf(tree: SettingsTree): Setting<unknown>[] {
  return Object.values(tree).flatMap((node) =>
    isLeaf(node) ? (node.kind === 'setting' ? [node as Setting<unknown>] : []) : settingsOf(node as SettingsTree),
  );
}

/**
 * The raw text of a variable: trimmed (as given when `verbatim`), and undefined when unset or
 * blank. A blank value is unset either way: `JWT_SECRET=` in a .env file means "none".
 */
export function rawValue(env: Env, name: string, verbatim = false): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  return verbatim ? raw : raw.trim();
}

/** One setting's value, or the reason it has none. */
export function readSetting<T>(
  s: Setting<T>,
  env: Env,
  ctx: SettingsContext,
): { ok: true; value: T } | { ok: false; issue: SettingIssue } {
  const raw = rawValue(env, s.name, s.verbatim);
  let value: T;
  if (raw === undefined) {
    value = typeof s.fallback === 'function' ? (s.fallback as (c: SettingsContext) => T)(ctx) : s.fallback;
  } else {
    const parsed = s.schema.safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? 'is not valid';
      return { ok: false, issue: { setting: s.name, message: s.sensitive ? why : `${why}; got "${raw}"` } };
    }
    value = parsed.data;
  }
  const problem = s.check?.(value, ctx);
  return problem ? { ok: false, issue: { setting: s.name, message: problem } } : { ok: true, value };
}

/**
 * Reads every setting of `tree` from `env` into the typed configuration, then runs the rules that
 * span several settings. Throws one ConfigError that lists every problem found.
 */
export function loadSettings<T extends SettingsTree>(
  tree: T,
  env: Env,
  ctx: SettingsContext,
  rules: ReadonlyArray<(config: ConfigOf<T>) => SettingIssue | undefined> = [],
): ConfigOf<T> {
  const issues: SettingIssue[] = [];
  const walk = (node: SettingsTree): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      if (!isLeaf(child)) out[key] = walk(child as SettingsTree);
      else if (child.kind === 'constant') out[key] = child.value;
      else {
        const r = readSetting(child, env, ctx);
        if (r.ok) out[key] = r.value;
        else issues.push(r.issue);
      }
    }
    return out;
  };
  const config = walk(tree) as ConfigOf<T>;
  // Cross-setting rules only make sense once each value is good on its own.
  if (issues.length === 0) {
    for (const rule of rules) {
      const issue = rule(config);
      if (issue) issues.push(issue);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
