import { subscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { Context } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { receive, scan, sqsRecord } from "./support/aws.ts";
import { useStack } from "./support/stack.ts";

// No worker and no webhook relay: what is counted is the request's or the job's own calls.
const ctx = useStack({ worker: false, webhooks: false });
const base = "/api/v1/app-connections/railway";

/** The AWS operations (X-Amz-Target) this process sent since the last `counted` call. */
let sent: string[] = [];
beforeAll(() => {
  subscribe("http.client.request.start", (message) => {
    const target = (message as { request: ClientRequest }).request.getHeader("x-amz-target");
    if (typeof target === "string") sent.push(target.replace(/^\w+\./, ""));
  });
});
async function counted(run: () => Promise<unknown>) {
  sent = [];
  await run();
  return [...sent].sort();
}

const create = (name: string) =>
  ctx.api(base, {
    json: { name, method: "account-token", credentials: { apiToken: ctx.railway.addUser().accountToken } },
  });

describe("the AWS calls a request or a job makes (the floor's, nothing more)", () => {
  it("POST create: the seal, one transaction and the job; the key's read only the first time", async () => {
    const first = await counted(async () => expect((await create("count-first")).status).toBe(202));
    expect(first).toEqual(["Encrypt", "GetItem", "SendMessage", "TransactWriteItems"]);
    const next = await counted(async () => expect((await create("count-next")).status).toBe(202));
    expect(next).toEqual(["Encrypt", "SendMessage", "TransactWriteItems"]);
  });

  it("a verification: the read, opening and sealing the token, one transaction (its event inside)", async () => {
    const [message] = await receive(ctx.stack.resources.VerifyQueue.url ?? "");
    const { handler } = await import("../functions/verify.ts");
    const calls = await counted(() => handler({ Records: [sqsRecord(message!)] }, {} as Context));
    expect(calls).toEqual(["Decrypt", "Encrypt", "GetItem", "TransactWriteItems"]);
  });

  it("a stream batch: an org's endpoints and a folder's syncs read once, however many of its secrets changed", async () => {
    const at = { workspaceId: crypto.randomUUID(), environment: "dev", secretPath: "/counted" };
    const secrets = Array.from({ length: 25 }, (_, i) => ({ secretKey: `K${i}`, secretValue: `v${i}` }));
    expect((await ctx.api("/api/v3/secrets/batch/raw", { json: { ...at, secrets } })).status).toBe(200);
    const events = (await scan(ctx.stack.resources.Table.name)).filter(
      (i) => i.type === "webhook-event" && String(i.data).includes(at.workspaceId),
    );
    expect(events).toHaveLength(25);
    const { handler } = await import("../functions/stream.ts");
    const batch = (items: typeof events) => ({
      Records: items.map((item, n) => ({
        eventName: "INSERT" as const,
        dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) as never, SequenceNumber: String(n) },
      })),
    });
    const one = await counted(() => handler(batch(events.slice(0, 1)), {} as Context));
    const all = await counted(() => handler(batch(events.slice(1)), {} as Context));
    const queries = (calls: string[]) => calls.filter((c) => c === "Query").length;
    expect(queries(one)).toBe(2); // the org's webhook endpoints, the folder's syncs
    expect(queries(all)).toBe(2);
    // Nobody subscribes: each event is only taken out of the outbox, and nothing is queued.
    expect(all.filter((c) => c !== "Query")).toEqual(Array(24).fill("UpdateItem"));
  });
});
