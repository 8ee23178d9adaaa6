/**
 * `npm run bench:scale`: how the design grows with the table, against a local emulator, and what
 * each operation costs in AWS requests (issue 14, items 4 and 5). Not a test: it prints tables.
 *   1. Seeds connections (BatchWriteItem, 25 at a time) up to each size, a tenth of them in one org.
 *   2. One maintenance period at each size: every active connection due, REVERIFY_PER_SECOND=0,
 *      the maintenance queue drained page by page; against the floor: the same gsi2 query chains
 *      (one per shard) plus one SendMessage per connection.
 *   3. List latency for the big org, first page and a deep page, against the same gsi1 Query.
 *   4. Commit → webhook queue by the scheduled relay (and a marked row for the stream relay).
 *   5. The requests each operation makes, and dollars per 1,000 connections a month.
 * Sizes: --sizes 1000,10000,100000; a stage that the emulator could not finish within the time
 * budget (--budget seconds, estimated from the stage before) is skipped and said so.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { consume } from "@app/local/consumer";
import { freePort } from "@app/local/ports";
import { startStack } from "@app/local/stack";
import { RailwayStandin } from "@app/railway-standin";
import { BatchWriteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { type Counts, describeCounts, dollars, Price, RequestCounter, requestsOf, total } from "./count-requests.ts";

const { values } = parseArgs({
  options: { sizes: { type: "string", default: "1000,10000,100000" }, budget: { type: "string", default: "600" } },
});
const sizes = (values.sizes ?? "").split(",").map(Number);
const budgetSeconds = Number(values.budget);
const began = performance.now();
const elapsed = () => (performance.now() - began) / 1000;

const print = process.stdout.write.bind(process.stdout);
const printErr = process.stderr.write.bind(process.stderr);
for (const stream of [process.stdout, process.stderr]) stream.write = (() => true) as typeof stream.write;
const say = (line: string) => print(`${line}\n`);
/** Progress, to stderr, so that a background run's log shows where it is. */
const note = (line: string) => printErr(`[${elapsed().toFixed(0)} s] ${line}\n`);

const defaultRate = 20;
process.env.REVERIFY_PER_SECOND = "0";
const railway = await RailwayStandin.start();
Object.assign(process.env, { RAILWAY_API_URL: railway.url });
const stack = await startStack({
  port: 0,
  prefix: "scale",
  motoPort: await freePort(),
  worker: false,
  webhooks: false,
  pollSeconds: 1,
});
const counter = await RequestCounter.attach();
const { Resource } = await import("@app/core/resource");
const Maintenance = await import("@app/core/maintenance");
const Layout = await import("@app/core/layout");
const Policy = await import("@app/core/policy");
const { write, sweep } = await import("@app/core/event");
const { fanOut } = await import("@app/core/webhook/fanout");
const { indexed, key, listKey, toInfo } = await import("../packages/core/src/connection/item.ts");
type Item = import("../packages/core/src/connection/item.ts").Item;
const verify = await import("../functions/verify.ts");

