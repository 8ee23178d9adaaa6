// The boundaries users rely on, each at its edge: one environment's data key, a token's lifetime
// from its login, more names than one transaction holds, several environments in one stream
// batch, a relay that died holding an event, and versions that do not exist.
import { randomUUID } from "node:crypto";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { dynamo, scan } from "./support/aws.ts";
import { connect } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Json = Record<string, any>;

const table = () => ctx.stack.resources.Table.name;
const write = (projectId: string, environment: string, secrets: Record<string, string>, secretPath = "/") =>
  ctx.api("/api/v3/secrets/batch/raw", {
    json: {
      workspaceId: projectId,
      environment,
      secretPath,
      secrets: Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
    },
  });
const listed = async (projectId: string, environment: string, secretPath = "/") => {
  const q = new URLSearchParams({ workspaceId: projectId, environment, secretPath, expandSecretReferences: "false" });
  const res = await ctx.api(`/api/v3/secrets/raw?${q}`);
  expect(res.status).toBe(200);
  const { secrets } = (await res.json()) as { secrets: Json[] };
  return Object.fromEntries(secrets.map((s) => [s.secretKey, s.secretValue]));
};

/** A Railway project with `services` services, and a verified connection of a new project to it. */
async function railwayProject(services: number, environments = ["production"]) {
  const team = ctx.railway.addWorkspace(ctx.railway.addUser({ name: "Ada" }).id, { name: "Team" });
  const app = ctx.railway.addProject(team.id, {
    environments,
    services: Array.from({ length: services }, (_, i) => `svc-${i}`),
  });
  const projectId = randomUUID();
  const appConnection = { id: await connect(ctx, team.workspaceToken, projectId, `c-${projectId.slice(0, 8)}`) };
  const scope = (service = 0, env = 0) => ({
    projectId: app.id,
    environmentId: app.environments[env]?.id ?? "",
    serviceId: app.services[service]?.id ?? "",
  });
  return { projectId, connectionId: appConnection.id as string, scope };
}

