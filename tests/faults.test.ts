import { describe, expect, it } from "vitest";
import { settled, useStack } from "./support/stack.ts";

// RAILWAY_TIMEOUT_MS=2000, VERIFY_RETRY_BASE_SECONDS=1 and VERIFY_MAX_ATTEMPTS=3 in tests.
const ctx = useStack();
const base = "/api/v1/app-connections/railway";

const workspaceToken = () => ctx.railway.addWorkspace(ctx.railway.addUser().id).workspaceToken;
const create = async (apiToken: string, method = "team-token") => {
  const res = await ctx.api(base, {
    json: { name: `f-${crypto.randomUUID().slice(0, 8)}`, method, credentials: { apiToken } },
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { appConnection: { id: string } }).appConnection.id;
};
const seen = (token: string) =>
  ctx.railway.requests.filter((r) => r.authorization === `Bearer ${token}` || r.projectAccessToken === token);

describe("Railway faults are retried through the queue", () => {
  it.each([
    ["a timeout", { type: "hang" as const }],
    ["a dropped connection", { type: "drop" as const }],
    ["a 500", { type: "status" as const, status: 500 }],
  ])("%s, then success: active after a second attempt", async (_, fault) => {
    const token = workspaceToken();
    ctx.railway.injectFaults(fault);
    const conn = await settled(ctx, await create(token));
    expect(conn.status).toBe("active");
    const requests = seen(token);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(400);
  });

  it("a 429 waits at least Retry-After before the next attempt", async () => {
    const token = workspaceToken();
    ctx.railway.injectFaults({ type: "rateLimited", retryAfter: 3 });
    const conn = await settled(ctx, await create(token));
    expect(conn.status).toBe("active");
    const [limited, retried] = seen(token);
    expect(limited?.status).toBe(429);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(3000);
  });

  it("a rejected token fails at once: one request per kind, no retry", async () => {
    const token = `revoked-${crypto.randomUUID()}`;
    const started = Date.now();
    const conn = await settled(ctx, await create(token, "account-token"));
    expect(conn.status).toBe("failed");
    expect(Date.now() - started).toBeLessThan(5000);
    expect(
      seen(token)
        .map((r) => r.fields[0])
        .sort(),
    ).toEqual(["apiToken", "me", "projectToken"]);
  });

  it("Railway down for every attempt: failed saying Railway could not be reached, and it can be verified again later", async () => {
    const token = workspaceToken();
    ctx.railway.injectFaults(...Array.from({ length: 3 }, () => ({ type: "status" as const, status: 503 })));
    const id = await create(token);
    const conn = await settled(ctx, id, 25_000);
    expect(conn.status).toBe("failed");
    expect(conn.statusMessage).toMatch(/could not be reached.*not rejected/);
    const again = await ctx.api(`${base}/${id}/verify`, { method: "POST" });
    expect(again.status).toBe(202);
    const deadline = Date.now() + 20_000;
    let now = conn;
    while (now.status !== "active" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = ((await (await ctx.api(`${base}/${id}`)).json()) as any).appConnection;
    }
    expect(now.status).toBe("active");
  });

  it("an error that echoes the token is redacted everywhere", async () => {
    const token = workspaceToken();
    const echo = {
      type: "status" as const,
      status: 200,
      body: JSON.stringify({ data: null, errors: [{ message: `Problem processing request with token ${token}` }] }),
    };
    ctx.railway.injectFaults(echo, echo, echo);
    const conn = await settled(ctx, await create(token), 25_000);
    expect(conn.status).toBe("failed");
    expect(conn.statusMessage).toContain("[redacted]");
    expect(conn.statusMessage).not.toContain(token);
    const audit = await (await ctx.api(`/api/v1/audit-logs?connectionId=${conn.id}`)).text();
    expect(audit).toContain("[redacted]");
    expect(audit).not.toContain(token);
    expect(ctx.output.join("")).toContain("[redacted]");
    expect(ctx.output.join("")).not.toContain(token);
  });
});
