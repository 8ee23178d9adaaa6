import { randomUUID } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { dynamo, scan } from "./support/aws.ts";
import { ConsoleClient } from "./support/console.ts";
import { useStack } from "./support/stack.ts";

// Issue 29, defects 5 and 11: a console session ends with what signed in, and a login costs the
// same whether or not its client id exists.

/** Every hash and constant-time comparison this process makes, counted. */
const work = vi.hoisted(() => ({ hashes: 0, compares: 0 }));
vi.mock("node:crypto", async (original) => {
  const crypto = await original<typeof import("node:crypto")>();
  const counted = {
    ...crypto,
    createHash: ((...args: Parameters<typeof crypto.createHash>) => {
      work.hashes++;
      return crypto.createHash(...args);
    }) as typeof crypto.createHash,
    timingSafeEqual: ((a, b) => {
      work.compares++;
      return crypto.timingSafeEqual(a, b);
    }) as typeof crypto.timingSafeEqual,
  };
  return { ...counted, default: counted };
});

const ctx = useStack({ worker: false, webhooks: false });

/** The AWS operations (X-Amz-Target) this process sends while `run` runs. */
let sent: string[] = [];
beforeAll(() => {
  subscribe("http.client.request.start", (message) => {
    const target = (message as { request: ClientRequest }).request.getHeader("x-amz-target");
    if (typeof target === "string") sent.push(target.replace(/^\w+\./, ""));
  });
});
async function counted(run: () => Promise<unknown>) {
  sent = [];
  work.hashes = 0;
  work.compares = 0;
  await run();
  return { aws: [...sent].sort(), hashes: work.hashes, compares: work.compares };
}

const post = (path: string, json: unknown) => ctx.api(path, { auth: null, json });

/** A fresh key of the stack's org with its client id and secret. */
async function keyWithClient() {
  const ApiKey = await import("@app/core/apikey");
  const Access = await import("@app/core/access");
  const key = await ApiKey.create({ name: "hardening", orgId: ctx.stack.orgId });
  return { key, ...(await Access.issueClient(key)) };
}

async function accessToken() {
  const { clientId, clientSecret } = await keyWithClient();
  const res = await post("/api/v1/auth/universal-auth/login", { clientId, clientSecret });
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string; expiresIn: number };
}

/** A project with one secret in it, and the console page that reveals it. */
async function secretToReveal() {
  const workspaceId = randomUUID();
  const value = `revealed-${randomUUID()}`;
  const made = await ctx.api("/api/v3/secrets/raw/HARDENING_VALUE", {
    json: { workspaceId, environment: "dev", secretPath: "/", secretValue: value },
  });
  expect(made.status).toBe(200);
  const page = `/console/secrets?${new URLSearchParams({ project: workspaceId, env: "dev", path: "/", reveal: "HARDENING_VALUE" })}`;
  return { value, page };
}

/** The session reveals the value; then `end` happens; then it reveals nothing and is sent to sign in. */
async function revealsUntil(signInWith: string, end: () => Promise<void>) {
  const { value, page } = await secretToReveal();
  const b = new ConsoleClient(ctx.stack.url);
  await b.signIn(signInWith);
  const before = await b.get(page);
  expect(before.status).toBe(200);
  expect(before.html).toContain(value);

  await end();
  const after = await b.get(page);
  expect(after.status).toBe(303);
  expect(after.headers.get("location")).toBe("/console/sign-in");
  expect(after.html).not.toContain(value);
  const form = await b.post("/console/secrets/new", {
    project: randomUUID(),
    env: "dev",
    path: "/",
    key: "AFTER",
    value: "x",
    comment: "",
  });
  expect(form.status).toBe(303);
  expect(form.headers.get("location")).toBe("/console/sign-in?notice=expired");
  const fragment = await b.get("/console/connections/none/fragment");
  expect(fragment.status).toBe(401);
  return b;
}

afterEach(() => {
  vi.useRealTimers();
  delete process.env.ACCESS_TOKEN_TTL_SECONDS;
});

