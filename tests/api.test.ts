import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { describe, expect, it } from "vitest";
import { queueDepth, scan, sqs } from "./support/aws.ts";
import { type ErrorBody, errorBody } from "./support/errors.ts";
import { useStack } from "./support/stack.ts";

// No worker: whatever a request queues stays on the queue, where the tests can count it.
const ctx = useStack({ worker: false });
const base = "/api/v1/app-connections/railway";
const valid = { name: "valid-name", method: "team-token", credentials: { apiToken: "a-railway-token-value" } };

const stored = async () => (await scan(ctx.stack.resources.Table.name)).filter((i) => i.type !== "apikey");
const queued = () => queueDepth(ctx.stack.resources.VerifyQueue.url ?? "");

/** Sends a bad request and checks it was refused with a JSON error and left no trace. */
async function refused(init: Parameters<typeof ctx.api>[1], status: number) {
  const before = { items: (await stored()).length, queued: await queued() };
  const res = await ctx.api(base, init);
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.headers.get("x-request-id")).toBeTruthy();
  const body = (await res.json()) as ErrorBody;
  expect(body).toMatchObject({ reqId: res.headers.get("x-request-id"), statusCode: status });
  expect(body.code).toBeTruthy();
  expect((await stored()).length).toBe(before.items);
  expect(await queued()).toBe(before.queued);
  return body;
}

describe("authentication", () => {
  it("refuses a request without a key", async () => {
    const error = await refused({ json: valid, auth: null }, 401);
    expect(error).toMatchObject({ code: "unauthenticated", message: expect.stringContaining("Authorization: Bearer") });
  });

  it("refuses a wrong key, and a right key sent without the Bearer scheme", async () => {
    await refused({ json: valid, auth: "rwc_not-a-key" }, 401);
    const res = await ctx.api(`${base}/${crypto.randomUUID()}`, {
      auth: null,
      headers: { authorization: ctx.stack.apiKey },
    });
    expect(res.status).toBe(401);
  });

  it("stores keys only as hashes", async () => {
    const items = await scan(ctx.stack.resources.Table.name);
    const keys = items.filter((i) => i.type === "apikey");
    expect(keys.length).toBeGreaterThan(0);
    expect(JSON.stringify(items)).not.toContain(ctx.stack.apiKey);
  });

  it("another org's connection is a 404 that tells nothing about it", async () => {
    const res = await ctx.api(base, { json: { ...valid, name: "org-a-secret-name" } });
    expect(res.status).toBe(202);
    const { appConnection } = (await res.json()) as { appConnection: { id: string; orgId: string } };
    expect(appConnection.orgId).toBe(ctx.stack.orgId);

    const ApiKey = await import("@app/core/apikey");
    const other = await ApiKey.create({ name: "org b" });
    expect(other.orgId).not.toBe(ctx.stack.orgId);
    const theirs = await ctx.api(`${base}/${appConnection.id}`, { auth: other.secret });
    expect(theirs.status).toBe(404);
    expect(await theirs.text()).not.toContain("org-a-secret-name");
    const mine = await ctx.api(`${base}/${appConnection.id}`);
    expect(mine.status).toBe(200);

    // The same name is free in another org.
    const again = await ctx.api(base, { json: { ...valid, name: "org-a-secret-name" }, auth: other.secret });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { appConnection: { orgId: string } }).appConnection.orgId).toBe(other.orgId);
  });

  it("an id that is not a UUID is a 404, not a 500", async () => {
    const res = await ctx.api(`${base}/not-a-uuid`);
    expect(res.status).toBe(404);
  });
});

