import { randomUUID } from "node:crypto";
import { InfisicalSDK } from "@infisical/sdk";
import { beforeAll, describe, expect, it } from "vitest";
import { useStack } from "./support/stack.ts";

// A list of 500 secrets, on a table of its own: moto's writes copy the table, so the 2,000 items
// these secrets make would slow every other secrets test that shared it.
const ctx = useStack({ worker: false });
const client = () => new InfisicalSDK({ siteUrl: ctx.stack.url }).auth().accessToken(ctx.stack.apiKey).secrets();

/** KMS commands sent for secrets' data keys, with their encryption contexts. */
const kmsCalls: { command: string; context: Record<string, string> }[] = [];
beforeAll(async () => {
  const Crypto = await import("@app/core/crypto");
  Crypto.kms().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { EncryptionContext?: Record<string, string> };
      if (input.EncryptionContext?.purpose === "secret-data-key")
        kmsCalls.push({ command: context.commandName ?? "", context: input.EncryptionContext });
      return next(args);
    },
    { step: "initialize", name: "countSecretKeyCalls" },
  );
});

describe("a large folder", () => {
  it("lists 500 secrets with one KMS call, and none while the data key is cached", async () => {
    const at = { workspaceId: randomUUID(), environment: "prod" };
    for (let batch = 0; batch < 20; batch++) {
      const secrets = Array.from({ length: 25 }, (_, i) => ({
        secretKey: `K${batch * 25 + i}`,
        secretValue: `v${batch * 25 + i}`,
      }));
      const res = await ctx.api("/api/v3/secrets/batch/raw", { json: { ...at, secrets } });
      expect(res.status).toBe(200);
    }
    const Secret = await import("@app/core/secret");
    Secret.forget();
    const ours = () => kmsCalls.filter((c) => c.context.projectId === at.workspaceId);
    const before = ours().length;
    const secrets = client();
    const listed = await secrets.listSecrets({ projectId: at.workspaceId, environment: "prod" });
    expect(listed.secrets).toHaveLength(500);
    expect(listed.secrets.find((s) => s.secretKey === "K437")?.secretValue).toBe("v437");
    expect(
      ours()
        .slice(before)
        .map((c) => c.command),
    ).toEqual(["DecryptCommand"]);
    await secrets.listSecrets({ projectId: at.workspaceId, environment: "prod" });
    expect(ours().length).toBe(before + 1);
  }, 120_000); // 20 batches of 25 through moto: about 10 s here, over 30 s once on a loaded CI machine
});
