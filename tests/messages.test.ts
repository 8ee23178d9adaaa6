import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { invalid, PageQuery } from "../functions/http/openapi.ts";

// openapi.ts sets zod's messages for the whole app; these are what a client is told.
const details = (schema: z.ZodMiniType, value: unknown) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`${JSON.stringify(value)} passed`);
  return invalid(result.error).details;
};

describe("validation messages say what was expected, in words", () => {
  it.each(["abc", "0", "1.5", "101", "", "-3"])("limit=%j: a whole number from 1 to 100", (limit) => {
    expect(details(PageQuery, { limit })).toEqual([{ path: "limit", message: "must be a whole number from 1 to 100" }]);
  });

  it("a limit within range passes, as a number", () => {
    expect(PageQuery.parse({ limit: "100" })).toEqual({ limit: 100 });
  });

  it("common rules of fields without their own message", () => {
    const schema = z.object({
      name: z.string().check(z.minLength(1), z.maxLength(5)),
      kind: z.enum(["a", "b"]),
      url: z.string().check(z.url()),
      id: z.uuid(),
      on: z.boolean(),
      tags: z.array(z.string()).check(z.maxLength(1)),
      count: z.number().check(z.minimum(2)),
      slug: z.string().check(z.regex(/^[a-z]+$/)),
    });
    const bad = { name: "toolong", kind: "c", url: "nope", id: "x", on: "yes", tags: ["a", "b"], count: 1, slug: "A" };
    expect(details(schema, bad)).toEqual([
      { path: "name", message: "must be at most 5 characters" },
      { path: "kind", message: 'must be one of "a", "b"' },
      { path: "url", message: "must be a URL" },
      { path: "id", message: "must be a UUID" },
      { path: "on", message: "must be true or false" },
      { path: "tags", message: "must be at most 1 item" },
      { path: "count", message: "must be at least 2" },
      { path: "slug", message: "must match the pattern /^[a-z]+$/" },
    ]);
    expect(details(schema, { ...bad, name: "" })?.[0]).toEqual({ path: "name", message: "must not be empty" });
    expect(details(z.object({ name: z.string() }), {})).toEqual([{ path: "name", message: "is required" }]);
    expect(details(z.strictObject({}), { extra: 1 })).toEqual([
      { path: "(body)", message: "has a field that is not allowed here: extra" },
    ]);
  });
});
