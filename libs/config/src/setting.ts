import { z } from "zod";

/**
 * One environment variable a service reads: its name, what it means, its
 * default as documented, and how its text becomes a typed value. Declared
 * once in the service's config table (README, "Configuration"), read once at
 * start-up.
 */
export interface Setting<T> {
  env: string;
  meaning: string;
  /** The default as the README shows it. */
  defaultText: string;
  /** The value of the variable's text; unset or empty means the default. Throws a message on bad input. */
  parse(text: string | undefined): T;
}

/** The typed value of a setting. */
export type ValueOf<S> = S extends Setting<infer T> ? T : never;

function fromSchema<T>(env: string, meaning: string, defaultText: string, fallback: () => T, schema: z.ZodType<T>): Setting<T> {
  return {
    env,
    meaning,
    defaultText,
    parse(text) {
      if (text === undefined || text === "") return fallback();
      const result = schema.safeParse(text);
      if (result.success) return result.data;
      throw new Error(result.error.issues.map((issue) => issue.message).join("; "));
    },
  };
}

/** A whole number within [min, max]. */
export function intSetting(env: string, meaning: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): Setting<number> {
  const schema = z
    .string()
    .trim()
    .regex(/^-?\d+$/, { message: `must be a whole number between ${min} and ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { message: `must be at least ${min}` })
        .max(max, { message: `must be at most ${max}` }),
    );
  return fromSchema(env, meaning, String(fallback), () => fallback, schema);
}

/** A whole number within [min, max], or undefined when unset (described by `whenUnset`). */
export function optionalIntSetting(env: string, meaning: string, whenUnset: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): Setting<number | undefined> {
  const whole = intSetting(env, meaning, 0, { min, max });
  return { env, meaning, defaultText: whenUnset, parse: (text) => (text === undefined || text === "" ? undefined : whole.parse(text)) };
}

/** A port: 0 picks a free one. */
export function portSetting(env: string, meaning: string, fallback: number): Setting<number> {
  return intSetting(env, meaning, fallback, { min: 0, max: 65535 });
}

/** Text with a default. */
export function textSetting(env: string, meaning: string, fallback: string): Setting<string> {
  return fromSchema(env, meaning, `\`${fallback}\``, () => fallback, z.string());
}

/** Text without a default: undefined when unset, described by `whenUnset`. */
export function optionalSetting(env: string, meaning: string, whenUnset: string): Setting<string | undefined> {
  return fromSchema<string | undefined>(env, meaning, whenUnset, () => undefined, z.string());
}

/** A comma-separated list, trimmed and lower-cased (header names, certificate names). */
export function listSetting(env: string, meaning: string, fallback: readonly string[]): Setting<readonly string[]> {
  const schema = z.string().transform((text) =>
    text
      .split(",")
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean),
  );
  return fromSchema<readonly string[]>(env, meaning, `\`${fallback.join(",")}\``, () => fallback, schema);
}

/** `true`/`false` (also `1`/`0`). */
export function boolSetting(env: string, meaning: string, fallback: boolean): Setting<boolean> {
  const schema = z
    .string()
    .trim()
    .toLowerCase()
    .refine((text) => ["true", "false", "1", "0"].includes(text), { message: "must be true or false" })
    .transform((text) => text === "true" || text === "1");
  return fromSchema(env, meaning, String(fallback), () => fallback, schema);
}

/** One of a fixed set of words. */
export function choiceSetting<const T extends string>(env: string, meaning: string, choices: readonly [T, ...T[]], fallback: T): Setting<T> {
  return fromSchema(env, meaning, `\`${fallback}\``, () => fallback, z.enum(choices, { message: `must be one of ${choices.join(", ")}` }));
}