// The bench's own clients: not counted, as the floor's requests are counted by hand.
const rawDynamo = new DynamoDBClient({});
const bench = DynamoDBDocumentClient.from(rawDynamo);
const sqs = new SQSClient({});
const table = Resource.Table.name;
// The floor's messages (and the re-checks queued) pile up in their queues: nothing consumes them here.
const floorQueue = (await sqs.send(new CreateQueueCommand({ QueueName: "scale-floor" }))).QueueUrl ?? "";
const headers = { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" };
const api = (path: string, init: RequestInit = {}) => fetch(`${stack.url}${path}`, { headers, ...init });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
async function ms(op: () => Promise<unknown>) {
  const t = performance.now();
  await op();
  return performance.now() - t;
}

// ---- Cost per operation, driven through the local stack and handlers -------------------------
const perOp: Record<string, { counts: Counts; lambda: number; lambdaMs: number; lambdaMb: number }> = {};
async function measured(what: string, lambdaMb: number, op: () => Promise<unknown>, invocations = 1) {
  const before = counter.snapshot();
  const t = await ms(op);
  perOp[what] = { counts: counter.since(before), lambda: invocations, lambdaMs: t / invocations, lambdaMb };
}
/** Runs the verification worker on the queue until the connection is active again. */
async function verified(id: string) {
  const consumer = consume(Resource.VerifyQueue.url, verify.handler, { waitSeconds: 1 });
  for (;;) {
    const out = await bench.send(new GetCommand({ TableName: table, Key: key(stack.orgId, id), ConsistentRead: true }));
    const item = out.Item as Item | undefined;
    if (item?.status === "active" && !item.job) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await consumer.stop();
}

const token = railway.addWorkspace(railway.addUser().id).workspaceToken;
let created = "";
await measured("create (POST)", 1024, async () => {
  const res = await api("/api/v1/app-connections/railway", {
    method: "POST",
    body: JSON.stringify({ name: "cost-probe", method: "team-token", credentials: { apiToken: token } }),
  });
  if (res.status !== 202) throw new Error(`create answered ${res.status}`);
  created = ((await res.json()) as { appConnection: { id: string } }).appConnection.id;
});
const pollCost = counter.snapshot();
await verified(created);
perOp["verification (worker)"] = { counts: counter.since(pollCost), lambda: 1, lambdaMs: 0, lambdaMb: 512 };
await measured("projects listing (GET …/projects)", 1024, async () => {
  const res = await api(`/api/v1/app-connections/railway/${created}/projects`);
  if (res.status !== 200) throw new Error(`projects answered ${res.status}`);
});
const template = (
  await bench.send(new GetCommand({ TableName: table, Key: key(stack.orgId, created), ConsistentRead: true }))
).Item as Item;
note(`cost probes done: ${Object.keys(perOp).join(", ")}`);

// ---- Seeding ----------------------------------------------------------------------------------
const otherOrgs = Array.from({ length: 999 }, () => randomUUID());
const ids: string[] = [];
const dayAgo = new Date(Date.now() - 25 * 3_600_000).toISOString();
const createdBase = Date.parse("2026-01-01T00:00:00Z");
/** The i-th seeded connection: every tenth in the API key's org (the big org), the rest across 999 others. */
function seeded(i: number): Item {
  ids[i] ??= randomUUID();
  const id = ids[i];
  const orgId = i % 10 === 0 ? stack.orgId : (otherOrgs[i % otherOrgs.length] as string);
  const createdAt = new Date(createdBase + i * 1000).toISOString();
  return indexed({
    ...template,
    ...key(orgId, id),
    id,
    orgId,
    name: `s-${i}`,
    gsi1pk: listKey(orgId),
    gsi1sk: `${createdAt}#${id}`,
    createdAt,
    updatedAt: dayAgo,
    verifiedAt: dayAgo,
    status: "active",
    job: null,
  } as Item);
}
async function batchWrite(items: Record<string, unknown>[], parallel = 8) {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < batches.length) {
        let requests = (batches[next++] ?? []).map((item) => ({
          PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) },
        }));
        while (requests.length) {
          const out = await rawDynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
          requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
}

// ---- Per size ---------------------------------------------------------------------------------
type Stage = {
  size: number;
  seedSeconds: number;
  maintenance?: { seconds: number; floorSeconds: number; counts: Counts; floorRequests: number; pages: number };
  list?: { first: number; firstFloor: number; deep: number; deepFloor: number; deepPage: number };
  relay?: { ms: number; floorMs: number; streamMs: number };
  skipped: string[];
};
const stages: Stage[] = [];
let seededSoFar = 0;
let lastMaintenance: { size: number; seconds: number } | undefined;

async function floorMaintenance(before: string) {
  let requests = 0;
  let found = 0;
  const t = performance.now();
  await Promise.all(
    Layout.maintenanceKeys("ACTIVE").map(async (pk) => {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await bench.send(
          new QueryCommand({
            TableName: table,
            IndexName: "gsi2",
            KeyConditionExpression: "gsi2pk = :pk AND gsi2sk < :before",
            ExpressionAttributeValues: { ":pk": pk, ":before": before },
            Limit: Policy.maintenancePageSize,
            ExclusiveStartKey: start,
          }),
        );
        requests++;
        const items = out.Items ?? [];
        found += items.length;
        for (let i = 0; i < items.length; i += 10)
          await Promise.all(
            items.slice(i, i + 10).map(() => {
              requests++;
              return sqs.send(new SendMessageCommand({ QueueUrl: floorQueue, MessageBody: randomUUID() }));
            }),
          );
        start = out.LastEvaluatedKey;
      } while (start);
    }),
  );
  return { seconds: (performance.now() - t) / 1000, requests, found };
}

