// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Railway's reference syntax, as Railway stores it
// Issue 29's sync worker defects, end to end: secrets written through the raw secrets API into the
// store, the table's stream queueing the syncs, the real sync queue and worker in the emulator,
// Railway's stand-in. Each test fails on the code before its fix.
import * as Dynamo from "@app/core/dynamo";
import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import * as Railway from "./support/railway.ts";
import { connectedProject } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();

const SECRET = "s3cr3t-hardening-";

/** A Railway project with services `api` and `worker`, a workspace connection to it, the folder prod:/app. */
async function setup() {
  const { app, projectId, connectionId, scope } = await connectedProject(ctx, { services: ["api", "worker"] });
  return { app, projectId, connectionId, api: scope("api"), worker: scope("worker") };
}
type Setup = Awaited<ReturnType<typeof setup>>;
type Scope = Setup["api"];

/** The raw secrets API, as a user (or the SDK) writes the folder prod:/app. */
const where = (s: Setup) => ({ workspaceId: s.projectId, environment: "prod", secretPath: "/app" });
const secrets = {
  put: async (s: Setup, key: string, value: string) => {
    const res = await ctx.api(`/api/v3/secrets/raw/${key}`, { json: { ...where(s), secretValue: value } });
    expect(res.status).toBe(200);
  },
  patch: async (s: Setup, key: string, value: string) => {
    const res = await ctx.api(`/api/v3/secrets/raw/${key}`, {
      method: "PATCH",
      json: { ...where(s), secretValue: value },
    });
    expect(res.status).toBe(200);
  },
  remove: async (s: Setup, key: string) => {
    const res = await ctx.api(`/api/v3/secrets/raw/${key}`, { method: "DELETE", json: where(s) });
    expect(res.status).toBe(200);
  },
  list: async (s: Setup) => {
    const q = new URLSearchParams({ workspaceId: s.projectId, environment: "prod", secretPath: "/app" });
    const res = await ctx.api(`/api/v3/secrets/raw?${q}`);
    const body = (await res.json()) as { secrets: { secretKey: string; secretValue: string }[] };
    return Object.fromEntries(body.secrets.map((x) => [x.secretKey, x.secretValue]));
  },
};

const createSync = (s: Setup, destination: Scope, initialSyncBehavior = "overwrite-destination") =>
  Railway.createSync(ctx, s, destination, { syncOptions: { initialSyncBehavior } });

const get = (id: string) => Railway.getSync(ctx, id);

/** The sync's stored item, as the worker reads it. */
const stored = async (id: string) =>
  (
    await Dynamo.client.send(
      new GetCommand({ TableName: Dynamo.table(), Key: { pk: `ORG#${ctx.stack.orgId}`, sk: `SECRET_SYNC#${id}` } }),
    )
  ).Item as Record<string, any>;

/** Waits until the sync's status for `field` is settled (not pending or running). */
const done = (id: string, field = "syncStatus", timeoutMs = 20_000) =>
  until(async () => {
    const s = await get(id);
    return s[field] === "succeeded" || s[field] === "failed" ? s : undefined;
  }, timeoutMs);

/** Waits until no sync is owed or running (the stream's late requests included), twice 2 s apart. */
async function quiet(id: string) {
  for (let i = 0; i < 2; i++) {
    await until(async () => {
      const item = await stored(id);
      return item.wanted === item.done && item.lease === null && item.syncStatus !== "running";
    }, 30_000);
    await new Promise((r) => setTimeout(r, 2000));
  }
  return get(id);
}

const upserts = (scope: Scope) =>
  ctx.railway.requests.filter(
    (r) => r.fields.includes("variableCollectionUpsert") && JSON.stringify(r.variables ?? {}).includes(scope.serviceId),
  ).length;

/**
 * Holds the next request Railway gets for 1.5 s (under the client's 2 s timeout), and waits until
 * it is the sync's read of `scope`, unanswered: the run is at Railway, between its lease and its writes.
 */
async function holdNextRead(scope: Scope, start: () => Promise<void>) {
  const from = ctx.railway.requests.length;
  ctx.railway.injectFaults({ type: "delay", ms: 1500 });
  await start();
  await until(
    () =>
      ctx.railway.requests
        .slice(from)
        .find(
          (r) =>
            r.query.includes("SyncRead") && JSON.stringify(r.variables).includes(scope.serviceId) && r.status === 0,
        ),
    10_000,
  );
}

