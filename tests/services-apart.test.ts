import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, inject, it } from "vitest";
import { settled, useStack } from "./support/stack.ts";

// The bench's stack: KMS and SQS each in a moto of its own, so that independent calls overlap.
describe("a stack with each service in an emulator of its own", () => {
  const ctx = useStack({ servicesApart: true });

  it("verifies a connection through KMS and SQS served apart from DynamoDB", async () => {
    const { workspaceToken } = ctx.railway.addWorkspace(ctx.railway.addUser().id);
    const res = await ctx.api("/api/v1/app-connections/railway", {
      json: { name: "apart", method: "team-token", credentials: { apiToken: workspaceToken } },
    });
    expect(res.status).toBe(202);
    const { appConnection } = (await res.json()) as { appConnection: { id: string } };
    expect((await settled(ctx, appConnection.id)).status).toBe("active");

    const shared = inject("motoEndpoint");
    for (const service of ["KMS", "SQS"]) {
      const own = process.env[`AWS_ENDPOINT_URL_${service}`] ?? "";
      expect(own).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(own).not.toBe(shared);
      expect(ctx.stack.ownPorts).toContain(Number(new URL(own).port));
    }
    const key = ctx.stack.resources.CredentialsKey.id ?? "";
    const kmsAt = (endpoint: string) => new KMSClient({ endpoint }).send(new DescribeKeyCommand({ KeyId: key }));
    await expect(kmsAt(shared)).rejects.toThrow();
    await expect(kmsAt(process.env.AWS_ENDPOINT_URL_KMS ?? "")).resolves.toBeDefined();
    const queuesAt = async (endpoint: string) =>
      (await new SQSClient({ endpoint }).send(new ListQueuesCommand({}))).QueueUrls ?? [];
    const queue = ctx.stack.resources.VerifyQueue.url ?? "";
    const name = queue.split("/").at(-1) ?? "";
    expect((await queuesAt(shared)).some((url) => url.endsWith(`/${name}`))).toBe(false);
    expect((await queuesAt(process.env.AWS_ENDPOINT_URL_SQS ?? "")).some((url) => url.endsWith(`/${name}`))).toBe(true);
  });
});