async function drainMaintenance(before: Date) {
  const queue = Resource.MaintenanceQueue.url;
  const snapshot = counter.snapshot();
  const t = performance.now();
  await Maintenance.start("reverify", Date.now(), before);
  let pages = 0;
  let items = 0;
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = out.Messages ?? [];
    if (!messages.length) break;
    // As a Lambda batch of 10: the pages of one batch run side by side.
    const done = await Promise.all(
      messages.map((m) => Maintenance.page(Maintenance.PageJob.parse(JSON.parse(m.Body ?? "")))),
    );
    pages += messages.length;
    items += done.reduce((a, b) => a + b, 0);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return { seconds: (performance.now() - t) / 1000, counts: counter.since(snapshot), pages, items };
}

async function listLatency(size: number) {
  const bigOrg = Math.ceil(size / 10);
  const pages = Math.ceil(bigOrg / 100);
  const deepPage = Math.min(50, pages);
  const path = "/api/v1/app-connections/railway?limit=100";
  const get = async (cursor?: string) => {
    const res = await api(cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path);
    if (res.status !== 200) throw new Error(`list answered ${res.status}`);
    return ((await res.json()) as { nextCursor: string | null }).nextCursor;
  };
  const direct = (ExclusiveStartKey?: Record<string, unknown>) =>
    bench.send(
      new QueryCommand({
        TableName: table,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": listKey(stack.orgId) },
        ScanIndexForward: false,
        Limit: 100,
        ExclusiveStartKey,
      }),
    );
  let cursor: string | undefined;
  let start: Record<string, unknown> | undefined;
  for (let p = 1; p < deepPage; p++) {
    cursor = (await get(cursor)) ?? undefined;
    start = (await direct(start)).LastEvaluatedKey;
  }
  const runs = 3;
  const first: number[] = [];
  const firstFloor: number[] = [];
  const deep: number[] = [];
  const deepFloor: number[] = [];
  for (let r = 0; r < runs; r++) {
    firstFloor.push(await ms(() => direct()));
    first.push(await ms(() => get()));
    deepFloor.push(await ms(() => direct(start)));
    deep.push(await ms(() => get(cursor)));
  }
  return {
    first: median(first),
    firstFloor: median(firstFloor),
    deep: median(deep),
    deepFloor: median(deepFloor),
    deepPage,
  };
}

/** The scheduled relay with ten events in the outbox, against its floor: the 16 OUTBOX queries alone. */
async function relayLatency() {
  const info = toInfo(template);
  await batchWrite(
    Array.from(
      { length: 10 },
      () => write(stack.orgId, "app-connection.verified", { appConnection: info }).Put.Item as Record<string, unknown>,
    ),
  );
  const floorMs = await ms(() =>
    Promise.all(
      Layout.maintenanceKeys("OUTBOX").map((pk) =>
        bench.send(
          new QueryCommand({
            TableName: table,
            IndexName: "gsi2",
            KeyConditionExpression: "gsi2pk = :pk",
            ExpressionAttributeValues: { ":pk": pk },
            Limit: 100,
          }),
        ),
      ),
    ),
  );
  return { ms: await ms(() => sweep([fanOut])), floorMs };
}

/**
 * Commit → webhook queue through the table's stream, as its event source mapping relays it:
 * the median of 10 events committed one at a time. The stream is read only for this (it would
 * otherwise read every seeded item), from its latest record.
 */
async function streamLatency() {
  const queue = Resource.WebhookQueue.url;
  await sqs.send(new PurgeQueueCommand({ QueueUrl: queue }));
  // An endpoint for the relay to queue to (nothing listens: only the queueing is timed).
  const hook = (await (
    await api("/api/v1/webhooks", { method: "POST", body: JSON.stringify({ url: "http://127.0.0.1:9/hook" }) })
  ).json()) as { webhook: { id: string } };
  await stack.resumeStream();
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await bench.send(
      new TransactWriteCommand({
        TransactItems: [write(stack.orgId, "app-connection.verified", { appConnection: toInfo(template) })],
      }),
    );
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      if (!out.Messages?.length) continue;
      times.push(performance.now() - t);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue,
          Entries: out.Messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      break;
    }
  }
  await stack.pauseStream();
  await api(`/api/v1/webhooks/${hook.webhook.id}`, { method: "DELETE" });
  return median(times);
}