async function createSync(body: Json) {
  const res = await ctx.api("/api/v1/secret-syncs/railway", {
    json: { name: `s-${randomUUID().slice(0, 8)}`, secretPath: "/", ...body },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as Json).secretSync as Json;
}

const syncSettled = (id: string, field = "syncStatus") =>
  until(async () => {
    const s = ((await (await ctx.api(`/api/v1/secret-syncs/railway/${id}`)).json()) as Json).secretSync;
    return s[field] === "succeeded" || s[field] === "failed" ? s : undefined;
  }, 60_000);

describe("data keys", () => {
  it("each environment has its own wrapped data key, and its secrets open only with it", async () => {
    const projectId = randomUUID();
    expect((await write(projectId, "dev", { SAME_NAME: "dev-value" })).status).toBe(200);
    expect((await write(projectId, "prod", { SAME_NAME: "prod-value" })).status).toBe(200);

    const items = await scan(table());
    const partition = (env: string) => `SECRETS#${ctx.stack.orgId}#${projectId}#${env}`;
    const keyItem = (env: string) => items.find((i) => i.pk === partition(env) && i.sk === "DATAKEY");
    const secretItem = (env: string) => items.find((i) => i.pk === partition(env) && i.type === "secret");
    const [devKey, prodKey] = [keyItem("dev"), keyItem("prod")];
    expect(devKey?.wrapped).toBeDefined();
    expect(prodKey?.wrapped).toBeDefined();
    expect(Buffer.from(devKey?.wrapped).equals(Buffer.from(prodKey?.wrapped))).toBe(false);
    // One data key per environment, nothing else stored in the clear.
    expect(
      items.filter((i) => String(i.pk).startsWith(`SECRETS#${ctx.stack.orgId}#${projectId}#`) && i.sk === "DATAKEY"),
    ).toHaveLength(2);
    expect(JSON.stringify(items)).not.toContain("dev-value");

    const Envelope = await import("../packages/core/src/crypto/envelope.ts");
    const Crypto = await import("@app/core/crypto");
    const { aad } = await import("../packages/core/src/secret/item.ts");
    const context = (env: string) => Crypto.secretsContext(ctx.stack.orgId, projectId, env);
    const dev = await Envelope.unwrap(devKey?.wrapped, context("dev"));
    const prod = await Envelope.unwrap(prodKey?.wrapped, context("prod"));
    expect(Buffer.from(dev).equals(Buffer.from(prod))).toBe(false);
    // KMS unwraps a data key only under its own environment's encryption context.
    await expect(Envelope.unwrap(devKey?.wrapped, context("prod"))).rejects.toThrow();

    const devSecret = secretItem("dev") as Json;
    const where = (env: string) => ({ orgId: ctx.stack.orgId, projectId, environment: env });
    expect(Envelope.open(dev, devSecret.value, aad(where("dev"), devSecret as never))).toBe("dev-value");
    // Not with the other environment's key, nor as the other environment's item under its own.
    expect(() => Envelope.open(prod, devSecret.value, aad(where("dev"), devSecret as never))).toThrow();
    expect(() => Envelope.open(dev, devSecret.value, aad(where("prod"), devSecret as never))).toThrow();
  });
});

describe("access tokens", () => {
  it("renewing never extends a token past the maximum lifetime from its login", async () => {
    const saved = { ttl: process.env.ACCESS_TOKEN_TTL_SECONDS, max: process.env.ACCESS_TOKEN_MAX_TTL_SECONDS };
    Object.assign(process.env, { ACCESS_TOKEN_TTL_SECONDS: "2", ACCESS_TOKEN_MAX_TTL_SECONDS: "3" });
    try {
      const auth = (path: string, json: unknown) => ctx.api(`/api/v1/auth/${path}`, { auth: null, json });
      const login = await auth("universal-auth/login", ctx.stack.client);
      const token = (await login.json()) as Json;
      expect(token).toMatchObject({ expiresIn: 2, accessTokenMaxTTL: 3 });
      const ApiKey = await import("@app/core/apikey");
      const stored = async () =>
        (await dynamo().send(new GetCommand({ TableName: table(), Key: ApiKey.keyOf(token.accessToken) })))
          .Item as Json;
      const issued = (await stored()).maxExpiresAt - 3;

      // Renewed again and again, it lives at most 3 seconds from its login.
      for (let i = 0; i < 3; i++) {
        await pause(900);
        const sent = Math.floor(Date.now() / 1000);
        const res = await auth("token/renew", { accessToken: token.accessToken });
        if (res.status === 401) break;
        const renewed = (await res.json()) as Json;
        const item = await stored();
        expect(item.expiresAt).toBeLessThanOrEqual(issued + 3);
        expect(sent + renewed.expiresIn).toBeLessThanOrEqual(issued + 3);
      }
      await until(() => Date.now() / 1000 > issued + 3.2, 5_000);
      expect((await ctx.api("/api/v1/app-connections/railway", { auth: token.accessToken })).status).toBe(401);
      expect(
        (await ctx.api("/api/v3/secrets/raw?workspaceId=p&environment=dev", { auth: token.accessToken })).status,
      ).toBe(401);
      expect((await auth("token/renew", { accessToken: token.accessToken })).status).toBe(401);
    } finally {
      for (const [name, value] of [
        ["ACCESS_TOKEN_TTL_SECONDS", saved.ttl],
        ["ACCESS_TOKEN_MAX_TTL_SECONDS", saved.max],
      ] as const)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
  });
});

describe("more names than one transaction holds", () => {
  it("a sync's import of 110 Railway variables lands whole (new and existing names), and its sync writes them all back", async () => {
    const { projectId, connectionId, scope } = await railwayProject(2);
    const names = Array.from({ length: 110 }, (_, i) => `V${String(i).padStart(3, "0")}`);
    ctx.railway.setVariables(scope(0), Object.fromEntries(names.map((n) => [n, `railway-${n}`])));
    // 30 of them in the store already, with other values: the import both creates and updates.
    for (let i = 0; i < 30; i += 25)
      expect(
        (
          await write(
            projectId,
            "prod",
            Object.fromEntries(names.slice(i, Math.min(i + 25, 30)).map((n) => [n, `store-${n}`])),
          )
        ).status,
      ).toBe(200);
    const sync = await createSync({
      projectId,
      connectionId,
      environment: "prod",
      syncOptions: { initialSyncBehavior: "import-prioritize-destination" },
      destinationConfig: scope(0),
    });
    expect((await syncSettled(sync.id)).syncStatus).toBe("succeeded");
    const store = await listed(projectId, "prod");
    expect(Object.keys(store).sort()).toEqual(names);
    for (const n of names) expect(store[n]).toBe(`railway-${n}`);

    // The same 110 names into an empty service: one upsert carries them all.
    const copy = await createSync({
      projectId,
      connectionId,
      environment: "prod",
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: scope(1),
    });
    expect((await syncSettled(copy.id)).syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(scope(1))).toEqual(store);
  }, 120_000);

  it("a batch of more than 25 secrets is refused whole, storing none", async () => {
    const projectId = randomUUID();
    const res = await write(projectId, "dev", Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`K${i}`, "v"])));
    expect(res.status).toBe(400);
    expect(await listed(projectId, "dev")).toEqual({});
  });
});

