import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { bootstrap } from "@app/local/bootstrap";
import { emulatorEnvironment } from "@app/local/moto";
import { RailwayStandin } from "@app/railway-standin";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { bundle, type Handler, handlers } from "../scripts/bundle.ts";
import { floorFor, target } from "../scripts/floor.ts";
import { receive, sqsRecord } from "./support/aws.ts";

/**
 * The bundles that are deployed (scripts/bundle.ts), each run as Lambda runs it: a fresh Node
 * process that imports it and calls its handler with a Lambda event, against the emulator and
 * the Railway stand-in. Catches what bundling alone can break: a dependency that cannot be
 * bundled, a dynamic require, code the tree-shaking dropped.
 */
const out = mkdtempSync(join(tmpdir(), "bundles-"));
const env: Record<string, string> = {};
let railway: RailwayStandin;
let apiKey: string;
let resources: Awaited<ReturnType<typeof bootstrap>>["resources"];
const metas = {} as Record<Handler, Awaited<ReturnType<typeof bundle>>>;

beforeAll(async () => {
  railway = await RailwayStandin.start({ seedDemo: true });
  Object.assign(process.env, emulatorEnvironment(inject("motoEndpoint")));
  const made = await bootstrap(`b${randomUUID().slice(0, 8)}`);
  resources = made.resources;
  Object.assign(process.env, made.environment);
  Object.assign(env, emulatorEnvironment(inject("motoEndpoint")), made.environment, {
    PATH: process.env.PATH ?? "",
    RAILWAY_API_URL: railway.url,
    RAILWAY_TIMEOUT_MS: "2000",
  });
  const ApiKey = await import("@app/core/apikey");
  apiKey = (await ApiKey.create({ name: "bundles" })).secret;
  for (const [name, entry] of Object.entries(handlers)) metas[name as Handler] = await bundle(entry, join(out, name));
}, 120_000);

afterAll(async () => {
  await railway?.close();
  rmSync(out, { recursive: true, force: true });
});

const child = `
const { handler } = await import(process.env.BUNDLE);
const result = await handler(JSON.parse(process.env.EVENT), { awsRequestId: "test", getRemainingTimeInMillis: () => 30000 });
process.stderr.write("RESULT " + JSON.stringify(result) + "\\n");
`;

/** Invokes a bundle's handler once, in its own Node process. */
async function invoke(name: Handler, event: unknown): Promise<any> {
  const { stderr } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", child], {
    env: { ...env, BUNDLE: join(out, name, "index.mjs"), EVENT: JSON.stringify(event) },
  });
  const line = stderr.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`${name} gave no result:\n${stderr}`);
  return JSON.parse(line.slice(7));
}

/** A Lambda Function URL event (payload format 2.0). */
const http = (method: string, path: string, body?: unknown) => ({
  version: "2.0",
  routeKey: "$default",
  rawPath: path,
  rawQueryString: "",
  headers: {
    host: "example.lambda-url.us-east-1.on.aws",
    authorization: `Bearer ${apiKey}`,
    ...(body === undefined ? {} : { "content-type": "application/json" }),
  },
  requestContext: {
    domainName: "example.lambda-url.us-east-1.on.aws",
    http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1" },
    requestId: randomUUID(),
    routeKey: "$default",
    stage: "$default",
  },
  body: body === undefined ? undefined : JSON.stringify(body),
  isBase64Encoded: false,
});

const connections = "/api/v1/app-connections/railway";

async function create(name: string) {
  const res = await invoke(
    "api",
    http("POST", connections, { name, method: "team-token", credentials: { apiToken: "demo-workspace-token" } }),
  );
  expect(res.statusCode).toBe(202);
  return JSON.parse(res.body).appConnection.id as string;
}

async function jobFor(id: string): Promise<SQSRecord> {
  const [message, ...others] = await receive(resources.VerifyQueue.url ?? "");
  expect(others).toHaveLength(0);
  expect(message?.Body).toContain(id);
  return sqsRecord(message!);
}

const status = async (id: string) => JSON.parse((await invoke("api", http("GET", `${connections}/${id}`))).body);

describe("the bundled handlers", () => {
  test(`each is within ${target}× the size of its floor, the same SDK clients alone (npm run bench:bundles also times them)`, async () => {
    const bytes = (meta: (typeof metas)[Handler]) => Object.values(meta.outputs).reduce((n, o) => n + o.bytes, 0);
    for (const [name, meta] of Object.entries(metas)) {
      const floor = await bundle({ contents: floorFor(meta).source }, join(out, `floor-${name}`));
      expect(bytes(meta) / bytes(floor), name).toBeLessThanOrEqual(target);
    }
  });

  test("the API answers /health once the table, queue and key answer", async () => {
    const res = await invoke("api", http("GET", "/health"));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: "ok" });
  });

  test("the API serves the console's files minified and gzipped, and plain to a client without gzip", async () => {
    const asset = (encoding: string) => {
      const event = http("GET", "/console/assets/console.css");
      return invoke("api", { ...event, headers: { ...event.headers, "accept-encoding": encoding } });
    };
    const zipped = await asset("gzip, deflate, br");
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zipped.isBase64Encoded).toBe(true);
    const css = gunzipSync(Buffer.from(zipped.body, "base64")).toString();
    expect(css).toMatch(/^:root\{--bg: ?#f6f7f9;/);
    expect(css.trimEnd()).not.toContain("\n");
    const plain = await asset("identity");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toBe(css);
  });

  test("API and worker take a connection from pending to active", async () => {
    const id = await create("bundled");
    const result = await invoke("verify", { Records: [await jobFor(id)] });
    expect(result).toEqual({ batchItemFailures: [] });
    const { appConnection } = await status(id);
    expect(appConnection).toMatchObject({ id, status: "active" });
    expect(appConnection.railway.workspaces.length).toBeGreaterThan(0);
  });

  test("the maintenance bundle runs the sweep and the re-verification", async () => {
    expect(await invoke("maintenance", { task: "sweep" })).toEqual(expect.any(Number));
    expect(await invoke("maintenance", { task: "reverify" })).toEqual(expect.any(Number));
  });

  test("the stream bundle takes a stream batch: an event no longer in the outbox and a record of another kind are done", async () => {
    const record = (sequence: string, image: Record<string, unknown>) => ({
      eventName: "INSERT",
      eventSource: "aws:dynamodb",
      dynamodb: { SequenceNumber: sequence, NewImage: image },
    });
    // An event already relayed (not in the outbox): nothing to do. An image that is not one: skipped.
    const event = { type: { S: "webhook-event" }, id: { S: "evt_x" }, orgId: { S: "org_x" }, pk: { S: "ORG#org_x" } };
    expect(await invoke("stream", { Records: [record("1", event), record("2", { type: { S: "name" } })] })).toEqual({
      batchItemFailures: [],
    });
  });

  test("the dead-letter worker fails the connection of a job it is handed", async () => {
    const id = await create("dead-lettered");
    const result = await invoke("dead-letter", { Records: [await jobFor(id)] });
    expect(result).toEqual({ batchItemFailures: [] });
    expect((await status(id)).appConnection).toMatchObject({ id, status: "failed" });
  });
});
