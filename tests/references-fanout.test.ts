// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the store's reference syntax
// A referenced secret's change reaches Railway through the sync of the folder that refers to it:
// secrets written through the prior art's SDK, the table's stream, the dependents' subscriber
// (references fan out through the dependency index), the sync worker, the Railway stand-in.
import { randomUUID } from "node:crypto";
import { InfisicalSDK } from "@infisical/sdk";
import { describe, expect, it } from "vitest";
import { connect } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();

/** A Railway service synced from `prod:/app` of a fresh project, and the SDK to write its secrets. */
async function syncedFolder(name: string, seed: (secrets: ReturnType<typeof sdk>, projectId: string) => Promise<void>) {
  const { railway } = ctx;
  const user = railway.addUser({ name });
  const team = railway.addWorkspace(user.id, { name });
  const app = railway.addProject(team.id, { environments: ["production"], services: ["api"] });
  const scope = { projectId: app.id, environmentId: app.environments[0]!.id, serviceId: app.services[0]!.id };
  const projectId = randomUUID();
  const appConnection = { id: await connect(ctx, team.workspaceToken, projectId, name) };
  const secrets = sdk();
  await seed(secrets, projectId);
  const sync = await ctx.api("/api/v1/secret-syncs/railway", {
    json: {
      name,
      projectId,
      connectionId: appConnection.id,
      environment: "prod",
      secretPath: "/app",
      syncOptions: { initialSyncBehavior: "overwrite-destination" },
      destinationConfig: scope,
    },
  });
  expect(sync.status).toBe(200);
  return { secrets, projectId, variables: () => railway.getVariables(scope) };
}

const sdk = () => new InfisicalSDK({ siteUrl: ctx.stack.url }).auth().accessToken(ctx.stack.apiKey).secrets();
const eventually = (check: () => boolean) => until(() => check() || undefined, 20_000);

describe("a referenced secret's change re-syncs the folders that refer to it", () => {
  it("another folder, another environment, and a chain of two", async () => {
    const host = `db-${randomUUID()}.internal`;
    const { secrets, projectId, variables } = await syncedFolder("refs-fanout", async (s, projectId) => {
      await s.createSecret("DB_HOST", { projectId, environment: "prod", secretPath: "/db", secretValue: host });
      await s.createSecret("REGION", { projectId, environment: "shared", secretValue: "eu-west" });
      await s.createSecret("ZONE", {
        projectId,
        environment: "prod",
        secretPath: "/net",
        secretValue: "${shared.REGION}-1a",
      });
      const app = { projectId, environment: "prod", secretPath: "/app" };
      await s.createSecret("DATABASE_URL", { ...app, secretValue: "postgres://${prod.db.DB_HOST}/app" });
      await s.createSecret("PLACEMENT", { ...app, secretValue: "zone=${prod.net.ZONE}" });
    });
    await eventually(
      () => variables().DATABASE_URL === `postgres://${host}/app` && variables().PLACEMENT === "zone=eu-west-1a",
    );

    // Another folder of the same environment.
    await secrets.updateSecret("DB_HOST", {
      projectId,
      environment: "prod",
      secretPath: "/db",
      secretValue: `new-${host}`,
    });
    await eventually(() => variables().DATABASE_URL === `postgres://new-${host}/app`);

    // Another environment, two references away (PLACEMENT → prod:/net ZONE → shared:/ REGION).
    await secrets.updateSecret("REGION", { projectId, environment: "shared", secretValue: "us-east" });
    await eventually(() => variables().PLACEMENT === "zone=us-east-1a");
    expect(ctx.output.join("")).not.toContain(host);
  });

  it("a rename or a delete of the referenced secret leaves the reference as written in Railway", async () => {
    const { secrets, projectId, variables } = await syncedFolder("refs-gone", async (s, projectId) => {
      await s.createSecret("TOKEN", { projectId, environment: "prod", secretPath: "/auth", secretValue: "t-1" });
      await s.createSecret("HOST", { projectId, environment: "staging", secretValue: "h-1" });
      const app = { projectId, environment: "prod", secretPath: "/app" };
      await s.createSecret("AUTH", { ...app, secretValue: "Bearer ${prod.auth.TOKEN}" });
      await s.createSecret("URL", { ...app, secretValue: "https://${staging.HOST}" });
    });
    await eventually(() => variables().AUTH === "Bearer t-1" && variables().URL === "https://h-1");

    await secrets.updateSecret("TOKEN", {
      projectId,
      environment: "prod",
      secretPath: "/auth",
      newSecretName: "API_TOKEN",
    });
    await eventually(() => variables().AUTH === "Bearer ${prod.auth.TOKEN}");

    await secrets.deleteSecret("HOST", { projectId, environment: "staging" });
    await eventually(() => variables().URL === "https://${staging.HOST}");

    // A secret created where a dangling reference points: the referring folder picks it up.
    await secrets.createSecret("TOKEN", { projectId, environment: "prod", secretPath: "/auth", secretValue: "t-2" });
    await eventually(() => variables().AUTH === "Bearer t-2");
  });
});
