// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written ${KEY}
// Issue 29, defects 1 and 10: secret references that refer to each other thousands of times must
// not take the process down, nor reach Railway as a value over 32 KiB. Through the real raw API.
import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { limits } from "../packages/core/src/secret/references.ts";
import { connectedProject } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();

const place = (secretPath = "/") => ({ workspaceId: randomUUID(), environment: "dev", secretPath });
type Place = ReturnType<typeof place>;

const write = (at: Place, key: string, value: string, auth?: string) =>
  ctx.api(`/api/v3/secrets/raw/${key}`, { json: { ...at, secretValue: value }, auth });

async function written(at: Place, key: string, value: string) {
  const res = await write(at, key, value);
  expect(res.status, await res.clone().text()).toBe(200);
}

const query = (at: Place, extra: Record<string, string> = {}) => new URLSearchParams({ ...at, ...extra }).toString();

/** The answer and its body's size, with the heap's growth sampled while it was on its way. */
async function measured(path: string, auth?: string) {
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 1);
  const started = Date.now();
  try {
    const res = await ctx.api(path, { auth });
    const text = await res.text();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { status: res.status, text, ms: Date.now() - started, grew: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * A secret stored before the write-time checks: written as "x" through the API, then its sealed
 * value replaced in the table by `value` sealed the same way (the store cannot tell the difference).
 */
async function planted(at: Place, key: string, value: string) {
  await written(at, key, "x");
  const [Dynamo, Envelope, { dataKey }, Item] = await Promise.all([
    import("@app/core/dynamo"),
    import("../packages/core/src/crypto/envelope.ts"),
    import("../packages/core/src/secret/datakey.ts"),
    import("../packages/core/src/secret/item.ts"),
  ]);
  const w = { orgId: ctx.stack.orgId, projectId: at.workspaceId, environment: at.environment };
  const Key = { pk: Item.partition(w), sk: Item.currentSk(at.secretPath, key) };
  const { Item: item } = await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key }));
  const sealed = Envelope.seal(await dataKey(w, true), value, Item.aad(w, item as Parameters<typeof Item.aad>[1]));
  await Dynamo.client.send(new PutCommand({ TableName: Dynamo.table(), Item: { ...item, value: sealed } }));
}

describe("B0 = 4,000 × ${B1}, B1 = 4,000 × ${B2}, B2 = 1,000 bytes", () => {
  it("is refused at write time where it is written in order, naming the secret", async () => {
    const at = place();
    await written(at, "B2", "x".repeat(1000));
    const b1 = await write(at, "B1", "${B2}".repeat(4000));
    expect(b1.status).toBe(400);
    const body = (await b1.json()) as { message: string; code: string };
    expect(body.code).toBe("secret_reference_limit");
    expect(body.message).toBe(
      'Secret "B1" at "/" in "dev" expands to more than 32768 bytes of UTF-8 (the limit of a value)',
    );
    // B1 is not stored, so B0 refers to nothing and is kept as written (20,000 bytes).
    await written(at, "B0", "${B1}".repeat(4000));
    const list = await ctx.api(`/api/v3/secrets/raw?${query(at)}`);
    expect(list.status).toBe(200);
  });

  it("written in reverse (each under the limits when written), a list answers a 422 naming it, in bounded memory", {
    timeout: 20_000,
  }, async () => {
    const at = place();
    await written(at, "B0", "${B1}".repeat(4000));
    await written(at, "B1", "${B2}".repeat(4000));
    await written(at, "B2", "x".repeat(1000));

    const list = await measured(`/api/v3/secrets/raw?${query(at)}`);
    expect(list.status).toBe(422);
    const body = JSON.parse(list.text) as { message: string; code: string };
    expect(body.code).toBe("secret_reference_limit");
    expect(body.message).toMatch(/^Secret "B1" at "\/" in "dev" expands to more than 32768 bytes of UTF-8/);
    expect(body.message).toContain("expandSecretReferences=false");
    expect(list.text).not.toContain("xxxx");
    expect(list.grew).toBeLessThan(200 * 1024 * 1024);

    const one = await measured(`/api/v3/secrets/raw/B0?${query(at)}`);
    expect(one.status).toBe(422);
    expect(JSON.parse(one.text).message).toContain('(reading secret "B0" at "/" in "dev")');

    // As written, they are still there to be fixed.
    const raw = await ctx.api(`/api/v3/secrets/raw?${query(at, { expandSecretReferences: "false" })}`);
    expect(raw.status).toBe(200);
    const values = ((await raw.json()) as { secrets: { secretKey: string; secretValue: string }[] }).secrets;
    expect(values.find((s) => s.secretKey === "B0")?.secretValue).toBe("${B1}".repeat(4000));
  });

  it("scaled down (100 × 100 × 1,000 bytes: 10 MB expanded), is refused too, not answered in megabytes", async () => {
    const at = place();
    await written(at, "B0", "${B1}".repeat(100));
    await written(at, "B1", "${B2}".repeat(100));
    await written(at, "B2", "x".repeat(1000));
    const list = await measured(`/api/v3/secrets/raw?${query(at)}`);
    expect(list.status).toBe(422);
    expect(list.text.length).toBeLessThan(1000);
  });
});

