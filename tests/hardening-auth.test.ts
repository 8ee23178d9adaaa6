import { randomUUID } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { useStack } from "./support/stack.ts";

// Issue 29, defect 11: a login costs the same whether or not its client id exists.

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
});
