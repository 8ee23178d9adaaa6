import { invalidRequest } from "@app/core/error";
import * as Page from "@app/core/page";
import type { Hono, MiddlewareHandler } from "hono";
import { COMPOSED_HANDLER } from "hono/utils/constants";
import { validator } from "hono/validator";
import * as z from "zod/mini";
import { humanMessages } from "./messages.ts";

/**
 * Request validation and the OpenAPI document, both from the core's zod schemas: a route declares
 * `describe(...)` and one `valid(target, schema)` per part of the request, and the document is
 * read back from the routes the app has. zod/mini with zod's own JSON Schema output does what
 * @hono/zod-openapi did at a fifth of the bundle: that one needs all of classic zod (see README,
 * "Lambda bundles").
 */
z.config(humanMessages());

type Schema = z.ZodMiniType;
type Target = "json" | "query" | "param" | "header";
const location = { query: "query", param: "path", header: "header" } as const;
type Response = { description: string; content?: { "application/json": { schema: Schema } }; headers?: object };
export type Operation = { summary: string; responses: Record<number, Response> };

type Part = { target: "json"; schema: Schema } | { target: keyof typeof location; schema: Schema };
const declared = new WeakMap<object, Operation | Part>();

/** Turns a zod failure into an error that names each field and the rule it broke. */
export const invalid = (error: z.core.$ZodError) =>
  invalidRequest(error.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message })));

/** The route's summary and responses in the document; does nothing at request time. */
export const describe = (operation: Operation): MiddlewareHandler => {
  const middleware: MiddlewareHandler = (_c, next) => next();
  declared.set(middleware, operation);
  return middleware;
};

/**
 * The path of the first string (or key) in `value` that holds a lone UTF-16 surrogate, which no
 * UTF-8 can carry: stored, logged or hashed it would fail or silently become U+FFFD.
 */
export function illFormed(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === "string") return /\p{Cs}/u.test(value) ? path : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = /\p{Cs}/u.test(key) ? [...path, key] : illFormed(inner, [...path, key]);
    if (found) return found;
  }
}

/** Validates one part of the request (a 400 naming each field if it fails) and documents it. */
export const valid = <T extends Target, S extends Schema>(target: T, schema: S) => {
  const middleware = validator(target, (value) => {
    const bad = illFormed(value);
    if (bad) throw invalidRequest([{ path: bad.join(".") || "(body)", message: "is not well-formed Unicode" }]);
    const result = schema.safeParse(value);
    if (!result.success) throw invalid(result.error);
    return result.data as z.output<S>;
  });
  declared.set(middleware, { target, schema } as Part);
  return middleware;
};

export const json = <T extends Schema>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** What `errorBody` (status.ts) answers. */
export const ErrorBody = z
  .object({
    reqId: z.string().check(z.meta({ description: "The request's X-Request-Id" })),
    statusCode: z.int(),
    message: z.string(),
    error: z.string().check(z.meta({ description: "The status's name", example: "NotFound" })),
    code: z.string().check(z.meta({ description: "What went wrong, for programs", example: "not_found" })),
    details: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
  })
  .check(z.meta({ id: "Error" }));

/** `?cursor=&limit=` of every paginated list. */
const limit = { error: `must be a whole number from 1 to ${Page.Limit.max}` };
export const PageQuery = z.object({
  cursor: z.optional(
    z.string().check(z.maxLength(2048, "must be at most 2048 characters: pass back a nextCursor unchanged")),
  ),
  limit: z.optional(z.coerce.number(limit).check(z.int(limit), z.minimum(1, limit), z.maximum(Page.Limit.max, limit))),
});

type JSONSchema = z.core.JSONSchema.BaseSchema;

/** The OpenAPI 3.1 document of every route declared with `describe` and `valid` in `app`. */
export function document(app: Pick<Hono, "routes">, info: { title: string; version: string }) {
  const schemas: Record<string, JSONSchema> = {};
  const convert = (schema: Schema, io: "input" | "output") => {
    const { $schema, $defs, ...converted } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
    Object.assign(schemas, $defs);
    return converted;
  };
  const paths: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const route of app.routes) {
    const handler = (route.handler as { [COMPOSED_HANDLER]?: object })[COMPOSED_HANDLER] ?? route.handler;
    const part = declared.get(handler);
    if (!part) continue;
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const method = route.method.toLowerCase();
    paths[path] ??= {};
    paths[path][method] ??= {};
    const operation = paths[path][method];
    if (!("target" in part)) {
      operation.summary = part.summary;
      operation.responses = Object.fromEntries(
        Object.entries(part.responses).map(([status, { content, ...response }]) => {
          if (!content) return [status, response];
          const schema = convert(content["application/json"].schema, "output");
          return [status, { ...response, content: { "application/json": { schema } } }];
        }),
      );
    } else if (part.target === "json") {
      const schema = convert(part.schema, "input");
      operation.requestBody = { required: true, content: { "application/json": { schema } } };
    } else {
      // Path, query and header values arrive as strings; what they become (a number, say) is what they mean.
      const { properties = {}, required = [] } = convert(part.schema, "output");
      const parameters = Object.entries(properties).map(([name, schema]) => ({
        name,
        in: location[part.target],
        required: required.includes(name),
        schema,
      }));
      operation.parameters = [...((operation.parameters as object[] | undefined) ?? []), ...parameters];
    }
  }
  const doc = {
    openapi: "3.1.0",
    info,
    security: [{ apiKey: [] }],
    paths,
    components: { schemas, securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } },
  };
  return JSON.parse(JSON.stringify(doc).replaceAll('"#/$defs/', '"#/components/schemas/')) as typeof doc;
}