describe("5,400 distinct references in one value", () => {
  // Three-character names, so that 5,400 of them fit in a value (32,400 bytes).
  const many = Array.from({ length: 5400 }, (_, i) => `\${${i.toString(36).padStart(3, "0")}}`).join("");

  it("is refused at write time, naming the secret", async () => {
    const at = place();
    const res = await write(at, "MANY", many);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe(
      'Secret "MANY" at "/" in "dev" refers to 5400 secrets; a value may refer to at most 100',
    );
  });

  it("stored before the limit, a read answers a 422 at once, and another org's read does not wait behind it", {
    timeout: 20_000,
  }, async () => {
    const at = place();
    await planted(at, "MANY", many);
    const ApiKey = await import("@app/core/apikey");
    const other = await ApiKey.create({ name: "other org", orgId: randomUUID() });
    const elsewhere = place();
    expect((await write(elsewhere, "SIMPLE", "plain", other.secret)).status).toBe(200);

    const [bad, simple] = await Promise.all([
      measured(`/api/v3/secrets/raw?${query(at)}`),
      measured(`/api/v3/secrets/raw/SIMPLE?${query(elsewhere)}`, other.secret),
    ]);
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.text).message).toMatch(/^Secret "MANY" at "\/" in "dev" refers to 5400 secrets/);
    expect(simple.status).toBe(200);
    // Before: the list loaded 5,400 secrets (8 s) and this read waited behind it.
    expect(simple.ms).toBeLessThan(5000);
  });

  it("up to the limit, a value refers to as many secrets and expands them all", async () => {
    const at = place();
    const names = Array.from({ length: limits.references }, (_, i) => `R${i}`);
    for (let i = 0; i < names.length; i += 25) {
      const res = await ctx.api("/api/v3/secrets/batch/raw", {
        json: { ...at, secrets: names.slice(i, i + 25).map((n) => ({ secretKey: n, secretValue: n.toLowerCase() })) },
      });
      expect(res.status).toBe(200);
    }
    await written(at, "ALL", names.map((n) => `\${${n}}`).join(","));
    const res = await ctx.api(`/api/v3/secrets/raw/ALL?${query(at)}`);
    expect(((await res.json()) as { secret: { secretValue: string } }).secret.secretValue).toBe(
      names.map((n) => n.toLowerCase()).join(","),
    );
    expect((await write(at, "ONE_MORE", `${names.map((n) => `\${${n}}`).join(",")}\${R100}`)).status).toBe(400);
  });
});

describe("ordinary references", () => {
  it("expand exactly as before: folders, environments, nesting, shared secrets, cycles, missing ones and the depth", async () => {
    const at = place("/api");
    const prod = { ...at, environment: "prod", secretPath: "/db" };
    await written(prod, "HOST", "db.internal");
    await written(prod, "PORT", "5432");
    await written({ ...prod, secretPath: "/" }, "ROOT", "r");
    await written(at, "USER", "app");
    await written(at, "ADDR", "${prod.db.HOST}:${prod.db.PORT}");
    await written(at, "URL", "postgres://${USER}@${ADDR}/${MISSING}?${prod.ROOT}");
    await written(at, "TWICE", "${URL} ${URL}");
    await written(at, "A", "a${B}");
    await written(at, "B", "b${A}");
    await written(at, "SELF", "me${SELF}");
    for (let i = 0; i < 13; i++) await written(at, `K${i}`, `${i}\${K${i + 1}}`);

    const res = await ctx.api(`/api/v3/secrets/raw?${query(at)}`);
    const listed = Object.fromEntries(
      ((await res.json()) as { secrets: { secretKey: string; secretValue: string }[] }).secrets.map((s) => [
        s.secretKey,
        s.secretValue,
      ]),
    );
    const url = "postgres://app@db.internal:5432/${MISSING}?r";
    expect(listed).toMatchObject({
      USER: "app",
      ADDR: "db.internal:5432",
      URL: url,
      TWICE: `${url} ${url}`,
      A: "ab${A}",
      B: "ba${B}",
      SELF: "me${SELF}",
      K0: "012345678910${K11}",
      K3: "3456789101112${K13}",
    });
    const one = await ctx.api(`/api/v3/secrets/raw/K0?${query(at)}`);
    expect(((await one.json()) as { secret: { secretValue: string } }).secret.secretValue).toBe("012345678910${K11}");
  });
});

