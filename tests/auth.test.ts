import { InfisicalSDK } from "@infisical/sdk";
import { describe, expect, it } from "vitest";
import { scan } from "./support/aws.ts";
import { useStack } from "./support/stack.ts";

const ctx = useStack({ worker: false });

/** A fresh key of the stack's org (or limited to `projectIds`) with its client id and secret. */
async function keyWithClient(projectIds?: string[]) {
  const ApiKey = await import("@app/core/apikey");
  const Access = await import("@app/core/access");
  const key = await ApiKey.create({ name: "sdk", orgId: ctx.stack.orgId, projectIds });
  return { key, ...(await Access.issueClient(key)) };
}

const sdk = () => new InfisicalSDK({ siteUrl: ctx.stack.url });
const post = (path: string, json: unknown) => ctx.api(path, { auth: null, json });
const connections = (token: string, query = "") => ctx.api(`/api/v1/app-connections/railway${query}`, { auth: token });

describe("the SDK's universal-auth sign-in", () => {
  it("logs in with the key's client id and secret; the token acts as the key on the API's routes", async () => {
    const { clientId, clientSecret } = await keyWithClient();
    const client = await sdk().auth().universalAuth.login({ clientId, clientSecret });
    const token = client.auth().getAccessToken() ?? "";
    expect(token).toMatch(/^rwt_/);
    const made = await ctx.api("/api/v1/app-connections/railway", {
      json: { name: "via-token", method: "team-token", credentials: { apiToken: "demo-workspace-token" } },
      auth: token,
    });
    expect(made.status).toBe(202);
    const listed = (await (await connections(token)).json()) as { appConnections: { name: string }[] };
    expect(listed.appConnections.map((c) => c.name)).toContain("via-token");
  });

  it("answers login as the prior art does, and the secrets Lambda takes the token too", async () => {
    const { clientId, clientSecret } = await keyWithClient();
    const res = await post("/api/v1/auth/universal-auth/login", { clientId, clientSecret });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      accessToken: expect.stringMatching(/^rwt_/),
      expiresIn: 7200,
      accessTokenMaxTTL: 30 * 86_400,
      tokenType: "Bearer",
    });
    // Not 401: the token authenticates on the secrets Lambda's paths as well.
    const secrets = await ctx.api("/api/v3/secrets/raw?workspaceId=x&environment=dev", {
      auth: String(body.accessToken),
    });
    expect(secrets.status).not.toBe(401);
    const none = await ctx.api("/api/v3/secrets/raw?workspaceId=x&environment=dev", { auth: "rwt_unknown" });
    expect(none.status).toBe(401);
  });

  it("renews a token through the SDK and refuses one that expired", async () => {
    const { clientId, clientSecret } = await keyWithClient();
    const client = await sdk().auth().universalAuth.login({ clientId, clientSecret });
    const token = client.auth().getAccessToken() ?? "";
    const renewed = await client.auth().universalAuth.renew();
    expect(renewed.auth().getAccessToken()).toBe(token);
    expect((await connections(token)).status).toBe(200);

    // An expired token whose item DynamoDB has not yet removed.
    const { dynamo } = await import("./support/aws.ts");
    const { UpdateCommand } = await import("@aws-sdk/lib-dynamodb");
    const ApiKey = await import("@app/core/apikey");
    await dynamo().send(
      new UpdateCommand({
        TableName: ctx.stack.resources.Table.name,
        Key: ApiKey.keyOf(token),
        UpdateExpression: "SET expiresAt = :past",
        ExpressionAttributeValues: { ":past": Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    expect((await connections(token)).status).toBe(401);
    await expect(client.auth().universalAuth.renew()).rejects.toThrow(/not valid/);
    expect((await post("/api/v1/auth/token/renew", { accessToken: token })).status).toBe(401);
  });

  it("revokes a token at once, and the revoke route cannot delete an API key", async () => {
    const { key, clientId, clientSecret } = await keyWithClient();
    const { accessToken } = (await (
      await post("/api/v1/auth/universal-auth/login", { clientId, clientSecret })
    ).json()) as {
      accessToken: string;
    };
    expect((await post("/api/v1/auth/token/revoke", { accessToken })).status).toBe(200);
    expect((await connections(accessToken)).status).toBe(401);
    expect((await post("/api/v1/auth/token/revoke", { accessToken: key.secret })).status).toBe(401);
    expect((await connections(key.secret)).status).toBe(200);
  });

  it("limits a project-limited key's token to the key's projects", async () => {
    const project = crypto.randomUUID();
    const { clientId, clientSecret } = await keyWithClient([project]);
    const client = await sdk().auth().universalAuth.login({ clientId, clientSecret });
    const token = client.auth().getAccessToken() ?? "";
    const create = (projectId: string) =>
      ctx.api("/api/v1/app-connections/railway", {
        json: { name: "limited", projectId, method: "team-token", credentials: { apiToken: "demo-workspace-token" } },
        auth: token,
      });
    expect((await create(crypto.randomUUID())).status).toBe(403);
    expect((await create(project)).status).toBe(202);
    const everywhere = (await (await connections(token)).json()) as { appConnections: { projectId: string }[] };
    expect(everywhere.appConnections.map((c) => c.projectId)).toEqual([project]);
  });

  it("refuses a wrong secret, an unknown client and a malformed body, saying which", async () => {
    const { clientId, clientSecret } = await keyWithClient();
    const wrong = await post("/api/v1/auth/universal-auth/login", { clientId, clientSecret: `${clientSecret}x` });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toMatch(/client id or client secret/);
    const unknown = await post("/api/v1/auth/universal-auth/login", { clientId: crypto.randomUUID(), clientSecret });
    expect(unknown.status).toBe(401);
    const malformed = await post("/api/v1/auth/universal-auth/login", { clientId });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { message: string }).message).toMatch(/clientSecret/);
    await expect(sdk().auth().universalAuth.login({ clientId, clientSecret: "nope" })).rejects.toThrow(
      /client id or client secret/,
    );
  });

  it("stores only hashes: no client secret or token in the table or the logs", async () => {
    const { clientId, clientSecret } = await keyWithClient();
    const client = await sdk().auth().universalAuth.login({ clientId, clientSecret });
    const token = client.auth().getAccessToken() ?? "";
    await client.auth().universalAuth.renew();
    const items = JSON.stringify(await scan(ctx.stack.resources.Table.name));
    expect(items).toContain(clientId);
    expect(items).not.toContain(clientSecret);
    expect(items).not.toContain(token);
    const logs = ctx.output.join("");
    expect(logs).not.toContain(clientSecret);
    expect(logs).not.toContain(token);
  });
});
