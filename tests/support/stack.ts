import { randomUUID } from "node:crypto";
import { startStack } from "@app/local/stack";
import { RailwayStandin, type StartOptions } from "@app/railway-standin";
import { afterAll, beforeAll, inject } from "vitest";

type Stack = Awaited<ReturnType<typeof startStack>>;

/**
 * The whole local system for one test file: its own table, queues and key in the shared
 * emulator, the API over real HTTP, the worker on the real queue, and a Railway stand-in.
 * Everything the process writes to stdout/stderr is captured in `output` for secret scans.
 */
export function useStack(
  opts: {
    standin?: StartOptions;
    worker?: boolean;
    visibilityTimeout?: number;
    webhooks?: boolean;
    servicesApart?: boolean;
  } = {},
) {
  const ctx = {} as {
    stack: Stack;
    railway: RailwayStandin;
    output: string[];
    /** fetch against the API with the stack's key (unless `auth` is given). */
    api: (path: string, init?: RequestInit & { auth?: string | null; json?: unknown }) => Promise<Response>;
  };
  ctx.output = [];
  const writes = { out: process.stdout.write, err: process.stderr.write };

  beforeAll(async () => {
    for (const stream of ["stdout", "stderr"] as const) {
      const original = process[stream].write.bind(process[stream]);
      process[stream].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        ctx.output.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
        return process.env.SHOW_LOGS ? (original as (...a: unknown[]) => boolean)(chunk, ...rest) : true;
      }) as typeof process.stdout.write;
    }
    ctx.railway = await RailwayStandin.start(opts.standin);
    Object.assign(process.env, {
      RAILWAY_API_URL: ctx.railway.url,
      RAILWAY_TIMEOUT_MS: "2000",
      VERIFY_RETRY_BASE_SECONDS: "1",
      VERIFY_MAX_ATTEMPTS: "3",
      WEBHOOKS_ALLOW_LOOPBACK: "1",
    });
    const prefix = `t${randomUUID().slice(0, 8)}`;
    ctx.stack = await startStack({
      port: 0,
      prefix,
      motoEndpoint: inject("motoEndpoint"),
      pollSeconds: 1,
      worker: opts.worker ?? true,
      webhooks: opts.webhooks,
      visibilityTimeout: opts.visibilityTimeout,
      servicesApart: opts.servicesApart,
    });
    const { Resource } = await import("@app/core/resource");
    if (Resource.Table.name !== ctx.stack.resources.Table.name)
      throw new Error("SST links are stale: this process already served another test file");
  });

  afterAll(async () => {
    await ctx.stack?.stop();
    await ctx.railway?.close();
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
  });

  ctx.api = (path, init = {}) => {
    const { auth, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    const key = auth === undefined ? ctx.stack.apiKey : auth;
    if (key !== null) headers.set("authorization", `Bearer ${key}`);
    if (json !== undefined) headers.set("content-type", "application/json");
    return fetch(`${ctx.stack.url}${path}`, {
      ...rest,
      headers,
      ...(json !== undefined ? { method: rest.method ?? "POST", body: JSON.stringify(json) } : {}),
    });
  };
  return ctx;
}

/** Polls until the connection leaves `pending`, and returns it. */
export async function settled(ctx: ReturnType<typeof useStack>, id: string, timeoutMs = 20_000, auth?: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await ctx.api(`/api/v1/app-connections/railway/${id}`, { auth });
    const body = (await res.json()) as { appConnection: Record<string, any> };
    if (body.appConnection.status !== "pending") return body.appConnection;
    if (Date.now() > deadline) throw new Error(`connection ${id} still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Writes an outbox event as one whose stream record was lost (past the stream's retention or its
 * retries): dated ten minutes ago, as old as the safety sweep looks for, while the stream is not read.
 */
export async function writeLostToStream(
  ctx: ReturnType<typeof useStack>,
  write: ReturnType<typeof import("@app/core/event").write>,
) {
  const Dynamo = await import("@app/core/dynamo");
  const then = new Date(Date.now() - 10 * 60_000).toISOString();
  Object.assign(write.Put.Item, { createdAt: then, gsi2sk: `${then}#${write.Put.Item.id}` });
  await ctx.stack.pauseStream();
  try {
    await Dynamo.transact([write]);
  } finally {
    await ctx.stack.resumeStream();
  }
}