describe("defect 2: a secret value Railway would read as a reference", () => {
  it("is refused before anything is written, naming the secret and never its value; fixed, it syncs", async () => {
    const s = await setup();
    ctx.railway.setVariables(s.api, { DATABASE_URL: `${SECRET}postgres://db` });
    await secrets.put(s, "OK1", `${SECRET}plain`);
    await secrets.put(s, "LEAK1", "${{api.DATABASE_URL}}");
    // Our own references expand before a sync compares: "$" then "{{" make "${{" too.
    await secrets.put(s, "DOLLAR", "$");
    await secrets.put(s, "LEAK2", "${DOLLAR}{{api.DATABASE_URL}}");
    const sync = await done((await createSync(s, s.worker)).id);
    expect(sync.syncStatus).toBe("failed");
    const expanded = await secrets.list(s);
    const holding = Object.keys(expanded).filter((k) => expanded[k]?.includes("${{"));
    expect(holding).toContain("LEAK1");
    for (const name of holding) expect(sync.lastSyncMessage).toContain(name);
    expect(sync.lastSyncMessage).not.toContain("OK1");
    expect(sync.lastSyncMessage).not.toContain("DOLLAR");
    expect(sync.lastSyncMessage).not.toContain("api.DATABASE_URL");
    expect(sync.lastSyncMessage).toMatch(/Nothing was written/);
    expect(ctx.railway.getVariables(s.worker)).toEqual({});
    expect(upserts(s.worker)).toBe(0);
    expect(sync.lastSyncedAt).toBeNull();

    await secrets.remove(s, "LEAK2");
    await secrets.patch(s, "LEAK1", `${SECRET}now-plain`);
    await until(() => ctx.railway.getVariables(s.worker).LEAK1 === `${SECRET}now-plain`, 20_000);
    expect((await quiet(sync.id)).syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.worker)).toEqual({
      OK1: `${SECRET}plain`,
      LEAK1: `${SECRET}now-plain`,
      DOLLAR: "$",
    });
  }, 60_000);

  it("a name the sync wrote stays its own after someone makes it a reference: updated, then deleted", async () => {
    const s = await setup();
    await secrets.put(s, "MINE", `${SECRET}v1`);
    const sync = await done((await createSync(s, s.api)).id);
    expect(sync.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.api)).toEqual({ MINE: `${SECRET}v1` });

    ctx.railway.setVariables(s.api, { MINE: "${{shared.ELSEWHERE}}" });
    await secrets.patch(s, "MINE", `${SECRET}v2`);
    await until(() => ctx.railway.getVariables(s.api).MINE === `${SECRET}v2`, 20_000);
    const after = await quiet(sync.id);
    expect(after.syncStatus).toBe("succeeded");
    expect(after.lastSyncMessage).not.toContain("a reference");

    ctx.railway.setVariables(s.api, { MINE: "${{shared.ELSEWHERE}}" });
    await secrets.remove(s, "MINE");
    await until(() => !("MINE" in ctx.railway.getVariables(s.api)), 20_000);
    expect(ctx.railway.getVariables(s.api)).toEqual({});
  }, 60_000);
});

describe("defect 4: the destination changed while a sync runs", () => {
  it("the run's names stay off the moved sync; the new destination gets its own first sync", async () => {
    const s = await setup();
    await secrets.put(s, "A", `${SECRET}a1`);
    // Settled, the stream's late requests included: the next Railway request is the run's read.
    const sync = await quiet((await createSync(s, s.api, "import-prioritize-destination")).id);
    expect(sync.syncStatus).toBe("succeeded");
    expect(ctx.railway.getVariables(s.api)).toEqual({ A: `${SECRET}a1` });
    // Someone's own A at the new destination: its first sync (Railway wins) must keep it.
    ctx.railway.setVariables(s.worker, { A: "worker-by-hand" });

    await holdNextRead(s.api, () => secrets.patch(s, "A", `${SECRET}a2`));
    const moved = await ctx.api(`/api/v1/secret-syncs/railway/${sync.id}`, {
      method: "PATCH",
      json: { destinationConfig: s.worker },
    });
    expect(moved.status).toBe(200);

    const after = await quiet(sync.id);
    expect(after.syncStatus).toBe("succeeded");
    expect(after.destinationConfig).toMatchObject({ serviceId: s.worker.serviceId });
    expect(ctx.railway.getVariables(s.worker)).toEqual({ A: "worker-by-hand" });
    expect((await secrets.list(s)).A).toBe("worker-by-hand");
    const detail = await stored(sync.id);
    expect(detail.managedKeys).toEqual(["A"]);
    // The run bound to the old destination found the sync moved before writing: it wrote nothing.
    expect(ctx.railway.getVariables(s.api)).toEqual({ A: `${SECRET}a1` });
  }, 90_000);
});

