import { describe, expect, it } from "vitest";
import { parse, problem, toSecret, toVariable } from "./key-schema.ts";

describe("a key schema", () => {
  it.each([
    "{{secretKey}}",
    "APP_{{secretKey}}",
    "{{secretKey}}_V2",
    "{{environment}}_{{secretKey}}",
    "a.b-c_{{secretKey}}{{environment}}",
    `${"A".repeat(87)}{{secretKey}}`,
  ])("accepts %s", (schema) => {
    expect(problem(schema)).toBeUndefined();
  });

  it.each([
    ["", "exactly once"],
    ["APP_", "exactly once"],
    ["{{secretKey}}{{secretKey}}", "exactly once"],
    ["{{environment}}", "exactly once"],
    ["{{ secretKey }}", "not {{ secretKey }}"],
    ["{{secretkey}}", "not {{secretkey}}"],
    ["{{project}}_{{secretKey}}", "not {{project}}"],
    ["{{}}{{secretKey}}", "not {{}}"],
    ["APP {{secretKey}}", "letters, digits"],
    ["APP/{{secretKey}}", "letters, digits"],
    ["{{secretKey}}}", "letters, digits"],
    ["{{{secretKey}}", "letters, digits"],
    ["RAILWAY_{{secretKey}}", "RAILWAY_"],
    ["railway_{{secretKey}}", "RAILWAY_"],
    [`${"A".repeat(88)}{{secretKey}}`, "at most 100"],
  ])("refuses %s", (schema, why) => {
    expect(problem(schema)).toContain(why);
  });

  it("allows RAILWAY_ after the start", () => {
    expect(problem("X_RAILWAY_{{secretKey}}")).toBeUndefined();
  });

  it("maps names both ways with the environment filled in", () => {
    const schema = parse("{{environment}}_{{secretKey}}_{{environment}}", "prod");
    expect(schema).toEqual({ prefix: "prod_", suffix: "_prod" });
    expect(toVariable(schema, "DB")).toBe("prod_DB_prod");
    expect(toSecret(schema, "prod_DB_prod")).toBe("DB");
    expect(toSecret(schema, "prod_DB_dev")).toBeUndefined();
    expect(toSecret(schema, "dev_DB_prod")).toBeUndefined();
    expect(toSecret(schema, "prod__prod")).toBeUndefined();
    expect(toSecret(schema, "prod_prod")).toBeUndefined();
    expect(toSecret(schema, "prod_X_prod")).toBe("X");
  });

  it("without a schema maps every name to itself", () => {
    const schema = parse(undefined, "prod");
    expect(schema).toEqual({ prefix: "", suffix: "" });
    expect(toVariable(schema, "DB")).toBe("DB");
    expect(toSecret(schema, "DB")).toBe("DB");
    expect(toSecret(schema, "")).toBeUndefined();
  });

  it("refuses to parse an invalid schema", () => {
    expect(() => parse("APP_", "prod")).toThrow("exactly once");
  });
});
