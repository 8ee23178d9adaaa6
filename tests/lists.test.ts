import { randomUUID } from "node:crypto";
import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { queueDepth, scan } from "./support/aws.ts";
import { ConsoleClient } from "./support/console.ts";
import { useStack } from "./support/stack.ts";

/**
 * Lists under adversarial input: filters that match little, made-up cursors, and text that is
 * not well-formed Unicode. The cost of a list is counted in the DynamoDB queries the API makes
 * (an SDK middleware on the core's own client), not timed.
 */
const ctx = useStack({ worker: false });
const base = "/api/v1/app-connections/railway";
const valid = { name: "lists", method: "team-token", credentials: { apiToken: "a-railway-token-value" } };

let Page: typeof import("@app/core/page");
let ApiKey: typeof import("@app/core/apikey");
/** The input of every Query sent since the last `counted` call. */
let queries: unknown[] = [];

beforeAll(async () => {
  Page = await import("@app/core/page");
  ApiKey = await import("@app/core/apikey");
  const Dynamo = await import("@app/core/dynamo");
  Dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "QueryCommand") queries.push(args.input);
      return next(args);
    },
    { step: "initialize", name: "countQueries" },
  );
});

/** GETs `path` and counts the queries it made of one partition (other orgs' background work aside). */
async function counted(path: string, partition: string, auth?: string) {
  queries = [];
  const res = await ctx.api(path, { auth });
  const body = (await res.json()) as any;
  return { status: res.status, body, queries: queries.filter((q) => JSON.stringify(q).includes(partition)).length };
}

