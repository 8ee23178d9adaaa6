// What the sync queue carries, read off the real queue with no worker consuming it: ids only,
// never a value or a token.
import { randomUUID } from "node:crypto";
import * as Sync from "@app/core/sync";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { useStack } from "./support/stack.ts";

process.env.SYNC_DEBOUNCE_SECONDS = "2";
const ctx = useStack({ worker: false });
const source = Sync.memory();
beforeAll(() => Sync.use(source));

const receive = async (waitSeconds: number) =>
  (
    await new SQSClient({}).send(
      new ReceiveMessageCommand({
        QueueUrl: ctx.stack.resources.SyncQueue.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
    )
  ).Messages ?? [];

describe("the sync queue", () => {
  it("carries ids only, for a create and for a secret change", async () => {
    const projectId = randomUUID();
    const token = "railway-token-never-queued";
    const res = await ctx.api("/api/v1/app-connections/railway", {
      json: { name: "c", method: "team-token", projectId, credentials: { apiToken: token } },
    });
    const { appConnection } = (await res.json()) as { appConnection: { id: string } };
    const folder = { orgId: ctx.stack.orgId, projectId, environment: "prod", secretPath: "/app" };
    source.set(folder, { A: "value-never-queued" });
    const created = await ctx.api("/api/v1/secret-syncs/railway", {
      json: {
        name: "s",
        projectId,
        connectionId: appConnection.id,
        environment: "prod",
        secretPath: "/app",
        syncOptions: { initialSyncBehavior: "overwrite-destination" },
        destinationConfig: { projectId: "rp", environmentId: "re" },
      },
    });
    expect(created.status).toBe(200);
    const { secretSync } = (await created.json()) as { secretSync: { id: string; lastSyncJobId: string } };

    const [first, ...more] = await receive(5);
    expect(more).toEqual([]);
    expect(JSON.parse(first?.Body ?? "")).toEqual({
      orgId: ctx.stack.orgId,
      syncId: secretSync.id,
      jobId: secretSync.lastSyncJobId,
      kind: "sync",
      generation: 1,
    });

    expect(await Sync.triggered({ ...folder, path: "/app" })).toBe(1);
    const [later] = await receive(10);
    expect(JSON.parse(later?.Body ?? "")).toMatchObject({ syncId: secretSync.id, kind: "sync", generation: 2 });
    for (const body of [first?.Body, later?.Body]) {
      expect(body).not.toContain(token);
      expect(body).not.toContain("value-never-queued");
    }
  });
});