for (const size of sizes) {
  const stage: Stage = { size, seedSeconds: 0, skipped: [] };
  // Seeding rate so far predicts this stage's; the budget is for the whole run.
  const t = performance.now();
  await batchWrite(Array.from({ length: size }, (_, i) => seeded(i)));
  stage.seedSeconds = (performance.now() - t) / 1000;
  seededSoFar = Math.max(seededSoFar, size);
  note(`seeded ${size} (${stage.seedSeconds.toFixed(1)} s)`);

  // A GSI query in moto filters the whole table, and a period runs size/100 of them: the time grows as size².
  const predicted = lastMaintenance ? lastMaintenance.seconds * (size / lastMaintenance.size) ** 2 : 0;
  if (predicted > budgetSeconds - elapsed())
    stage.skipped.push(
      `maintenance period (predicted ${predicted.toFixed(0)} s from the ${lastMaintenance?.size} stage: the emulator's GSI scan)`,
    );
  else {
    const before = new Date(Date.now() - 3_600_000);
    const floor = await floorMaintenance(before.toISOString());
    const ours = await drainMaintenance(before);
    if (ours.items !== floor.found) note(`maintenance handled ${ours.items}, floor found ${floor.found}`);
    stage.maintenance = {
      seconds: ours.seconds,
      floorSeconds: floor.seconds,
      counts: ours.counts,
      floorRequests: floor.requests,
      pages: ours.pages,
    };
    lastMaintenance = { size, seconds: ours.seconds };
    note(`maintenance ${size}: ${ours.seconds.toFixed(1)} s (floor ${floor.seconds.toFixed(1)} s)`);
  }
  stage.list = await listLatency(size);
  note(`list ${size} done`);
  stage.relay = { ...(await relayLatency()), streamMs: await streamLatency() };
  note(`relay ${size} done`);
  stages.push(stage);
  const nextSize = sizes[sizes.indexOf(size) + 1];
  if (nextSize && (stage.seedSeconds / size) * nextSize > budgetSeconds - elapsed()) {
    note(`stopping before ${nextSize}: seeding alone would exceed the budget`);
    stages.push({
      size: nextSize,
      seedSeconds: Number.NaN,
      skipped: ["the whole stage (seeding would exceed the budget)"],
    });
    break;
  }
}

// ---- Report -----------------------------------------------------------------------------------
await stack.stop();
await railway.close();
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
say(
  `bench:scale ${new Date().toISOString()}; ${process.platform} ${process.arch}, Node ${process.versions.node}; ${elapsed().toFixed(0)} s`,
);
say("");
say("### Maintenance period (every connection due; REVERIFY_PER_SECOND=0, page size 100)");
say(
  "| connections | seed (items/s) | pages | time | floor | ratio | requests | floor requests | requests per connection | spread at 20/s in AWS |",
);
say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const s of stages) {
  const m = s.maintenance;
  const spread = `${f1(s.size / defaultRate / 60)} min`;
  const seed = Number.isFinite(s.seedSeconds) ? (s.size / s.seedSeconds).toFixed(0) : "—";
  if (!m) say(`| ${s.size} | ${seed} | — | not run | — | — | — | — | — | ${spread} |`);
  else {
    const n = total(m.counts).requests;
    say(
      `| ${s.size} | ${seed} | ${m.pages} | ${f1(m.seconds)} s | ${f1(m.floorSeconds)} s | ${ratio(m.seconds, m.floorSeconds)} | ${n} | ${m.floorRequests} | ${(n / s.size).toFixed(2)} | ${spread} |`,
    );
  }
}
const last = stages.findLast((s) => s.maintenance);
if (last?.maintenance) say(`\nRequests of the ${last.size} period: ${describeCounts(last.maintenance.counts)}`);
say("");
say("### List latency, big org (a tenth of the connections), limit=100 (median of 3)");
say("| connections (big org) | first page | floor | ratio | deep page (#) | floor | ratio |");
say("|---:|---:|---:|---:|---:|---:|---:|");
for (const s of stages)
  if (s.list)
    say(
      `| ${s.size} (${Math.ceil(s.size / 10)}) | ${f1(s.list.first)} ms | ${f1(s.list.firstFloor)} ms | ${ratio(s.list.first, s.list.firstFloor)} | ${f1(s.list.deep)} ms (${s.list.deepPage}) | ${f1(s.list.deepFloor)} ms | ${ratio(s.list.deep, s.list.deepFloor)} |`,
    );