describe("defect 9: a connection deleted while its sync job runs", () => {
  it("the run re-checks its connection before writing, refuses, and Railway stays as it was", async () => {
    const s = await setup();
    await secrets.put(s, "A", `${SECRET}1`);
    const sync = await quiet((await createSync(s, s.api)).id);
    expect(sync.syncStatus).toBe("succeeded");
    const before = upserts(s.api);

    await holdNextRead(s.api, () => secrets.patch(s, "A", `${SECRET}2`));
    const deleted = await ctx.api(`/api/v1/app-connections/railway/${s.connectionId}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);

    const after = await quiet(sync.id);
    expect(after.syncStatus).toBe("failed");
    expect(after.lastSyncMessage).toMatch(/no longer exists; nothing was written/);
    expect(ctx.railway.getVariables(s.api)).toEqual({ A: `${SECRET}1` });
    expect(upserts(s.api)).toBe(before);
  }, 60_000);
});

describe("defect 6: imports of what the secrets API refuses", () => {
  const long = "L".repeat(200);
  const big = `${SECRET}${"v".repeat(40_000)}`;
  const odd = {
    "A.B": `${SECRET}dot`,
    "x y": `${SECRET}space`,
    "<img src=x onerror=alert(1)>": `${SECRET}html`,
    "a/#b": `${SECRET}slash`,
    [long]: `${SECRET}long`,
    BIG: big,
    GOOD: `${SECRET}good`,
  };

  const checkMessage = (message: string) => {
    expect(message).toContain('"A.B" (not a valid secret name)');
    expect(message).toContain('"x y" (not a valid secret name)');
    expect(message).toContain('"\\u003cimg src=x onerror=alert(1)\\u003e" (not a valid secret name)');
    expect(message).toContain('"a/#b" (not a valid secret name)');
    expect(message).toContain(`${"L".repeat(64)}…`);
    expect(message).not.toContain("L".repeat(65));
    expect(message).toContain("BIG (value over 32768 bytes)");
    expect(message).not.toContain(SECRET);
  };

  it("import-secrets skips them, reports each by name, and imports the rest", async () => {
    const s = await setup();
    ctx.railway.setVariables(s.api, odd);
    const sync = await done((await createSync(s, s.api)).id);
    expect(sync.syncStatus).toBe("succeeded");
    const res = await ctx.api(
      `/api/v1/secret-syncs/railway/${sync.id}/import-secrets?importBehavior=prioritize-destination`,
      { method: "POST" },
    );
    expect(res.status).toBe(200);
    const imported = await done(sync.id, "importStatus");
    expect(imported.importStatus).toBe("succeeded");
    expect(imported.lastImportMessage).toMatch(/^Imported 1 secret from Railway\./);
    checkMessage(imported.lastImportMessage);
    expect(await secrets.list(s)).toEqual({ GOOD: `${SECRET}good` });
    // What was imported can be read, edited and deleted by name.
    await secrets.patch(s, "GOOD", `${SECRET}good-2`);
    await secrets.remove(s, "GOOD");
    await quiet(sync.id);
  }, 60_000);

  it("a first sync that imports (import-prioritize-source) skips them too, and adopts none of them", async () => {
    const s = await setup();
    ctx.railway.setVariables(s.worker, odd);
    const created = await createSync(s, s.worker, "import-prioritize-source");
    const sync = await done(created.id);
    expect(sync.syncStatus).toBe("succeeded");
    // The import's own write into the store asks for a sync of the folder, whose message may
    // already have replaced the first sync's: that one's is read from its audit entry.
    const first = await until(async () => {
      const res = await ctx.api(`/api/v1/audit-logs?connectionId=${s.connectionId}&limit=100`);
      const { auditLogs } = (await res.json()) as {
        auditLogs: { action: string; details: { jobId?: string; message?: string } }[];
      };
      return auditLogs.find((a) => a.action === "secret-sync.succeeded" && a.details.jobId === created.lastSyncJobId);
    });
    checkMessage(first.details.message as string);
    expect(await secrets.list(s)).toEqual({ GOOD: `${SECRET}good` });
    expect((await stored(sync.id)).managedKeys).toEqual(["GOOD"]);
    await quiet(sync.id);
  }, 60_000);
});

describe("what is kept", () => {
  it("no secret value in any log line or item in plaintext", async () => {
    const logs = ctx.output.join("");
    expect(logs).toContain("secret sync settled");
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain("api.DATABASE_URL");
    const items = (await Dynamo.client.send(new ScanCommand({ TableName: Dynamo.table() }))).Items ?? [];
    const text = JSON.stringify(items);
    expect(text).toContain("secret-sync.failed");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("api.DATABASE_URL");
  });
});
