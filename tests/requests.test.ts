import { subscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import type { Context } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { receive, sqsRecord } from "./support/aws.ts";
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
});