describe("a console session ends with what signed in (defect 5)", () => {
  it("signed in with an access token: ends when the token is revoked", async () => {
    const { accessToken: token } = await accessToken();
    const b = await revealsUntil(token, async () => {
      expect((await post("/api/v1/auth/token/revoke", { accessToken: token })).status).toBe(200);
    });
    // The session's item is gone from use, not only this page: signing in again is offered.
    expect((await b.get("/console/sign-in")).status).toBe(200);
  });

  it("signed in with an access token: ends when the token expires, and its cookie says when", async () => {
    process.env.ACCESS_TOKEN_TTL_SECONDS = "4";
    const { accessToken: token, expiresIn } = await accessToken();
    expect(expiresIn).toBe(4);
    const signedInAt = Date.now();
    await revealsUntil(token, async () => {
      await new Promise((r) => setTimeout(r, signedInAt + (expiresIn + 1) * 1000 - Date.now()));
    });
    const again = new ConsoleClient(ctx.stack.url);
    process.env.ACCESS_TOKEN_TTL_SECONDS = "60";
    const { cookie } = await again.signIn((await accessToken()).accessToken);
    const maxAge = Number(cookie.match(/Max-Age=(\d+)/)?.[1]);
    expect(maxAge).toBeGreaterThan(50);
    expect(maxAge).toBeLessThanOrEqual(60);
  });

  it("signed in with an API key: ends when the key is deleted (within the minute a warm function trusts a key)", async () => {
    const { key } = await keyWithClient();
    await revealsUntil(key.secret, async () => {
      const ApiKey = await import("@app/core/apikey");
      await dynamo().send(
        new DeleteCommand({ TableName: ctx.stack.resources.Table.name, Key: ApiKey.keyOf(key.secret) }),
      );
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 61_000);
    });
  });

  it("costs one read more per page for a token's session, and none for a key's (remembered for a minute)", async () => {
    const token = new ConsoleClient(ctx.stack.url);
    await token.signIn((await accessToken()).accessToken);
    const key = new ConsoleClient(ctx.stack.url);
    await key.signIn((await keyWithClient()).key.secret);
    const reads = async (b: ConsoleClient, page: string) => {
      const { aws } = await counted(async () => expect((await b.get(page)).status).toBe(200));
      return aws.filter((call) => call === "GetItem").length;
    };
    // A page of each function: the secrets function's chooser, the API's connections (which also query).
    for (const page of ["/console/secrets", "/console"]) {
      expect(await reads(token, page), page).toBe(2);
      expect(await reads(key, page), page).toBe(1);
    }
  });

  it("stores only hashes: no token or session id in the table or the logs", async () => {
    const { accessToken: token } = await accessToken();
    const b = new ConsoleClient(ctx.stack.url);
    await b.signIn(token);
    const items = await scan(ctx.stack.resources.Table.name);
    const sessions = items.filter((i) => i.type === "session");
    expect(sessions.length).toBeGreaterThan(0);
    for (const session of sessions) expect(session.credentialHash).toMatch(/^[0-9a-f]{64}$/);
    const text = JSON.stringify(items);
    expect(text).not.toContain(token);
    expect(text).not.toContain(b.session);
    const logs = ctx.output.join("");
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(b.session);
  });
});

describe("a login costs the same whether or not its client id exists (defect 11)", () => {
  it("an unknown client id and a known one with a wrong secret: the same reads, hashes and comparisons", async () => {
    const { clientId, clientSecret } = await keyWithClient();
    const login = (id: string) => async () =>
      expect(
        (await post("/api/v1/auth/universal-auth/login", { clientId: id, clientSecret: `${clientSecret}x` })).status,
      ).toBe(401);
    const known = await counted(login(clientId));
    const unknown = await counted(login(randomUUID()));
    expect(known.aws).toEqual(["GetItem"]);
    expect(known.compares).toBeGreaterThan(0);
    expect(unknown).toEqual(known);
  });

  it("a refusal answers no sooner than its floor after it began, whichever it was (a lower bound: timers never fire early)", async () => {
    process.env.LOGIN_REFUSAL_FLOOR_MS = "300";
    try {
      const { clientId, clientSecret } = await keyWithClient();
      for (const id of [clientId, randomUUID()]) {
        const began = performance.now();
        const res = await post("/api/v1/auth/universal-auth/login", { clientId: id, clientSecret: `${clientSecret}x` });
        expect(res.status).toBe(401);
        expect(performance.now() - began).toBeGreaterThanOrEqual(295);
      }
    } finally {
      delete process.env.LOGIN_REFUSAL_FLOOR_MS;
    }
  });
});
