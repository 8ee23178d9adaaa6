// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written ${KEY}
import { randomUUID } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { InfisicalSDK } from "@infisical/sdk";
import { describe, expect, it } from "vitest";
import { dynamo, scan } from "./support/aws.ts";
import { useStack } from "./support/stack.ts";

// The secrets API driven by the real @infisical/sdk, as a script would use it, against the local run.
const ctx = useStack({ worker: false });

type SignIn = "an API key as its access token" | "universal auth";

/**
 * The SDK signed in as a script would: one of our API keys as its access token, or the key's
 * client id and secret through `universalAuth.login` (tokens minted by /api/v1/auth). Without
 * `projectIds`, the API-key way uses the stack's own key; otherwise a fresh key is made.
 */
async function client(how: SignIn = "an API key as its access token", projectIds?: string[]) {
  const sdk = new InfisicalSDK({ siteUrl: ctx.stack.url });
  if (how === "an API key as its access token" && !projectIds)
    return sdk.auth().accessToken(ctx.stack.apiKey).secrets();
  const ApiKey = await import("@app/core/apikey");
  const key = await ApiKey.create({ name: "sdk", orgId: ctx.stack.orgId, projectIds });
  if (how === "an API key as its access token") return sdk.auth().accessToken(key.secret).secrets();
  const Access = await import("@app/core/access");
  const { clientId, clientSecret } = await Access.issueClient(key);
  return (await sdk.auth().universalAuth.login({ clientId, clientSecret })).secrets();
}

/** A fresh project and environment for each test, so that tests do not see each other's secrets. */
const place = () => ({ projectId: randomUUID(), environment: "dev" });

/** What the SDK's error says (it shows the body's `message`), and the status. */
async function refusal(p: Promise<unknown>) {
  const err = (await p.then(
    () => undefined,
    (e) => e,
  )) as Error | undefined;
  expect(err, "the call should have been refused").toBeDefined();
  const message = err?.message ?? "";
  return { message, status: Number(/\[StatusCode=(\d+)\]/.exec(message)?.[1]) };
}

