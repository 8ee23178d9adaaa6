// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Railway's reference syntax, as Railway stores it
// The whole flow with nothing played by hand: secrets written through the prior art's SDK into the
// store, the table's stream turning each change into a sync job, the sync worker writing Railway
// variables. The default Source (the secrets store) serves the sync.
import { randomUUID } from "node:crypto";
import { InfisicalSDK } from "@infisical/sdk";
import { describe, expect, it } from "vitest";
import { connectedProject } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();

describe("a secret written through the SDK reaches Railway", () => {
  it("create, change and delete in the store show in the service's variables; hand-set ones stay", async () => {
    const { railway } = ctx;
    const made = await connectedProject(ctx, { connectionName: "store-flow" });
    const { projectId } = made;
    const scope = made.scope("api");
    railway.setVariables(scope, { HAND: "by-hand", LINK: "${{shared.URL}}/x" });

    const secrets = new InfisicalSDK({ siteUrl: ctx.stack.url }).auth().accessToken(ctx.stack.apiKey).secrets();
    const at = { projectId, environment: "prod", secretPath: "/app" };
    const value = `v-${randomUUID()}`;
    await secrets.createSecret("DB_URL", { ...at, secretValue: value });

    const sync = await ctx.api("/api/v1/secret-syncs/railway", {
      json: {
        name: "store-flow",
        projectId,
        connectionId: made.connectionId,
        environment: "prod",
        secretPath: "/app",
        syncOptions: { initialSyncBehavior: "overwrite-destination" },
        destinationConfig: scope,
      },
    });
    expect(sync.status).toBe(200);
    const variables = () => railway.getVariables(scope);
    await until(() => variables().DB_URL === value || undefined, 20_000);

    // A change and a new key: the stream's secret.* events queue the sync, no call of ours.
    await secrets.updateSecret("DB_URL", { ...at, secretValue: `${value}-2` });
    await secrets.createSecret("REF", { ...at, secretValue: "${DB_URL}/ref" });
    await until(
      () => (variables().DB_URL === `${value}-2` && variables().REF === `${value}-2/ref`) || undefined,
      20_000,
    );

    await secrets.deleteSecret("REF", at);
    await until(() => !("REF" in variables()) || undefined, 20_000);
    expect(variables()).toEqual({ HAND: "by-hand", LINK: "${{shared.URL}}/x", DB_URL: `${value}-2` });
    expect(ctx.output.join("")).not.toContain(value);
  });
});