describe("bad input is refused with a message naming the field and the rule", () => {
  it.each([
    ["an unknown method", { ...valid, method: "password" }, "method", /team-token/],
    [
      "a token over 255 characters",
      { ...valid, credentials: { apiToken: "x".repeat(256) } },
      "credentials.apiToken",
      /255/,
    ],
    [
      "a token of blanks only",
      { ...valid, credentials: { apiToken: "   " } },
      "credentials.apiToken",
      /must not be empty/,
    ],
    [
      "a token with a line break inside (it could never be sent in a header)",
      { ...valid, credentials: { apiToken: "abc\ndef" } },
      "credentials.apiToken",
      /visible ASCII/,
    ],
    ["no credentials", { name: "x", method: "team-token" }, "credentials", /is required/],
    ["a name that is not a slug", { ...valid, name: "My Connection" }, "name", /slug/],
    ["a name over 32 characters", { ...valid, name: "a".repeat(33) }, "name", /32/],
    ["a description over 256 characters", { ...valid, description: "d".repeat(257) }, "description", /256/],
    ["a projectId that is not a UUID", { ...valid, projectId: "prod" }, "projectId", /UUID/i],
    [
      "platform-managed credentials",
      { ...valid, isPlatformManagedCredentials: true },
      "isPlatformManagedCredentials",
      /cannot use platform-managed/,
    ],
  ])("%s", async (_, body, path, rule) => {
    const error = await refused({ json: body }, 400);
    expect(error.code).toBe("validation_failed");
    const detail = error.details?.find((d) => d.path === path);
    expect(detail?.message).toMatch(rule);
    expect(error.message).toContain(path);
  });

  it("never echoes the token it refuses", async () => {
    const token = `tok-${"z".repeat(300)}`;
    const res = await ctx.api(base, { json: { ...valid, name: "BAD NAME", credentials: { apiToken: token } } });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("credentials.apiToken");
    expect(text).not.toContain("zzzzzzzzzz");
    expect(ctx.output.join("")).not.toContain("zzzzzzzzzz");
  });

  it("malformed JSON", async () => {
    const error = await refused(
      { method: "POST", headers: { "content-type": "application/json" }, body: '{"name": ' },
      400,
    );
    expect(error).toMatchObject({ code: "malformed_json", message: expect.stringMatching(/JSON/) });
  });

  it("a body that is not sent as JSON", async () => {
    const error = await refused(
      { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(valid) },
      415,
    );
    expect(error.message).toContain("Content-Type: application/json");
  });

  it("a JSON body that is not an object", async () => {
    const error = await refused({ json: ["not", "an", "object"] }, 400);
    expect(error.code).toBe("validation_failed");
  });

  it("a duplicate name in the same project is a 409 with the prior art's message, and a second project may reuse it", async () => {
    const projectId = crypto.randomUUID();
    const first = await ctx.api(base, { json: { ...valid, name: "taken", projectId } });
    expect(first.status).toBe(202);
    const error = await refused({ json: { ...valid, name: "taken", projectId } }, 409);
    expect(error.message).toBe('An App Connection with the name "taken" already exists');
    const elsewhere = await ctx.api(base, { json: { ...valid, name: "taken", projectId: crypto.randomUUID() } });
    expect(elsewhere.status).toBe(202);
  });

  // Found by schemathesis: both were a bare 404 / a bare Node 431 before.
  it("a method a known path does not take is a JSON 405 with Allow", async () => {
    const res = await ctx.api(`${base}/${crypto.randomUUID()}`, { method: "PUT", json: valid });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, PATCH, DELETE");
    expect(((await res.json()) as ErrorBody).code).toBe("method_not_allowed");
    const available = await ctx.api(`${base}/available`, { method: "PUT", json: valid });
    expect(available.status).toBe(405);
    expect(available.headers.get("allow")).toBe("GET");
  });

  it("a query string too long for its schema is the API's 400, not the server's 431", async () => {
    const res = await ctx.api(`${base}?cursor=${"%F0%9F%98%80".repeat(2100)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).details?.[0]?.path).toBe("cursor");
  });

  it("an unknown route is a JSON 404", async () => {
    const res = await ctx.api("/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).code).toBe("route_not_found");
  });
});

describe("every error answer is the prior art's body, its reqId the X-Request-Id", () => {
  const post = (json: unknown, headers: Record<string, string> = {}, auth?: string) =>
    ctx.api(base, { json, headers, auth });
  const limitedKey = async () => {
    const ApiKey = await import("@app/core/apikey");
    return (await ApiKey.create({ name: "limited", orgId: ctx.stack.orgId, projectIds: [crypto.randomUUID()] })).secret;
  };

  it.each([
    [400, "validation_failed", () => post({ ...valid, name: "Not A Slug" })],
    [
      400,
      "malformed_json",
      () => ctx.api(base, { method: "POST", headers: { "content-type": "application/json" }, body: "{" }),
    ],
    [401, "unauthenticated", () => post(valid, {}, "rwc_not-a-key")],
    [403, "project_forbidden", async () => post({ ...valid, projectId: crypto.randomUUID() }, {}, await limitedKey())],
    [404, "not_found", () => ctx.api(`${base}/${crypto.randomUUID()}`)],
    [404, "route_not_found", () => ctx.api("/api/v1/nothing-here")],
    [405, "method_not_allowed", () => ctx.api(`${base}/available`, { method: "PUT" })],
    [
      415,
      "unsupported_media_type",
      () => ctx.api(base, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" }),
    ],
  ] as const)("%i %s", async (status, code, send) => {
    const body = await errorBody(await send(), status, code);
    if (code === "validation_failed")
      expect(body.details).toContainEqual({ path: "name", message: expect.stringMatching(/slug/) });
    else expect(body.details).toBeUndefined();
  });

  it("409: a duplicate name, with the words clients match on", async () => {
    const json = { ...valid, name: `dup-${crypto.randomUUID().slice(0, 8)}` };
    expect((await post(json)).status).toBe(202);
    const body = await errorBody(await post(json), 409, "name_taken");
    expect(body.message).toBe(`An App Connection with the name "${json.name}" already exists`);
  });

  it("422: an Idempotency-Key reused with another body", async () => {
    const headers = { "idempotency-key": crypto.randomUUID() };
    expect((await post({ ...valid, name: `idem-${crypto.randomUUID().slice(0, 8)}` }, headers)).status).toBe(202);
    await errorBody(
      await post({ ...valid, name: `other-${crypto.randomUUID().slice(0, 8)}` }, headers),
      422,
      "idempotency_key_reused",
    );
  });

  it("500: an unexpected error says only the request id, never what was thrown", async () => {
    const { onError } = await import("../functions/api/app.ts");
    const broken = new Hono()
      .use(requestId({ headerName: "X-Request-Id" }))
      .get("/boom", () => {
        throw new Error("secret-detail-of-the-failure");
      })
      .onError(onError);
    const res = await broken.request("/boom");
    const text = await res.clone().text();
    const body = await errorBody(res, 500, "internal_error");
    expect(body.message).toBe(`Internal error (request id ${body.reqId})`);
    expect(text).not.toContain("secret-detail");
  });

  // Takes the verification queue away, then puts it back as it was (the /health test below sees it).
  it("503: the verification queue is unavailable, and nothing is stored", async () => {
    const QueueUrl = ctx.stack.resources.VerifyQueue.url ?? "";
    const { Attributes } = await sqs().send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["VisibilityTimeout", "RedrivePolicy"] }),
    );
    const before = (await stored()).length;
    await sqs().send(new DeleteQueueCommand({ QueueUrl }));
    try {
      await errorBody(await post({ ...valid, name: `q-${crypto.randomUUID().slice(0, 8)}` }), 503, "queue_unavailable");
      expect((await stored()).length).toBe(before);
    } finally {
      await sqs().send(new CreateQueueCommand({ QueueName: QueueUrl.split("/").pop(), Attributes }));
    }
  });
});

const secretsDocument = async () => {
  const res = await ctx.api("/openapi/secrets.json", { auth: null });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};

describe("service documents", () => {
  it("/health reports each dependency without a key", async () => {
    const res = await ctx.api("/health", { auth: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", checks: { table: "ok", queue: "ok", key: "ok" } });
  });

  it("/openapi.json is a valid OpenAPI 3.1 document listing every route, from the schemas that validate", async () => {
    const res = await ctx.api("/openapi.json", { auth: null });
    const doc = (await res.json()) as any;
    const { Validator } = await import("@seriousme/openapi-schema-validator");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const base = "/api/v1/app-connections/railway";
    expect(routes.sort()).toEqual(
      [
        `POST ${base}`,
        `GET ${base}`,
        `GET ${base}/available`,
        `GET ${base}/connection-name/{connectionName}`,
        `GET ${base}/{connectionId}`,
        `PATCH ${base}/{connectionId}`,
        `DELETE ${base}/{connectionId}`,
        `GET ${base}/{connectionId}/projects`,
        `POST ${base}/{connectionId}/verify`,
        "GET /api/v1/app-connections",
        "GET /api/v1/app-connections/options",
        "GET /api/v1/audit-logs",
        "POST /api/v1/webhooks",
        "GET /api/v1/webhooks",
        "GET /api/v1/webhooks/{webhookId}",
        "PATCH /api/v1/webhooks/{webhookId}",
        "DELETE /api/v1/webhooks/{webhookId}",
        "POST /api/v1/webhooks/{webhookId}/rotate-secret",
        "GET /api/v1/webhooks/{webhookId}/deliveries",
        "POST /api/v1/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
      ].sort(),
    );
    const create = doc.components.schemas.CreateRailwayConnection;
    expect(create.properties.method.enum).toEqual(["team-token", "account-token", "project-token"]);
    expect(create.properties.credentials.properties.apiToken.maxLength).toBe(255);
    expect(create.properties.name.example).toBe("my-railway-connection");
    expect(Object.keys(doc.components.schemas.Error.properties).sort()).toEqual(
      ["reqId", "statusCode", "message", "error", "code", "details"].sort(),
    );
    const available = doc.paths[`${base}/available`].get;
    expect(available.parameters.map((p: { name: string }) => p.name)).toEqual(["projectId"]);
  });

  it("/openapi/secrets.json is a valid OpenAPI 3.1 document of every JSON route of the secrets function", async () => {
    const doc = await secretsDocument();
    const { Validator } = await import("@seriousme/openapi-schema-validator");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    // What the function serves under /api (its console pages are HTML; `/api/*` is middleware),
    // read from its app, so that a route without describe(...) fails here.
    const { app } = await import("../functions/secrets/app.ts");
    const served = new Set(
      app.routes
        .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/") && !r.path.includes("*"))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    expect(served.size).toBe(27);
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops as Record<string, any>).map(([method, op]) => ({
        route: `${method.toUpperCase()} ${path}`,
        op,
      })),
    );
    expect(operations.map((o) => o.route).sort()).toEqual([...served].sort());
    for (const { route, op } of operations) {
      expect(op.summary, route).toEqual(expect.any(String));
      expect(op.responses[200].content["application/json"].schema, route).toBeDefined();
      for (const [status, response] of Object.entries(op.responses as Record<string, any>))
        if (status !== "200")
          expect(response.content["application/json"].schema, `${route} ${status}`).toEqual({
            $ref: "#/components/schemas/Error",
          });
      for (const name of route.match(/\{(\w+)\}/g) ?? [])
        expect(
          op.parameters.map((p: { name: string; in: string }) => `${p.in} {${p.name}}`),
          route,
        ).toContain(`path ${name}`);
      // The sign-in routes take their credentials in the body, not an API key.
      expect(op.security, route).toEqual(route.includes(" /api/v1/auth/") ? [] : undefined);
    }
    // The fields the README lists for a secret.
    expect(Object.keys(doc.components.schemas.Secret.properties)).toEqual(
      "id _id workspace workspaceId environment version type secretKey secretValue secretValueHidden secretComment secretPath isRotatedSecret tags createdAt updatedAt".split(
        " ",
      ),
    );
  });

  it("the secrets function's answers are what its document says", async () => {
    const doc = await secretsDocument();
    const { Ajv2020 } = await import("ajv/dist/2020.js");
    const { default: addFormats } = await import("ajv-formats");
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    /** Sends the request and checks the answer against the schema documented for its status. */
    const answers = async (method: string, path: string, init: Parameters<typeof ctx.api>[1], status: number) => {
      const res = await ctx.api(path, { method, ...init });
      expect(res.status, `${method} ${path}`).toBe(status);
      const route = path.replace(/\?.*/, "");
      const documented = Object.keys(doc.paths).find((p) =>
        new RegExp(`^${p.replace(/\{\w+\}/g, "[^/]+")}$`).test(route),
      );
      const schema =
        doc.paths[documented ?? ""]?.[method.toLowerCase()]?.responses[status]?.content["application/json"].schema;
      expect(schema, `${method} ${documented} ${status} is documented`).toBeDefined();
      const body = await res.json();
      const validate = ajv.compile({ ...schema, components: doc.components });
      expect(validate(body) ? [] : validate.errors, `${method} ${path}`).toEqual([]);
      return body as any;
    };
    const projectId = crypto.randomUUID();
    const where = { workspaceId: projectId, environment: "dev" };
    await answers("POST", "/api/v3/secrets/raw/DOCUMENTED", { json: { ...where, secretValue: "v1" } }, 200);
    await answers("PATCH", "/api/v3/secrets/raw/DOCUMENTED", { json: { ...where, secretComment: "c" } }, 200);
    await answers("GET", `/api/v3/secrets/raw?workspaceId=${projectId}&environment=dev&viewSecretValue=false`, {}, 200);
    await answers("GET", `/api/v3/secrets/raw/NOT_THERE?workspaceId=${projectId}&environment=dev`, {}, 404);
    await answers(
      "POST",
      "/api/v3/secrets/batch/raw",
      { json: { ...where, secrets: [{ secretKey: "B", secretValue: "b" }] } },
      200,
    );
    await answers("DELETE", "/api/v3/secrets/batch/raw", { json: { ...where, secrets: [{ secretKey: "B" }] } }, 200);
    const connection = await ctx.api(base, { json: { ...valid, name: "documented", projectId } });
    const { appConnection } = (await connection.json()) as { appConnection: { id: string } };
    const sync = await answers(
      "POST",
      "/api/v1/secret-syncs/railway",
      {
        json: {
          name: "documented",
          projectId,
          connectionId: appConnection.id,
          environment: "dev",
          secretPath: "/",
          syncOptions: { initialSyncBehavior: "overwrite-destination" },
          destinationConfig: { projectId: "p", environmentId: "e" },
        },
      },
      200,
    );
    await answers("GET", `/api/v1/secret-syncs/railway/${sync.secretSync.id}`, {}, 200);
    await answers("GET", `/api/v1/secret-syncs?projectId=${projectId}`, {}, 200);
    await answers("GET", "/api/v1/secret-syncs/options", {}, 200);
    await answers("GET", `/api/v1/secret-syncs/railway/${crypto.randomUUID()}`, {}, 404);
    const { clientId, clientSecret } = ctx.stack.client;
    await answers("POST", "/api/v1/auth/universal-auth/login", { auth: null, json: { clientId, clientSecret } }, 200);
  });

  it("/docs serves the interactive reference for both documents", async () => {
    const res = await ctx.api("/docs", { auth: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!DOCTYPE html>/);
    const attribute = html.match(/<script id="api-reference" data-configuration="([^"]+)"/)?.[1] ?? "";
    const configuration = JSON.parse(attribute.replaceAll("&quot;", '"'));
    expect(configuration.sources.map((s: { url: string }) => s.url)).toEqual([
      "/openapi.json",
      "/openapi/secrets.json",
    ]);
    for (const { url } of configuration.sources) {
      const doc = await ctx.api(url, { auth: null });
      expect(doc.status, url).toBe(200);
      expect(await doc.json(), url).toMatchObject({ openapi: "3.1.0" });
    }
    // The local run serves the reference's script itself (deployed: jsDelivr, tests/docs.test.ts),
    // and the browser checks it (SRI).
    const script = html.match(/<script src="([^"]+)" integrity="sha384-[A-Za-z0-9+/]{64}"/)?.[1];
    expect(script).toBe("/docs/scalar-standalone.js");
    const js = await ctx.api(script ?? "", { auth: null });
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
  });
});