describe.each<SignIn>(["an API key as its access token", "universal auth"])(
  "the raw secrets API through @infisical/sdk, signed in with %s",
  (how) => {
    it("creates, gets, lists, updates with a rename, reads an old version and deletes", async () => {
      const secrets = await client(how);
      const at = place();
      const made = await secrets.createSecret("DATABASE_URL", {
        ...at,
        secretValue: "postgres://a",
        secretComment: "main",
      });
      expect(made.secret).toMatchObject({
        secretKey: "DATABASE_URL",
        secretValue: "postgres://a",
        secretComment: "main",
        version: 1,
        type: "shared",
        workspace: at.projectId,
        environment: "dev",
        secretPath: "/",
        tags: [],
      });
      expect(made.secret.id).toBe((made.secret as unknown as { _id: string })._id);

      expect((await secrets.getSecret({ ...at, secretName: "DATABASE_URL" })).secretValue).toBe("postgres://a");

      const renamed = await secrets.updateSecret("DATABASE_URL", {
        ...at,
        secretValue: "postgres://b",
        newSecretName: "DB_URL",
      });
      expect(renamed.secret).toMatchObject({
        secretKey: "DB_URL",
        secretValue: "postgres://b",
        version: 2,
        id: made.secret.id,
      });

      const listed = await secrets.listSecrets(at);
      expect(listed.secrets.map((s) => s.secretKey)).toEqual(["DB_URL"]);
      expect(listed.imports).toEqual([]);
      expect((await secrets.getSecret({ ...at, secretName: "DB_URL", version: 1 })).secretValue).toBe("postgres://a");
      expect(await refusal(secrets.getSecret({ ...at, secretName: "DATABASE_URL" }))).toMatchObject({ status: 404 });

      const gone = await secrets.deleteSecret("DB_URL", at);
      expect(gone.secret.secretKey).toBe("DB_URL");
      expect((await secrets.listSecrets(at)).secrets).toEqual([]);
      expect(await refusal(secrets.getSecret({ ...at, secretName: "DB_URL" }))).toMatchObject({ status: 404 });
    });

    it("keeps every version readable, each write one more", async () => {
      const secrets = await client(how);
      const at = place();
      await secrets.createSecret("K", { ...at, secretValue: "v1" });
      for (let v = 2; v <= 12; v++) await secrets.updateSecret("K", { ...at, secretValue: `v${v}` });
      expect((await secrets.getSecret({ ...at, secretName: "K" })).version).toBe(12);
      for (const v of [1, 2, 7, 12])
        expect((await secrets.getSecret({ ...at, secretName: "K", version: v })).secretValue).toBe(`v${v}`);
    });

    it("lists a folder alone or with its sub-folders, and hides values when asked", async () => {
      const secrets = await client(how);
      const at = place();
      await secrets.createSecret("ROOT", { ...at, secretValue: "r" });
      await secrets.createSecret("API", { ...at, secretPath: "/api", secretValue: "a" });
      await secrets.createSecret("BILLING", { ...at, secretPath: "/api/billing", secretValue: "b" });
      await secrets.createSecret("OTHER", { ...at, secretPath: "/apix", secretValue: "x" });
      const keys = async (o: { secretPath?: string; recursive?: boolean }) =>
        (await secrets.listSecrets({ ...at, ...o })).secrets.map((s) => `${s.secretPath}:${s.secretKey}`).sort();
      expect(await keys({})).toEqual(["/:ROOT"]);
      expect(await keys({ secretPath: "/api" })).toEqual(["/api:API"]);
      expect(await keys({ secretPath: "/api", recursive: true })).toEqual(["/api/billing:BILLING", "/api:API"]);
      expect(await keys({ recursive: true })).toHaveLength(4);
      const hidden = await secrets.listSecrets({ ...at, viewSecretValue: false });
      expect(hidden.secrets[0]).toMatchObject({ secretKey: "ROOT", secretValue: "", secretValueHidden: true });
    });

    it("expands references by default, within the folder and across environments and folders", async () => {
      const secrets = await client(how);
      const at = place();
      const prod = { ...at, environment: "prod" };
      await secrets.createSecret("HOST", { ...prod, secretPath: "/db", secretValue: "db.internal" });
      await secrets.createSecret("USER", { ...at, secretValue: "app" });
      await secrets.createSecret("URL", { ...at, secretValue: "postgres://${USER}@${prod.db.HOST}/${MISSING}" });
      await secrets.createSecret("A", { ...at, secretValue: "a${B}" });
      await secrets.createSecret("B", { ...at, secretValue: "b${A}" });
      const value = async (key: string, expandSecretReferences?: boolean) =>
        (await secrets.getSecret({ ...at, secretName: key, expandSecretReferences })).secretValue;
      expect(await value("URL")).toBe("postgres://app@db.internal/${MISSING}");
      expect(await value("URL", false)).toBe("postgres://${USER}@${prod.db.HOST}/${MISSING}");
      // A cycle is left unexpanded where it closes.
      expect(await value("A")).toBe("ab${A}");
      const listed = await secrets.listSecrets(at);
      expect(listed.secrets.find((s) => s.secretKey === "URL")?.secretValue).toBe(
        "postgres://app@db.internal/${MISSING}",
      );
      const raw = await secrets.listSecrets({ ...at, expandSecretReferences: false });
      expect(raw.secrets.find((s) => s.secretKey === "URL")?.secretValue).toBe(
        "postgres://${USER}@${prod.db.HOST}/${MISSING}",
      );
    });

    it("refuses an existing key, bad keys, paths, environments and values, storing nothing", async () => {
      const secrets = await client(how);
      const at = place();
      await secrets.createSecret("TAKEN", { ...at, secretValue: "first" });
      const dup = await refusal(secrets.createSecret("TAKEN", { ...at, secretValue: "second" }));
      expect(dup).toMatchObject({ status: 400 });
      expect(dup.message).toMatch(/already exists/);
      for (const bad of [
        () => secrets.createSecret("BAD KEY", { ...at, secretValue: "x" }),
        () => secrets.createSecret("DOT.KEY", { ...at, secretValue: "x" }),
        () => secrets.createSecret("K", { ...at, secretPath: "no-slash", secretValue: "x" }),
        () => secrets.createSecret("K", { ...at, secretPath: "/a//b", secretValue: "x" }),
        () => secrets.createSecret("K", { ...at, environment: "Prod!", secretValue: "x" }),
        () => secrets.createSecret("K", { ...at, secretValue: "x".repeat(32 * 1024 + 1) }),
        () => secrets.createSecret("K", { ...at, secretValue: "x", type: "personal" as never }),
      ])
        expect((await refusal(bad())).status).toBe(400);
      const listed = await secrets.listSecrets({ ...at, recursive: true });
      expect(listed.secrets.map((s) => [s.secretKey, s.secretValue])).toEqual([["TAKEN", "first"]]);
      const stored = (await scan(ctx.stack.resources.Table.name)).filter((i) => String(i.pk).includes(at.projectId));
      expect(stored.map((i) => String(i.sk).replace(/#[0-9a-f-]{36}#/, "#<id>#")).sort()).toEqual([
        "DATAKEY",
        "S#/#TAKEN",
        "V#<id>#000000001",
      ]);
    });

    it("refuses a project-limited key outside its projects", async () => {
      const mine = randomUUID();
      const secrets = await client(how, [mine]);
      await secrets.createSecret("OK", { projectId: mine, environment: "dev", secretValue: "v" });
      const other = { projectId: randomUUID(), environment: "dev" };
      expect((await refusal(secrets.createSecret("NO", { ...other, secretValue: "v" }))).status).toBe(403);
      expect((await refusal(secrets.listSecrets(other))).status).toBe(403);
      expect((await refusal(secrets.getSecret({ ...other, secretName: "OK" }))).status).toBe(403);
    });
  },
);

describe("the batch routes", () => {
  const batch = (method: string, body: object) => ctx.api("/api/v3/secrets/batch/raw", { method, json: body });

  it("creates, updates and deletes many in one change, all or nothing", async () => {
    const at = { workspaceId: randomUUID(), environment: "staging", secretPath: "/jobs" };
    const made = await batch("POST", {
      ...at,
      secrets: [
        { secretKey: "A", secretValue: "1" },
        { secretKey: "B", secretValue: "2" },
      ],
    });
    expect(made.status).toBe(200);
    expect(((await made.json()) as { secrets: unknown[] }).secrets).toHaveLength(2);

    // One existing key refuses the whole batch: C is not stored either.
    const refused = await batch("POST", {
      ...at,
      secrets: [
        { secretKey: "C", secretValue: "3" },
        { secretKey: "A", secretValue: "x" },
      ],
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/"A" already exists/);

    const updated = await batch("PATCH", {
      ...at,
      secrets: [
        { secretKey: "A", secretValue: "10" },
        { secretKey: "B", newSecretName: "BB" },
      ],
    });
    expect(updated.status).toBe(200);
    const secrets = await client();
    const list = await secrets.listSecrets({
      projectId: at.workspaceId,
      environment: at.environment,
      secretPath: "/jobs",
    });
    expect(list.secrets.map((s) => [s.secretKey, s.secretValue, s.version]).sort()).toEqual([
      ["A", "10", 2],
      ["BB", "2", 2],
    ]);

    expect((await batch("DELETE", { ...at, secrets: [{ secretKey: "A" }, { secretKey: "NOPE" }] })).status).toBe(404);
    expect((await batch("DELETE", { ...at, secrets: [{ secretKey: "A" }, { secretKey: "BB" }] })).status).toBe(200);
    const after = await secrets.listSecrets({
      projectId: at.workspaceId,
      environment: at.environment,
      secretPath: "/jobs",
    });
    expect(after.secrets).toEqual([]);
  });

  it("refuses a batch over the limit", async () => {
    const at = { workspaceId: randomUUID(), environment: "dev" };
    const secrets = Array.from({ length: 26 }, (_, i) => ({ secretKey: `K${i}`, secretValue: "v" }));
    const res = await batch("POST", { ...at, secrets });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/at most 25/);
  });
});

describe("sealed at rest", () => {
  it("does not open a value copied into another item, or into another version", async () => {
    const secrets = await client();
    const at = place();
    await secrets.createSecret("FROM", { ...at, secretValue: "the-source-value" });
    await secrets.createSecret("TO", { ...at, secretValue: "the-target-value" });
    await secrets.updateSecret("FROM", { ...at, secretValue: "the-second-value" });
    const items = await scan(ctx.stack.resources.Table.name);
    const pk = `SECRETS#${ctx.stack.orgId}#${at.projectId}#dev`;
    const find = (sk: string) => items.find((i) => i.pk === pk && i.sk === sk) as Record<string, any>;
    const from = find("S#/#FROM");
    const paste = async (sk: string, value: unknown) =>
      dynamo().send(
        new UpdateCommand({
          TableName: ctx.stack.resources.Table.name,
          Key: { pk, sk },
          UpdateExpression: "SET #v = :v",
          ExpressionAttributeNames: { "#v": "value" },
          ExpressionAttributeValues: { ":v": value },
        }),
      );
    // The same value under its own item still opens: the copy below is what breaks it.
    const version1 = find(`V#${from.id}#000000001`);
    await paste("S#/#TO", from.value);
    const copied = await refusal(secrets.getSecret({ ...at, secretName: "TO" }));
    expect(copied.status).toBe(500);
    expect(copied.message).not.toContain("the-second-value");
    await paste("S#/#FROM", version1.value);
    expect((await refusal(secrets.getSecret({ ...at, secretName: "FROM" }))).status).toBe(500);
    expect((await secrets.getSecret({ ...at, secretName: "FROM", version: 1 })).secretValue).toBe("the-source-value");
  });

  it("never shows a value in plaintext in table items, logs or audit", async () => {
    const secrets = await client();
    const at = place();
    const value = `sk_live_${randomUUID()}`;
    await secrets.createSecret("STRIPE", { ...at, secretValue: value });
    await secrets.updateSecret("STRIPE", { ...at, secretValue: `${value}-2` });
    await secrets.deleteSecret("STRIPE", at);
    const items = await scan(ctx.stack.resources.Table.name);
    const text = JSON.stringify(items, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v));
    expect(text).toContain("STRIPE");
    expect(text).not.toContain(value);
    expect(items.filter((i) => i.type === "audit" && String(i.action).startsWith("secret."))).not.toHaveLength(0);
    const events = items.filter((i) => i.type === "webhook-event" && JSON.parse(i.data).secret?.key === "STRIPE");
    expect(events.map((e) => e.eventType).sort()).toEqual(["secret.created", "secret.deleted", "secret.updated"]);
    expect(ctx.output.join("")).not.toContain(value);
    const audit = await ctx.api("/api/v1/audit-logs");
    expect(await audit.text()).not.toContain(value);
  });
});