describe("the event relay", () => {
  it("events of several environments in one stream batch each reach their own sync", async () => {
    const envs = ["dev", "staging", "prod"];
    const { projectId, connectionId, scope } = await railwayProject(1, envs);
    const syncs = [];
    for (const [i, environment] of envs.entries())
      syncs.push(
        await createSync({
          projectId,
          connectionId,
          environment,
          syncOptions: { initialSyncBehavior: "overwrite-destination" },
          destinationConfig: scope(0, i),
        }),
      );
    for (const s of syncs) expect((await syncSettled(s.id)).syncStatus).toBe("succeeded");

    // Written while the stream is not read, then handed to the stream's handler as one batch.
    await ctx.stack.streamCaughtUp();
    await ctx.stack.pauseStream();
    try {
      for (const environment of envs)
        expect((await write(projectId, environment, { ONE: environment })).status).toBe(200);
    } finally {
      await ctx.stack.resumeStream();
    }
    const events = (await scan(table())).filter(
      (i) => i.type === "webhook-event" && i.eventType === "secret.created" && JSON.stringify(i).includes(projectId),
    );
    expect(events).toHaveLength(3);
    const batch: DynamoDBStreamEvent = {
      Records: events.map((item, i) => ({
        eventID: `${i}`,
        eventName: "INSERT",
        eventSource: "aws:dynamodb",
        dynamodb: {
          NewImage: marshall(item) as never,
          SequenceNumber: `${i + 1}`,
          Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
        },
      })),
    };
    const stream = await import("../functions/stream.ts");
    expect((await stream.handler(batch, {} as Context)).batchItemFailures).toEqual([]);
    for (const [i, environment] of envs.entries())
      await until(() => ctx.railway.getVariables(scope(0, i)).ONE === environment, 20_000);
  }, 90_000);

  it("an event claimed by a relay that died is relayed by the sweep once the claim expires, not before", async () => {
    const { projectId, connectionId, scope } = await railwayProject(1);
    expect((await write(projectId, "prod", { A: "1" })).status).toBe(200);
    // That write's event handled before the sync exists: it cannot ask for a sync that would run
    // during the claim below and carry the later value to Railway.
    await ctx.stack.streamCaughtUp();
    const sync = await createSync({
      projectId,
      connectionId,
      environment: "prod",
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: scope(0),
    });
    await until(() => ctx.railway.getVariables(scope(0)).A === "1", 20_000);
    await syncSettled(sync.id);

    // The change's event is lost to the stream, and a relay claimed it and died.
    await ctx.stack.streamCaughtUp();
    await ctx.stack.pauseStream();
    try {
      const res = await ctx.api("/api/v3/secrets/raw/A", {
        method: "PATCH",
        json: { workspaceId: projectId, environment: "prod", secretValue: "2" },
      });
      expect(res.status).toBe(200);
    } finally {
      await ctx.stack.resumeStream();
    }
    const [event] = (await scan(table())).filter(
      (i) => i.type === "webhook-event" && i.eventType === "secret.updated" && JSON.stringify(i).includes(projectId),
    );
    expect(event?.gsi2pk).toBeDefined();
    const key = { pk: event?.pk, sk: event?.sk };
    const then = new Date(Date.now() - 10 * 60_000).toISOString();
    const claim = (until: number) =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: key,
          UpdateExpression: "SET gsi2sk = :then, claimedUntil = :until",
          ExpressionAttributeValues: { ":then": `${then}#${event?.id}`, ":until": until },
        }),
      );
    const Store = await import("../packages/core/src/sync/store.ts");
    const wanted = async () => (await Store.load(ctx.stack.orgId, sync.id))?.wanted;
    const before = await wanted();
    await claim(Date.now() + 60_000);
    const maintenance = await import("../functions/maintenance.ts");
    await maintenance.relayWebhooks();
    // While the claim holds, the sweep leaves the event alone: no sync requested, still in the outbox.
    expect(await wanted()).toBe(before);
    const held = await dynamo().send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }));
    expect(held.Item?.gsi2pk).toBeDefined();
    await pause(1500);
    expect(ctx.railway.getVariables(scope(0)).A).toBe("1");

    await claim(Date.now() - 1);
    expect(await maintenance.relayWebhooks()).toBeGreaterThanOrEqual(1);
    expect(await wanted()).toBe((before ?? 0) + 1);
    await until(() => ctx.railway.getVariables(scope(0)).A === "2", 20_000);
    const left = await dynamo().send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }));
    expect(left.Item?.gsi2pk).toBeUndefined();
  }, 90_000);
});