/** A Railway service, an active connection to it and a sync of `/app` in prod, with `before` written first. */
async function syncing(before: (at: Place) => Promise<void>) {
  const made = await connectedProject(ctx, { connectionName: "refs" });
  const { projectId } = made;
  const scope = made.scope("api");
  const appConnection = { id: made.connectionId };
  await before({ workspaceId: projectId, environment: "prod", secretPath: "/app" });
  const res = await ctx.api("/api/v1/secret-syncs/railway", {
    json: {
      name: "refs",
      projectId,
      connectionId: appConnection.id,
      environment: "prod",
      secretPath: "/app",
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: scope,
    },
  });
  expect(res.status).toBe(200);
  const { secretSync } = (await res.json()) as { secretSync: { id: string } };
  /** The sync once its `field` status is settled. */
  const settledSync = (field = "syncStatus") =>
    until(async () => {
      const s = (
        (await (await ctx.api(`/api/v1/secret-syncs/railway/${secretSync.id}`)).json()) as {
          secretSync: Record<string, string>;
        }
      ).secretSync;
      return s[field] === "succeeded" || s[field] === "failed" ? s : undefined;
    }, 30_000);
  return { id: secretSync.id, projectId, scope, settledSync };
}

describe("a sync", () => {
  it("never sends Railway a value over 32 KiB once expanded: it fails naming the secret, and sends none", {
    timeout: 60_000,
  }, async () => {
    // Each written under the limits; together BIG expands to 100,000 characters.
    const part = `p${randomUUID().replaceAll("-", "")}`.padEnd(50, "q");
    const sync = await syncing(async (at) => {
      await written(at, "FINE", "ok");
      await written(at, "BIG", "${PART}".repeat(2000));
      await written(at, "PART", part);
    });
    const settledSync = await sync.settledSync();
    expect(settledSync.syncStatus).toBe("failed");
    expect(settledSync.lastSyncMessage).toBe(
      'Nothing was sent to Railway: Secret "BIG" at "/app" in "prod" expands to more than 32768 bytes of UTF-8 (the limit of a value).',
    );
    expect(ctx.railway.getVariables(sync.scope)).toEqual({});
    expect(ctx.output.join("")).not.toContain(part);
  });

  it("an import of a Railway value over the reference cap fails naming it, and imports nothing", {
    timeout: 60_000,
  }, async () => {
    const sync = await syncing(async (at) => written(at, "FINE", "ok"));
    expect((await sync.settledSync()).syncStatus).toBe("succeeded");
    const wide = Array.from({ length: 101 }, (_, i) => `\${w${i}}`).join("");
    ctx.railway.setVariables(sync.scope, { ...ctx.railway.getVariables(sync.scope), WIDE: wide, PLAIN: "p" });
    const res = await ctx.api(
      `/api/v1/secret-syncs/railway/${sync.id}/import-secrets?importBehavior=prioritize-destination`,
      { method: "POST" },
    );
    expect(res.status).toBe(200);
    const after = await sync.settledSync("importStatus");
    expect(after.importStatus).toBe("failed");
    expect(after.lastImportMessage).toBe(
      'The import was refused: Secret "WIDE" at "/app" in "prod" refers to 101 secrets; a value may refer to at most 100.',
    );
    const listed = await ctx.api(
      `/api/v3/secrets/raw?${query({ workspaceId: sync.projectId, environment: "prod", secretPath: "/app" })}`,
    );
    const keys = ((await listed.json()) as { secrets: { secretKey: string }[] }).secrets.map((s) => s.secretKey);
    expect(keys).toEqual(["FINE"]);
  });
});
