// The outbox's events and their subscribers (functions/subscribers.ts) end to end: the secrets
// API, the table's stream, the webhook and sync queues, the sync worker and Railway's stand-in.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";
import * as Dynamo from "@app/core/dynamo";
import { SQSClient } from "@aws-sdk/client-sqs";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "./support/aws.ts";
import { connectedProject } from "./support/railway.ts";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "1";
const ctx = useStack();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const servers: ReturnType<typeof createServer>[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

/** A webhook endpoint on loopback, subscribed to `eventTypes`: the bodies it received. */
async function receiver(eventTypes: string[]) {
  const received: any[] = [];
  const server = createServer(async (req, res) => {
    received.push(JSON.parse(await text(req)));
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  expect((await ctx.api("/api/v1/webhooks", { json: { url, eventTypes } })).status).toBe(201);
  return received;
}

/** Makes every SQS client of this process refuse to send to `queueUrl`, as an SQS outage would; returns the undo. */
function refuseSends(queueUrl: string) {
  const original = SQSClient.prototype.send;
  const refused = { count: 0 };
  SQSClient.prototype.send = function (this: SQSClient, command: any, ...rest: any[]) {
    if (command?.input?.QueueUrl === queueUrl && command.input.MessageBody !== undefined) {
      refused.count++;
      return Promise.reject(Object.assign(new Error("Service Unavailable"), { name: "ServiceUnavailable" }));
    }
    return (original as any).call(this, command, ...rest);
  } as typeof original;
  return {
    refused,
    restore: () => {
      SQSClient.prototype.send = original;
    },
  };
}

/** A Railway service, a connection to it, and a sync of the project's `prod` `/app` folder into it (A=1). */
async function syncedFolder() {
  const made = await connectedProject(ctx);
  const { projectId, connectionId } = made;
  const scope = made.scope("api");
  const name = projectId.slice(0, 8);
  const secret = (method: string, secretValue: string) =>
    ctx.api("/api/v3/secrets/raw/A", {
      method,
      json: { workspaceId: projectId, environment: "prod", secretPath: "/app", secretValue },
    });
  expect((await secret("POST", "1")).status).toBe(200);
  await ctx.stack.streamCaughtUp();
  const syncOptions = { initialSyncBehavior: "overwrite-destination" };
  const sync = {
    name,
    projectId,
    connectionId,
    environment: "prod",
    secretPath: "/app",
    syncOptions,
    destinationConfig: scope,
  };
  expect((await ctx.api("/api/v1/secret-syncs/railway", { json: sync })).status).toBe(200);
  await until(() => ctx.railway.getVariables(scope).A === "1", 15_000);
  return { projectId, scope, secret };
}

describe("an event leaves the outbox only once every subscriber succeeded", () => {
  it("a secret's change whose sync trigger fails through the stream's retries, while its webhook goes out, is synced by the outbox's sweep", async () => {
    const { projectId, scope, secret } = await syncedFolder();
    const hooks = await receiver(["secret.updated"]);
    const outage = refuseSends(ctx.stack.resources.SyncQueue.url ?? "");
    try {
      expect((await secret("PATCH", "2")).status).toBe(200);
      await until(() => hooks.some((e) => e.data.secret.projectId === projectId), 10_000);
      await ctx.stack.streamCaughtUp();
    } finally {
      outage.restore();
    }
    // The first try and the stream's three retries each asked for the sync, and were refused.
    expect(outage.refused.count).toBeGreaterThanOrEqual(4);
    await pause(2500);
    expect(ctx.railway.getVariables(scope).A).toBe("1");
    // Webhook fan-out succeeded once and is not repeated; the event waits in the outbox for the sync trigger.
    expect(hooks.filter((e) => e.data.secret.projectId === projectId)).toHaveLength(1);
    const [event] = (await scan(ctx.stack.resources.Table.name)).filter(
      (i) => i.type === "webhook-event" && i.eventType === "secret.updated" && JSON.stringify(i).includes(projectId),
    );
    const key = { pk: event?.pk, sk: event?.sk };
    expect(event?.gsi2pk).toBeDefined();

    // The sweep, once the event is as old as it looks for (every 15 minutes, over events older than 5).
    const then = new Date(Date.now() - 10 * 60_000).toISOString();
    await Dynamo.client.send(
      new UpdateCommand({
        TableName: Dynamo.table(),
        Key: key,
        UpdateExpression: "SET gsi2sk = :then",
        ExpressionAttributeValues: { ":then": `${then}#${event?.id}` },
      }),
    );
    const maintenance = await import("../functions/maintenance.ts");
    expect(await maintenance.relayWebhooks()).toBeGreaterThanOrEqual(1);
    await until(() => ctx.railway.getVariables(scope).A === "2", 15_000);
    const left = await Dynamo.client.send(
      new GetCommand({ TableName: Dynamo.table(), Key: key, ConsistentRead: true }),
    );
    expect(left.Item?.gsi2pk).toBeUndefined();
    await pause(1500);
    expect(hooks.filter((e) => e.data.secret.projectId === projectId)).toHaveLength(1);
  }, 90_000);
});