describe("versions", () => {
  it("a version outside those that exist is a clear 4xx that reveals no value", async () => {
    const projectId = randomUUID();
    const where = { workspaceId: projectId, environment: "dev" };
    const values = ["first-version-value", "second-version-value", "third-version-value"];
    expect(
      (await ctx.api("/api/v3/secrets/raw/VERSIONED", { json: { ...where, secretValue: values[0] } })).status,
    ).toBe(200);
    for (const secretValue of values.slice(1))
      expect(
        (await ctx.api("/api/v3/secrets/raw/VERSIONED", { method: "PATCH", json: { ...where, secretValue } })).status,
      ).toBe(200);
    const at = (version: string) =>
      ctx.api(`/api/v3/secrets/raw/VERSIONED?${new URLSearchParams({ ...where, version })}`);
    for (const [i, value] of values.entries()) {
      const res = await at(String(i + 1));
      expect(res.status).toBe(200);
      expect(((await res.json()) as Json).secret).toMatchObject({ version: i + 1, secretValue: value });
    }
    for (const version of ["0", "-1", "4", "abc", "1.5", "", "1e3", "99999999999999999999", " 1", "0x1"]) {
      const res = await at(version);
      const text = await res.text();
      expect([400, 404], `version=${JSON.stringify(version)}: ${res.status} ${text}`).toContain(res.status);
      expect(JSON.parse(text)).toMatchObject({ statusCode: res.status, message: expect.any(String) });
      for (const value of values) expect(text, `version=${JSON.stringify(version)}`).not.toContain(value);
    }
  });
});
