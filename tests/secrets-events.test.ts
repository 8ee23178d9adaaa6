/**
 * The secret.* events a write sends, through the table's stream, in a run of their own: in one
 * file with the 500-secret tests, moto's stream hands the relay their hundreds of events first.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SQSClient } from "@aws-sdk/client-sqs";
import { InfisicalSDK } from "@infisical/sdk";
import { describe, expect, it } from "vitest";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

const ctx = useStack({ worker: false });

async function client(apiKey = ctx.stack.apiKey) {
  const sdk = new InfisicalSDK({ siteUrl: ctx.stack.url });
  return sdk.auth().accessToken(apiKey).secrets();
}
const place = () => ({ projectId: randomUUID(), environment: "dev" });

describe("secret events", () => {
  it("sends webhooks and queue messages that name the secret but never carry its value", async () => {
    const sent: string[] = [];
    const original = SQSClient.prototype.send;
    SQSClient.prototype.send = function (this: SQSClient, command: any, ...rest: any[]) {
      if (command?.input?.MessageBody) sent.push(command.input.MessageBody);
      return (original as any).call(this, command, ...rest);
    } as typeof original;
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const hook = await ctx.api("/api/v1/webhooks", {
        json: { url, eventTypes: ["secret.created", "secret.updated"] },
      });
      expect(hook.status).toBe(201);
      const secrets = await client();
      const at = place();
      const value = `whsec_value_${randomUUID()}`;
      await secrets.createSecret("HOOKED", { ...at, secretValue: value });
      await secrets.updateSecret("HOOKED", { ...at, secretValue: `${value}-2` });
      await until(() => received.filter((b) => b.includes(at.projectId)).length >= 2, 15_000);
      const events = received.filter((b) => b.includes(at.projectId)).map((b) => JSON.parse(b));
      expect(events.map((e) => e.type).sort()).toEqual(["secret.created", "secret.updated"]);
      expect(events[0].data.secret).toMatchObject({
        key: "HOOKED",
        path: "/",
        environment: "dev",
        projectId: at.projectId,
      });
      expect(sent.length).toBeGreaterThan(0);
      for (const text of [...received, ...sent]) expect(text).not.toContain(value);
      const { webhook } = (await hook.json()) as { webhook: { id: string } };
      await ctx.api(`/api/v1/webhooks/${webhook.id}`, { method: "DELETE" });
    } finally {
      SQSClient.prototype.send = original;
      server.close();
    }
  });
});