say("");
say("### Commit → webhook queue");
say(
  `| connections | safety sweep run (10 events) | floor (16 OUTBOX queries) | ratio | expected wait, sweep alone (every ${Layout.outboxSweep.everyMinutes} min, events > ${Layout.outboxSweep.afterMinutes} min) | with the stream (median of 10) |`,
);
say("|---:|---:|---:|---:|---:|---:|");
for (const s of stages)
  if (s.relay)
    say(
      `| ${s.size} | ${f1(s.relay.ms)} ms | ${f1(s.relay.floorMs)} ms | ${ratio(s.relay.ms, s.relay.floorMs)} | ${f1(60 * (Layout.outboxSweep.afterMinutes + Layout.outboxSweep.everyMinutes / 2) + s.relay.ms / 1000)} s | ${f1(s.relay.streamMs)} ms |`,
    );
for (const s of stages) for (const what of s.skipped) say(`\nSkipped at ${s.size}: ${what}.`);

// ---- Cost ---------------------------------------------------------------------------------------
/** Per connection and month: one daily re-check each; assumed 10% created or rotated, one projects listing. */
const perMonth = { create: 0.1, verification: 0.1 + 30, reverify: 30, projects: 1 };
const reverifyOp = (() => {
  const s = stages.findLast((x) => x.maintenance);
  if (!s?.maintenance) return undefined;
  const counts: Counts = {};
  for (const [k, t] of Object.entries(s.maintenance.counts))
    counts[k] = { requests: t.requests / s.size, rru: t.rru / s.size, wru: t.wru / s.size };
  return { counts, lambda: s.maintenance.pages / 10 / s.size, lambdaMs: 0, lambdaMb: 256 };
})();
if (reverifyOp) perOp["re-verification, scheduling (per connection, from the period above)"] = reverifyOp;
say("");
say("### Cost per operation (AWS requests, from the counting middleware)");
say("| operation | requests | DynamoDB RRU | DynamoDB WRU | KMS | SQS | Lambda invocations | $ per million |");
say("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const [what, op] of Object.entries(perOp)) {
  const t = total(op.counts);
  say(
    `| ${what} | ${+t.requests.toFixed(2)} | ${+t.rru.toFixed(2)} | ${+t.wru.toFixed(2)} | ${+requestsOf(op.counts, "KMS").toFixed(2)} | ${+requestsOf(op.counts, "SQS").toFixed(2)} | ${+op.lambda.toFixed(2)} | ${(dollars(op) * 1e6).toFixed(2)} |`,
  );
}
say(
  "| secret write, sync of 10 changed secrets | measured by `npm run bench:sync` (a system with the stream and sync worker) | | | | | | |",
);
for (const [what, op] of Object.entries(perOp)) say(`- ${what}: ${describeCounts(op.counts)}`);

const monthly = [
  ["creates (10%/month)", perOp["create (POST)"], perMonth.create],
  ["verifications (creates + 30 re-checks)", perOp["verification (worker)"], perMonth.verification],
  ["re-check scheduling (30/month)", reverifyOp, perMonth.reverify],
  ["projects listings (1/month)", perOp["projects listing (GET …/projects)"], perMonth.projects],
] as const;
say("");
say("### Dollars per 1,000 connections per month (us-east-1 list prices; requests only, no storage)");
say("| part | per connection-month | requests per 1,000 | $ per 1,000 |");
say("|---|---:|---:|---:|");
let sum = 0;
for (const [what, op, times] of monthly) {
  if (!op) {
    say(`| ${what} | ${times} | not measured | — |`);
    continue;
  }
  const usd = dollars(op) * times * 1000;
  sum += usd;
  say(`| ${what} | ${times} | ${(total(op.counts).requests * times * 1000).toFixed(0)} | ${usd.toFixed(4)} |`);
}
say(`| total | | | ${sum.toFixed(4)} |`);
// The schedules run whatever the table holds: 16 shard queries per run (sweep every 5 min, re-check hourly, relay each minute).
const runs = (30 * 24 * 60) / Policy.sweepEveryMinutes + (30 * 24 * 60) / Policy.reverifyEveryMinutes + 30 * 24 * 60;
const fixed = runs * (16 * 0.5 * Price.readUnit + Price.lambdaRequest) + Price.kmsKeyMonth;
say(
  `\nFixed per deployment and month, whatever the size: ${runs.toFixed(0)} scheduled runs × 16 shard queries, and the KMS key: $${fixed.toFixed(2)}. Lambda GB-seconds not included (time on this emulator is not AWS's).`,
);
process.exit(0);
