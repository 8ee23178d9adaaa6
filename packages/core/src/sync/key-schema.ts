/**
 * A sync's key schema maps a secret's name to a Railway variable name (`APP_{{secretKey}}`,
 * `{{environment}}_{{secretKey}}`) and bounds what the sync may touch: a Railway variable whose
 * name does not fit the schema is never the sync's.
 */

const placeholder = /\{\{([^{}]*)\}\}/g;
const literal = /^[A-Za-z0-9_.-]*$/;

export type KeySchema = { prefix: string; suffix: string };

/** Why a key schema is refused, in words a person uses; undefined when it is valid. */
export function problem(schema: string): string | undefined {
  if (schema.length > 100) return "the key schema is at most 100 characters";
  const names = [...schema.matchAll(placeholder)].map((m) => m[1]);
  const unknown = names.find((n) => n !== "secretKey" && n !== "environment");
  if (unknown !== undefined) return `the key schema may only use {{secretKey}} and {{environment}}, not {{${unknown}}}`;
  const count = names.filter((n) => n === "secretKey").length;
  if (count !== 1) return "the key schema must contain {{secretKey}} exactly once";
  if (!literal.test(schema.replace(placeholder, "")))
    return "the key schema may only contain letters, digits, _, - and . besides its placeholders";
  if (/^railway_/i.test(schema)) return "the key schema may not start with RAILWAY_: Railway reserves those names";
  return undefined;
}

/** The schema with the environment filled in; undefined (no schema) maps every name to itself. */
export function parse(schema: string | undefined, environment: string): KeySchema {
  if (schema === undefined) return { prefix: "", suffix: "" };
  const why = problem(schema);
  if (why) throw new Error(why);
  const filled = schema.split("{{environment}}").join(environment);
  const at = filled.indexOf("{{secretKey}}");
  return { prefix: filled.slice(0, at), suffix: filled.slice(at + "{{secretKey}}".length) };
}

export const toVariable = (schema: KeySchema, secretKey: string) => `${schema.prefix}${secretKey}${schema.suffix}`;

/** The secret a Railway variable stands for, or undefined when the name is outside the schema. */
export function toSecret(schema: KeySchema, variable: string): string | undefined {
  const { prefix, suffix } = schema;
  if (variable.length <= prefix.length + suffix.length) return undefined;
  if (!variable.startsWith(prefix) || !variable.endsWith(suffix)) return undefined;
  return variable.slice(prefix.length, variable.length - suffix.length);
}
