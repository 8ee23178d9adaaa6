import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context } from "aws-lambda";
import { Webhook as Verifier } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { receive, scan, sqsRecord } from "./support/aws.ts";
import { useStack, writeLostToStream } from "./support/stack.ts";
import { until } from "./support/until.ts";

process.env.WEBHOOK_RETRY_SCHEDULE_SECONDS = "1,1,1";

// The verification worker is off so that each test decides when (and how often) a job runs;
// webhook delivery and its relay run as in `npm run dev`.
const ctx = useStack({ worker: false });
const base = "/api/v1/app-connections/railway";

type Received = { headers: IncomingHttpHeaders; body: string; event: any };

/** A real receiver on loopback that answers `failures` requests with 500 before answering 204. */
async function receiver(failures = 0, fail: { status: number; headers?: Record<string, string> } = { status: 500 }) {
  const received: Received[] = [];
  let failed = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (failed < failures) {
        failed++;
        res.writeHead(fail.status, fail.headers).end("receiver is down for maintenance");
        return;
      }
      received.push({ headers: req.headers, body, event: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}
const servers: import("node:http").Server[] = [];
const endpoints: string[] = [];

afterEach(async () => {
  for (const id of endpoints.splice(0)) await ctx.api(`/api/v1/webhooks/${id}`, { method: "DELETE" });
  for (const s of servers.splice(0)) s.close();
});

async function subscribe(url: string, eventTypes?: string[]) {
  const res = await ctx.api("/api/v1/webhooks", { json: { url, ...(eventTypes ? { eventTypes } : {}) } });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { webhook: { id: string }; secret: string };
  endpoints.push(body.webhook.id);
  return body;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createConnection(name: string) {
  const user = ctx.railway.addUser();
  const res = await ctx.api(base, {
    json: { name, method: "account-token", credentials: { apiToken: user.accountToken } },
  });
  const { appConnection } = (await res.json()) as { appConnection: { id: string } };
  return { id: appConnection.id, token: user.accountToken };
}

/** Takes the verification job off the queue and runs it `times` at once, as duplicate delivery would. */
async function runVerification(times = 1) {
  const [message] = await until(() =>
    receive(ctx.stack.resources.VerifyQueue.url ?? "").then((m) => (m.length > 0 ? m : undefined)),
  );
  const { handler } = await import("../functions/verify.ts");
  await Promise.all(Array.from({ length: times }, () => handler({ Records: [sqsRecord(message!)] }, {} as Context)));
}

const verified = (r: Received, secret: string) =>
  new Verifier(secret).verify(r.body, r.headers as Record<string, string>) as any;

describe("endpoints", () => {
  it("the secret is shown once, in the Standard Webhooks format, and never again", async () => {
    const hook = await receiver();
    const { webhook, secret } = await subscribe(hook.url);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({
      url: hook.url,
      enabled: true,
      eventTypes: expect.arrayContaining(["app-connection.verified"]),
    });
    const one = await (await ctx.api(`/api/v1/webhooks/${webhook.id}`)).text();
    const all = await (await ctx.api("/api/v1/webhooks")).text();
    expect(one).not.toContain(secret);
    expect(all).not.toContain(secret);
    expect(JSON.stringify(await scan(ctx.stack.resources.Table.name))).not.toContain(secret.slice(6));
    const patched = await ctx.api(`/api/v1/webhooks/${webhook.id}`, {
      method: "PATCH",
      json: { description: "ops", eventTypes: ["app-connection.revoked"] },
    });
    expect(await patched.json()).toMatchObject({
      webhook: { description: "ops", eventTypes: ["app-connection.revoked"] },
    });
  });

  it("refuses private, link-local, CGNAT, unique-local and IPv4-mapped addresses everywhere", async () => {
    for (const url of [
      "https://10.1.2.3/hook",
      "https://172.16.0.1/hook",
      "https://192.168.1.1/hook",
      "https://169.254.169.254/latest/meta-data",
      "http://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/hook",
      "https://[fd00::1]/hook",
      "https://[fe80::1]/hook",
      "https://[::ffff:127.0.0.1]/hook",
      "https://[::ffff:10.0.0.1]/hook",
      "http://10.0.0.1/hook",
      "ftp://127.0.0.1/hook",
      "https://user:pass@127.0.0.1/hook",
    ]) {
      const res = await ctx.api("/api/v1/webhooks", { json: { url } });
      expect(res.status, url).toBe(400);
      const body = (await res.json()) as any;
      expect(body.details?.[0]?.path ?? body.message, url).toMatch(/url/);
    }
  });

  it("in production mode (no WEBHOOKS_ALLOW_LOOPBACK) refuses loopback and plain http", async () => {
    delete process.env.WEBHOOKS_ALLOW_LOOPBACK;
    try {
      for (const url of [
        "http://127.0.0.1:8080/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "http://[::1]/",
      ]) {
        const res = await ctx.api("/api/v1/webhooks", { json: { url } });
        expect(res.status, url).toBe(400);
        expect(((await res.json()) as any).message, url).toMatch(/^Invalid request: url: /);
      }
    } finally {
      process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    }
  });

  it("project-limited keys cannot manage webhooks (they would see every connection)", async () => {
    const ApiKey = await import("@app/core/apikey");
    const limited = await ApiKey.create({
      orgId: ctx.stack.orgId,
      name: "limited",
      projectIds: ["7ffbb072-2575-495a-b5b0-127f88caef78"],
    });
    const res = await ctx.api("/api/v1/webhooks", { auth: limited.secret });
    expect(res.status).toBe(403);
  });
});

describe("events", () => {
  it("created then verified, each exactly once even when the job runs twice; then deleted; all signed", async () => {
    const hook = await receiver();
    const { secret } = await subscribe(hook.url);
    const conn = await createConnection("webhook-happy");
    await runVerification(2);
    await ctx.api(`${base}/${conn.id}`, { method: "DELETE" });
    await until(() => hook.received.length >= 3);
    await pause(2500); // longer than the relay's interval: nothing more arrives
    const events = hook.received.map((r) => verified(r, secret));
    expect(events.map((e) => e.type).sort()).toEqual(
      ["app-connection.created", "app-connection.deleted", "app-connection.verified"].sort(),
    );
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    expect(byType["app-connection.created"].data.appConnection).toMatchObject({ id: conn.id, status: "pending" });
    expect(byType["app-connection.verified"].data.appConnection).toMatchObject({
      id: conn.id,
      status: "active",
      credentials: {},
    });
    expect(Date.parse(byType["app-connection.created"].timestamp)).toBeLessThanOrEqual(
      Date.parse(byType["app-connection.verified"].timestamp),
    );
    expect(new Set(hook.received.map((r) => r.headers["webhook-id"])).size).toBe(3);
    expect(hook.received.map((r) => r.body).join()).not.toContain(conn.token);
  });

  it("a re-check that Railway rejects tells the receiver the connection was revoked", async () => {
    const hook = await receiver();
    const { secret } = await subscribe(hook.url, ["app-connection.revoked", "app-connection.failed"]);
    const conn = await createConnection("webhook-revoked");
    await runVerification();
    ctx.railway.revokeToken(conn.token);
    expect((await ctx.api(`${base}/${conn.id}/verify`, { method: "POST" })).status).toBe(202);
    await runVerification();
    await until(() => hook.received.length >= 1);
    const event = verified(hook.received[0]!, secret);
    expect(event).toMatchObject({
      type: "app-connection.revoked",
      data: { appConnection: { id: conn.id, status: "failed" } },
    });
  });
});

describe("changes", () => {
  it("an edit is updated; new credentials are updated, then credentials-rotated once they verify", async () => {
    const hook = await receiver();
    const { secret } = await subscribe(hook.url, ["app-connection.updated", "app-connection.credentials-rotated"]);
    const conn = await createConnection("webhook-changes");
    await runVerification();
    await ctx.api(`${base}/${conn.id}`, { method: "PATCH", json: { description: "renamed for ops" } });
    const next = ctx.railway.addUser();
    await ctx.api(`${base}/${conn.id}`, { method: "PATCH", json: { credentials: { apiToken: next.accountToken } } });
    await runVerification();
    await until(() => hook.received.length >= 3);
    await pause(2500);
    const events = hook.received.map((r) => verified(r, secret)).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    expect(events.map((e) => e.type)).toEqual([
      "app-connection.updated",
      "app-connection.updated",
      "app-connection.credentials-rotated",
    ]);
    expect(events[0].data.appConnection).toMatchObject({ description: "renamed for ops", version: 2 });
    expect(events[1].data.appConnection).toMatchObject({ version: 3, rotation: { status: "pending" } });
    expect(events[2].data.appConnection).toMatchObject({ status: "active", rotation: null, pendingVerification: null });
    expect(hook.received.map((r) => r.body).join()).not.toContain(next.accountToken);
  });
});

describe("delivery", () => {
  it("a receiver failing twice gets the event once, and the log shows the three attempts; it can be redelivered", async () => {
    const hook = await receiver(2);
    const { webhook, secret } = await subscribe(hook.url, ["app-connection.created"]);
    await createConnection("webhook-retried");
    await until(() => hook.received.length >= 1, 15_000);
    const log = (await (await ctx.api(`/api/v1/webhooks/${webhook.id}/deliveries`)).json()) as any;
    expect(log.deliveries.map((d: any) => [d.attempt, d.succeeded, d.statusCode])).toEqual([
      [3, true, 204],
      [2, false, 500],
      [1, false, 500],
    ]);
    expect(log.deliveries[1]).toMatchObject({ error: "HTTP 500", responseExcerpt: "receiver is down for maintenance" });
    expect(hook.received).toHaveLength(1);
    verified(hook.received[0]!, secret);

    const again = await ctx.api(`/api/v1/webhooks/${webhook.id}/deliveries/${log.deliveries[0].id}/redeliver`, {
      method: "POST",
    });
    expect(again.status).toBe(202);
    await until(() => hook.received.length >= 2);
    expect(hook.received[1]!.headers["webhook-id"]).toBe(hook.received[0]!.headers["webhook-id"]);
  });

  it("an endpoint failing attempt after attempt is disabled, saying why", async () => {
    const hook = await receiver(1000);
    const { webhook } = await subscribe(hook.url, ["app-connection.created"]);
    process.env.WEBHOOK_DISABLE_AFTER_FAILURES = "2";
    try {
      await createConnection("webhook-disabled");
      const disabled = await until(async () => {
        const body = (await (await ctx.api(`/api/v1/webhooks/${webhook.id}`)).json()) as any;
        return !body.webhook.enabled && body.webhook;
      });
      expect(disabled).toMatchObject({
        failureStreak: 2,
        disabledReason: expect.stringMatching(/2 consecutive failed/),
      });
    } finally {
      delete process.env.WEBHOOK_DISABLE_AFTER_FAILURES;
    }
    await pause(1500); // the third attempt finds the endpoint disabled and sends nothing
    const log = (await (await ctx.api(`/api/v1/webhooks/${webhook.id}/deliveries`)).json()) as any;
    expect(log.deliveries).toHaveLength(2);
  });

  it("an event committed by any writer is relayed from the table's stream, not by a schedule", async () => {
    const hook = await receiver();
    const { secret } = await subscribe(hook.url, ["app-connection.updated"]);
    const Event = await import("@app/core/event");
    const Dynamo = await import("@app/core/dynamo");
    const conn = (await (await ctx.api(`${base}/${(await createConnection("webhook-stream")).id}`)).json()) as any;
    // Committed outside any request or job: nothing relays it inline, and the safety sweep runs
    // every 15 minutes over events older than 5, so only the stream can deliver it in time.
    await Dynamo.transact([
      Event.write(ctx.stack.orgId, "app-connection.updated", { appConnection: conn.appConnection }),
    ]);
    await until(() => hook.received.length >= 1, 8000);
    expect(verified(hook.received[0]!, secret)).toMatchObject({
      type: "app-connection.updated",
      data: { appConnection: { id: conn.appConnection.id } },
    });
  });

  it("the local stream is caught up only once it has handled every event committed before", async () => {
    const Event = await import("@app/core/event");
    const Dynamo = await import("@app/core/dynamo");
    const { GetCommand } = await import("@aws-sdk/lib-dynamodb");
    const writes = Array.from({ length: 25 }, (_, i) =>
      Event.write(ctx.stack.orgId, "app-connection.updated", { caughtUp: i } as never),
    );
    for (let i = 0; i < writes.length; i += 5) await Dynamo.transact(writes.slice(i, i + 5));
    await ctx.stack.streamCaughtUp();
    // Handled: each left the outbox (its index key is gone) before the promise resolved.
    const left = await Promise.all(
      writes.map(async ({ Put: { Item } }) => {
        const out = await Dynamo.client.send(
          new GetCommand({ TableName: Dynamo.table(), Key: { pk: Item.pk, sk: Item.sk }, ConsistentRead: true }),
        );
        return out.Item?.gsi2pk === undefined;
      }),
    );
    expect(left).toEqual(writes.map(() => true));
  });

  it("an event whose stream record was lost stays in the outbox until the safety sweep relays it", async () => {
    const hook = await receiver();
    const { secret } = await subscribe(hook.url, ["app-connection.updated"]);
    const Event = await import("@app/core/event");
    const maintenance = await import("../functions/maintenance.ts");
    const conn = (await (await ctx.api(`${base}/${(await createConnection("webhook-lost")).id}`)).json()) as any;
    // Written ten minutes ago while the stream was not read: its record is gone, as one past
    // the stream's retention or its retries.
    const write = Event.write(ctx.stack.orgId, "app-connection.updated", { appConnection: conn.appConnection });
    await writeLostToStream(ctx, write);
    await pause(1500);
    expect(hook.received).toHaveLength(0);
    expect(await maintenance.relayWebhooks()).toBeGreaterThanOrEqual(1);
    await until(() => hook.received.length >= 1, 8000);
    expect(verified(hook.received[0]!, secret)).toMatchObject({
      type: "app-connection.updated",
      data: { appConnection: { id: conn.appConnection.id } },
    });
    // Relayed once: the next sweep finds it no longer in the outbox.
    expect(await maintenance.relayWebhooks()).toBe(0);
  });

  it("a redirect is a failed attempt, and its target is never contacted", async () => {
    const target = await receiver();
    const hook = await receiver(1000, { status: 307, headers: { location: target.url } });
    const { webhook } = await subscribe(hook.url, ["app-connection.created"]);
    await createConnection("webhook-redirected");
    const log = await until(async () => {
      const body = (await (await ctx.api(`/api/v1/webhooks/${webhook.id}/deliveries`)).json()) as any;
      return body.deliveries.length > 0 && body.deliveries;
    });
    expect(log[0]).toMatchObject({ succeeded: false, statusCode: 307, error: "HTTP 307 (redirects are not followed)" });
    expect(target.received).toHaveLength(0);
  });

  it("after a secret rotation, deliveries verify with both the old and the new secret", async () => {
    const hook = await receiver();
    const { webhook, secret: old } = await subscribe(hook.url, ["app-connection.created"]);
    const res = await ctx.api(`/api/v1/webhooks/${webhook.id}/rotate-secret`, { method: "POST" });
    expect(res.status).toBe(200);
    const { secret: fresh, webhook: rotated } = (await res.json()) as any;
    expect(fresh).not.toBe(old);
    expect(Date.parse(rotated.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
    await createConnection("webhook-rotated");
    await until(() => hook.received.length >= 1);
    const [delivery] = hook.received;
    expect(String(delivery!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(verified(delivery!, old).type).toBe("app-connection.created");
    expect(verified(delivery!, fresh).type).toBe("app-connection.created");
    expect(() => verified(delivery!, `whsec_${Buffer.alloc(32, 1).toString("base64")}`)).toThrow();
  });

  it("an address refused at delivery time is not contacted, and the log says why", async () => {
    const hook = await receiver();
    const { webhook } = await subscribe(hook.url, ["app-connection.created"]);
    delete process.env.WEBHOOKS_ALLOW_LOOPBACK;
    try {
      await createConnection("webhook-refused");
      const log = await until(async () => {
        const body = (await (await ctx.api(`/api/v1/webhooks/${webhook.id}/deliveries`)).json()) as any;
        return body.deliveries.length > 0 && body.deliveries;
      });
      expect(log[0]).toMatchObject({ succeeded: false, statusCode: null, error: expect.stringMatching(/^refused: /) });
      await ctx.api(`/api/v1/webhooks/${webhook.id}`, { method: "DELETE" });
    } finally {
      process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    }
    expect(hook.received).toHaveLength(0);
  });

  it("no signing secret or Railway token in any log line", async () => {
    const hook = await receiver();
    const { secret } = await subscribe(hook.url);
    const conn = await createConnection("webhook-no-leaks");
    await until(() => hook.received.length >= 1);
    const output = ctx.output.join("");
    expect(output).not.toContain(secret);
    expect(output).not.toContain(secret.slice(6));
    expect(output).not.toContain(conn.token);
  });
});