describe("a filtered list reads a bounded number of DynamoDB pages per request", () => {
  const entries = 450;
  /** Newest-first positions of the entries of one connection: three in a row, and one far behind. */
  const positions = [50, 51, 52, 300];
  const target = randomUUID();
  const ids: string[] = [];
  let org: { orgId: string; secret: string };

  beforeAll(async () => {
    org = await ApiKey.create({ name: "busy org" });
    const Audit = await import("@app/core/audit");
    const Dynamo = await import("@app/core/dynamo");
    const start = Date.parse("2026-01-01T00:00:00.000Z");
    const items = Array.from({ length: entries }, (_, i) =>
      Audit.item({
        orgId: org.orgId,
        action: "app-connection.updated",
        actor: { type: "api-key", keyId: "seed" },
        connectionId: positions.includes(i) ? target : randomUUID(),
        projectId: null,
        details: {},
        at: new Date(start + (entries - i) * 1000).toISOString(),
      }),
    );
    for (const i of positions) ids.push(items[i]!.id);
    for (let i = 0; i < items.length; i += 25)
      await Dynamo.client.send(
        new BatchWriteCommand({
          RequestItems: { [Dynamo.table()]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
  });

  const audit = (query: string, auth = org.secret) => counted(`/api/v1/audit-logs?${query}`, `ORG#${org.orgId}`, auth);

  it("?limit=1 with a connection that has no entries: a short page and a cursor, not a query per entry", async () => {
    const first = await audit(`limit=1&connectionId=${randomUUID()}`);
    expect(first.status).toBe(200);
    expect(first.body.auditLogs).toEqual([]);
    expect(first.queries).toBe(Page.Reads);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    // The rest of the log: 49 entries after the 401 read, in one read of Page.Limit.max after the first.
    const rest = await audit(`limit=1&connectionId=${randomUUID()}&cursor=${first.body.nextCursor}`);
    expect(rest.status).toBe(200);
    expect(rest.body).toEqual({ auditLogs: [], nextCursor: null });
    expect(rest.queries).toBe(2);
  });

  it("walking a sparse filter returns each match once, newest first, in bounded requests", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let requests = 0;
    do {
      const page = await audit(`limit=2&connectionId=${target}${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.queries).toBeLessThanOrEqual(Page.Reads);
      expect(page.body.auditLogs.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.auditLogs.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
      requests++;
    } while (cursor && requests < 20);
    expect(cursor).toBeNull();
    expect(seen).toEqual(ids);
  });

  it("a key limited to a project with no entries reads the plain log in bounded requests", async () => {
    const limited = await ApiKey.create({ name: "limited", orgId: org.orgId, projectIds: [randomUUID()] });
    const page = await audit("limit=1", limited.secret);
    expect(page.status).toBe(200);
    expect(page.body.auditLogs).toEqual([]);
    expect(page.queries).toBe(Page.Reads);
  });

  describe("connections", () => {
    let owner: { orgId: string; secret: string };
    const made: string[] = [];

    beforeAll(async () => {
      owner = await ApiKey.create({ name: "many connections" });
      for (let i = 0; i < 12; i++) {
        const res = await ctx.api(base, { json: { ...valid, name: `conn-${i}` }, auth: owner.secret });
        expect(res.status).toBe(202);
        made.unshift(((await res.json()) as any).appConnection.id);
      }
    });

    const list = (query: string, auth = owner.secret) =>
      counted(`${base}?${query}`, `ORG#${owner.orgId}#CONNECTIONS`, auth);

    it("?limit=1&projectId=<a project with none> reads the index a bounded number of times", async () => {
      const page = await list(`limit=1&projectId=${randomUUID()}`);
      expect(page.status).toBe(200);
      expect(page.body).toEqual({ appConnections: [], nextCursor: null });
      // One read of `limit` items, then one of Page.Limit.max that reaches the end.
      expect(page.queries).toBe(2);
    });

    it("a key limited to a project with no connections lists them in bounded requests", async () => {
      const limited = await ApiKey.create({ name: "limited", orgId: owner.orgId, projectIds: [randomUUID()] });
      const page = await list("limit=1", limited.secret);
      expect(page.status).toBe(200);
      expect(page.body.appConnections).toEqual([]);
      expect(page.queries).toBeLessThanOrEqual(2);
    });

    it("an unfiltered page is one query, and its cursors walk every connection once", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`limit=5${cursor ? `&cursor=${cursor}` : ""}`);
        expect(page.queries).toBe(1);
        seen.push(...page.body.appConnections.map((c: { id: string }) => c.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(made);
    });
  });
});

describe("a cursor the API did not make is a 400 on every paged route", () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  let webhookId: string;
  let routes: Record<string, { path: string; scope: string }>;
  const browser = () => new ConsoleClient(ctx.stack.url);

  beforeAll(async () => {
    const res = await ctx.api("/api/v1/webhooks", { json: { url: "http://127.0.0.1:9/hook", enabled: false } });
    expect(res.status).toBe(201);
    webhookId = ((await res.json()) as any).webhook.id;
    const org = `ORG#${ctx.stack.orgId}`;
    routes = {
      connections: { path: `${base}?cursor=`, scope: `${org}#CONNECTIONS` },
      "audit log": { path: "/api/v1/audit-logs?cursor=", scope: org },
      "webhook deliveries": { path: `/api/v1/webhooks/${webhookId}/deliveries?cursor=`, scope: `${org}#${webhookId}` },
    };
  });

  /** Yesterday's format, unsigned, with the right scope: what an attacker can make. */
  const forgeries = (scope: string, pk: string) => [
    encode({ scope, key: {} }),
    encode({ scope, key: { pk: 5 } }),
    encode({ scope, key: [] }),
    encode({ scope, key: { pk, sk: "ZZZ" } }),
    `${encode({ pk, sk: "ZZZ" })}.${"A".repeat(43)}`,
    "not-a-cursor",
  ];

  it.each(["connections", "audit log", "webhook deliveries"])("%s", async (route) => {
    const { path, scope } = routes[route]!;
    for (const cursor of forgeries(scope, `ORG#${ctx.stack.orgId}`)) {
      const res = await ctx.api(`${path}${cursor}`);
      expect(res.status, cursor).toBe(400);
      expect((await res.json()) as any).toMatchObject({ code: "invalid_cursor", error: "BadRequest" });
    }
  });

  it("the console's list page", async () => {
    const client = browser();
    await client.signIn(ctx.stack.apiKey);
    for (const cursor of forgeries(`ORG#${ctx.stack.orgId}#CONNECTIONS`, `ORG#${ctx.stack.orgId}`)) {
      const res = await client.get(`/console?cursor=${cursor}`);
      expect(res.status, cursor).toBe(400);
      expect(res.html).toContain("not a cursor this API returned for this list");
    }
  });

  it("a real cursor works only on its own list, and not once altered", async () => {
    for (let i = 0; i < 3; i++)
      expect((await ctx.api(base, { json: { ...valid, name: `paged-${i}` } })).status).toBe(202);
    const first = (await (await ctx.api(`${base}?limit=1`)).json()) as any;
    const cursor: string = first.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    expect((await ctx.api(`${base}?limit=1&cursor=${cursor}`)).status).toBe(200);
    const client = browser();
    await client.signIn(ctx.stack.apiKey);
    expect((await client.get(`/console?cursor=${cursor}`)).status).toBe(200);

    expect((await ctx.api(`/api/v1/audit-logs?cursor=${cursor}`)).status).toBe(400);
    expect((await ctx.api(`/api/v1/webhooks/${webhookId}/deliveries?cursor=${cursor}`)).status).toBe(400);
    const other = await ApiKey.create({ name: "other org" });
    expect((await ctx.api(`${base}?cursor=${cursor}`, { auth: other.secret })).status).toBe(400);

    const [payload, mac] = cursor.split(".");
    const key = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const moved = encode({ ...key, gsi1sk: "ZZZ" });
    expect((await ctx.api(`${base}?cursor=${moved}.${mac}`)).status).toBe(400);
  });
});

describe("text that is not well-formed Unicode is a 400 naming the field, and changes nothing", () => {
  const lone = "\ud800";
  // What a request could change; the outbox drains and sessions come and go on their own meanwhile.
  const stored = async () =>
    (await scan(ctx.stack.resources.Table.name)).filter(
      (i) => !["apikey", "session", "webhook-event", "webhook-delivery"].includes(i.type),
    );
  const queued = () => queueDepth(ctx.stack.resources.VerifyQueue.url ?? "");

  /** Sends `init` to `path`, expects a 400 naming `field`, and that the table and the queue are as they were. */
  async function refused(path: string, init: Parameters<typeof ctx.api>[1], field: string) {
    const before = { items: JSON.stringify(await stored()), queued: await queued() };
    const res = await ctx.api(path, init);
    expect(res.status).toBe(400);
    const error = (await res.json()) as any;
    expect(error.code).toBe("validation_failed");
    expect(error.details).toEqual([{ path: field, message: expect.stringContaining("Unicode") }]);
    expect(JSON.stringify(await stored())).toBe(before.items);
    expect(await queued()).toBe(before.queued);
  }

  it("creating a connection", async () => {
    await refused(base, { json: { ...valid, name: "lone-surrogate", description: `a${lone}b` } }, "description");
    await refused(
      base,
      { json: { ...valid, name: "lone-token", credentials: { apiToken: `tok\udc00en` } } },
      "credentials.apiToken",
    );
  });

  it("updating a connection", async () => {
    const res = await ctx.api(base, { json: { ...valid, name: "surrogate-update" } });
    const { id } = ((await res.json()) as any).appConnection;
    await refused(`${base}/${id}`, { method: "PATCH", json: { description: lone } }, "description");
    await refused(
      `${base}/${id}`,
      { method: "PATCH", json: { name: "renamed", description: `x${lone}` } },
      "description",
    );
  });

  it("creating a webhook endpoint", async () => {
    await refused(
      "/api/v1/webhooks",
      { json: { url: "http://127.0.0.1:9/hook", enabled: false, description: lone } },
      "description",
    );
  });

  it("updating a webhook endpoint", async () => {
    const res = await ctx.api("/api/v1/webhooks", { json: { url: "http://127.0.0.1:9/hook", enabled: false } });
    const { id } = ((await res.json()) as any).webhook;
    await refused(`/api/v1/webhooks/${id}`, { method: "PATCH", json: { description: lone } }, "description");
    await refused(
      `/api/v1/webhooks/${id}`,
      { method: "PATCH", json: { enabled: false, description: `${lone}!` } },
      "description",
    );
  });

  it("a well-formed pair of surrogates (an emoji) is fine", async () => {
    const res = await ctx.api(base, { json: { ...valid, name: "emoji", description: "rocket \ud83d\ude80" } });
    expect(res.status).toBe(202);
    expect(((await res.json()) as any).appConnection.description).toBe("rocket 🚀");
  });
});
