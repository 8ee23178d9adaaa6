import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Key } from "../secret/schema.ts";
import { parse, problem, toSecret, toVariable } from "./key-schema.ts";

const literal = fc.stringMatching(/^[A-Za-z0-9_.-]{0,8}$/);
const environment = fc.stringMatching(/^[a-z0-9]{1,6}(-[a-z0-9]{1,4})?$/);
/** A key schema a person may write: literals around `{{secretKey}}` once, `{{environment}}` anywhere or nowhere. */
const schema = fc
  .tuple(literal, fc.boolean(), literal, literal, fc.boolean(), literal)
  .map(([a, envBefore, b, c, envAfter, d]) =>
    [a, envBefore ? "{{environment}}" : "", b, "{{secretKey}}", c, envAfter ? "{{environment}}" : "", d].join(""),
  )
  .filter((s) => problem(s) === undefined);
const secretKey = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);

describe("key schemas, for any schema a person may write", () => {
  it("a secret's Railway name maps back to the secret", () => {
    fc.assert(
      fc.property(schema, environment, secretKey, (s, env, key) => {
        const k = parse(s, env);
        expect(toSecret(k, toVariable(k, key))).toBe(key);
      }),
      { numRuns: 500 },
    );
  });

  it("a Railway name is the sync's only if it is some secret's name under the schema", () => {
    fc.assert(
      fc.property(schema, environment, fc.string({ maxLength: 30 }), (s, env, variable) => {
        const k = parse(s, env);
        const secret = toSecret(k, variable);
        if (secret !== undefined) {
          expect(secret.length).toBeGreaterThan(0);
          expect(toVariable(k, secret)).toBe(variable);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("two secrets never share a Railway name", () => {
    fc.assert(
      fc.property(schema, environment, secretKey, secretKey, (s, env, a, b) => {
        fc.pre(a !== b);
        const k = parse(s, env);
        expect(toVariable(k, a)).not.toBe(toVariable(k, b));
      }),
      { numRuns: 300 },
    );
  });

  it("parse refuses exactly what problem names", () => {
    fc.assert(
      fc.property(fc.oneof(schema, fc.string({ maxLength: 40 })), environment, (s, env) => {
        if (problem(s) === undefined) expect(() => parse(s, env)).not.toThrow();
        else expect(() => parse(s, env)).toThrow(problem(s));
      }),
      { numRuns: 300 },
    );
  });

  it("without a schema every name is its own, and a secret key stays a valid key", () => {
    fc.assert(
      fc.property(secretKey, (key) => {
        const k = parse(undefined, "prod");
        expect(toVariable(k, key)).toBe(key);
        expect(Key.safeParse(toSecret(k, key)).success).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
