import { z } from 'zod';

/**
 * The building blocks of the settings schema (src/config.ts). A setting states, once, the
 * environment variable it is read from, how its text becomes a typed value (a zod schema), its
 * default, and the words that document it; `loadSettings` (./load.ts), the README table and
 * `.env.example` (./docs.ts) are all derived from that one entry.
 */

export type NodeEnv = 'development' | 'production' | 'test';

/** What a default or a check may depend on: read before every other setting. */
export interface SettingsContext {
  env: NodeEnv;
  production: boolean;
  /** DATA_DIR, resolved to an absolute path. */
  dataDir: string;
}

export interface Setting<T> {
  readonly kind: 'setting';
  /** The environment variable. */
  readonly name: string;
  readonly description: string;
  /** What the value may be, in words, for the docs: "whole number from 0 to 65535". */
  readonly allowed: string;
  /** Turns the (trimmed unless `verbatim`, non-blank) text into the value; its issues become the start-up error. */
  readonly schema: z.ZodType<T, string>;
  /** The value when the variable is unset or blank. */
  readonly fallback: T | ((ctx: SettingsContext) => T);
  /** The default, in words, for the docs. */
  readonly defaultText: string;
  /** A rule that needs the context (e.g. "required in production"); returns what is wrong. */
  readonly check?: (value: T, ctx: SettingsContext) => string | undefined;
  /** Never echoed in an error message (secrets, URLs that may carry a password). */
  readonly sensitive?: boolean;
  /**
   * Read as given, not trimmed: for a secret whose bytes are the string's (JWT_SECRET), where
   * trimming would change the key and hide the whitespace its strength check is there to refuse.
   * A blank value still means unset.
   */
  readonly verbatim?: boolean;
  /** The line `.env.example` shows; commented out with the default when absent. */
  readonly example?: string;
}

/** A fixed part of the configuration that no variable sets (documented where it is used). */
export interface Constant<T> {
  readonly kind: 'constant';
  readonly value: T;
}

// biome-ignore lint/suspicious/noExplicitAny: a tree holds settings of every value type.
export type SettingsTree = { readonly [key: string]: Setting<any> | Constant<any> | SettingsTree };

/** The typed configuration a tree of settings produces. */
export type ConfigOf<T> = {
  -readonly [K in keyof T]: T[K] extends Setting<infer V> ? V : T[K] extends Constant<infer V> ? V : ConfigOf<T[K]>;
};

type Common<T> = {
  description: string;
  check?: Setting<T>['check'];
  sensitive?: boolean;
  verbatim?: boolean;
  example?: string;
};

/** The one way to declare a setting; the helpers below cover the usual kinds. */
export function setting<T>(
  name: string,
  spec: Common<T> & {
    allowed: string;
    schema: z.ZodType<T, string>;
    default: Setting<T>['fallback'];
    defaultText?: string;
  },
): Setting<T> {
  const { default: fallback, defaultText, ...rest } = spec;
  if (typeof fallback === 'function' && defaultText === undefined) {
    throw new Error(`${name}: a computed default needs a defaultText for the docs`);
  }
  return {
    kind: 'setting',
    name,
    fallback,
    defaultText: defaultText ?? (fallback === undefined ? 'none' : `\`${String(fallback)}\``),
    ...rest,
  };
}

export function constant<T>(value: T): Constant<T> {
  return { kind: 'constant', value };
}

export function integer(
  name: string,
  spec: Common<number> & {
    /** A number, or one computed from the machine or context (then with a defaultText). */
    default: Setting<number>['fallback'];
    defaultText?: string;
    min: number;
    max: number;
  },
): Setting<number> {
  const message = `must be a whole number from ${spec.min} to ${spec.max}`;
  return setting(name, {
    ...spec,
    allowed: `whole number, ${spec.min} to ${spec.max}`,
    schema: z
      .string()
      .regex(/^-?\d+$/, { error: message })
      .transform(Number)
      .pipe(z.number().int().min(spec.min, { error: message }).max(spec.max, { error: message })),
  });
}

/** true/false, 1/0, yes/no, on/off (any case). */
export function boolean(
  name: string,
  spec: Common<boolean> & { default: boolean | ((ctx: SettingsContext) => boolean); defaultText?: string },
): Setting<boolean> {
  return setting(name, {
    ...spec,
    allowed: '`true` or `false`',
    schema: z.stringbool({
      truthy: ['true', '1', 'yes', 'on'],
      falsy: ['false', '0', 'no', 'off'],
      error: 'must be true or false',
    }),
  });
}

export function oneOf<const V extends readonly [string, ...string[]]>(
  name: string,
  values: V,
  spec: Common<V[number]> & { default: V[number] },
): Setting<V[number]> {
  const words = values.map((v) => `\`${v}\``);
  const list = `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
  return setting(name, {
    ...spec,
    allowed: list,
    schema: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(values, { error: `must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)}` })),
  });
}

export function text(
  name: string,
  spec: Common<string> & { default: string; pattern?: [RegExp, string] },
): Setting<string> {
  const [pattern, message] = spec.pattern ?? [/./, ''];
  return setting(name, {
    ...spec,
    allowed: spec.pattern ? message.replace(/^must be /, '') : 'text',
    schema: z.string().regex(pattern, { error: message }),
  });
}

/** A setting that is absent unless given (no default value). */
export function optionalText(
  name: string,
  spec: Common<string | undefined> & { defaultText: string; allowed?: string; schema?: z.ZodType<string, string> },
): Setting<string | undefined> {
  return setting<string | undefined>(name, {
    ...spec,
    allowed: spec.allowed ?? 'text',
    schema: spec.schema ?? z.string(),
    default: () => undefined,
  });
}

/** A comma-separated list; blanks between commas are ignored. */
export function list<T>(item: z.ZodType<T, string>): z.ZodType<T[], string> {
  return z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));
}
