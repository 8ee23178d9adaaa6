/**
 * `npm run soak [-- --count 1000 --concurrency 50]`: creates many connections against a whole
 * local system (its own emulator, stand-in and workers) while the Railway stand-in injects
 * faults at set rates, waits for every one to settle, and prints what happened. Then
 * (`--syncs 200`, 0 for none) as many secret syncs from the secrets store into Railway under
 * the same faults: each first sync, then a change of every folder, must leave Railway equal to
 * the source with what a person set by hand untouched. Every error column must be zero.
 */
import { parseArgs } from "node:util";
import { freePort } from "@app/local/ports";
import { startStack } from "@app/local/stack";
import { RailwayStandin } from "@app/railway-standin";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "50" },
    consumers: { type: "string", default: "4" },
    "timeout-seconds": { type: "string", default: "600" },
    syncs: { type: "string", default: "200" },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const faults = { "HTTP 503": 0.05, "429 Retry-After 1": 0.02, "dropped connection": 0.02, "timeout (1 s)": 0.01 };

// Everything the system logs, for the token scan.
const captured: string[] = [];
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    captured.push(String(chunk));
    return chunk.toString().startsWith("soak:") ? (write as (...a: unknown[]) => boolean)(chunk, ...rest) : true;
  }) as typeof stream.write;
}
const say = (line: string) => process.stderr.write(`soak: ${line}\n`);

const railway = await RailwayStandin.start({
  randomFaults: [
    { rate: faults["HTTP 503"], fault: { type: "status", status: 503 } },
    { rate: faults["429 Retry-After 1"], fault: { type: "rateLimited", retryAfter: 1 } },
    { rate: faults["dropped connection"], fault: { type: "drop" } },
    { rate: faults["timeout (1 s)"], fault: { type: "hang" } },
  ],
});
Object.assign(process.env, {
  RAILWAY_API_URL: railway.url,
  RAILWAY_TIMEOUT_MS: "1000",
  VERIFY_RETRY_BASE_SECONDS: "1",
  VERIFY_MAX_ATTEMPTS: "10",
});
const stack = await startStack({
  port: 0,
  prefix: "soak",
  motoPort: await freePort(),
  pollSeconds: 1,
  consumers: Number(values.consumers),
  visibilityTimeout: 30,
});

type Case = {
  name: string;
  method: string;
  token: string;
  expect: "active" | "failed" | "hint";
  id?: string;
  workspace: string;
};
const cases: Case[] = Array.from({ length: count }, (_, i) => {
  const user = railway.addUser();
  const workspace = railway.addWorkspace(user.id);
  const project = railway.addProject(workspace.id);
  const projectToken = railway.createProjectToken(project.id, project.environments[0]?.id ?? "");
  const name = `soak-${i}`;
  const roll = i % 10;
  if (roll < 7) {
    const [method, token] = (
      [
        ["account-token", user.accountToken],
        ["team-token", workspace.workspaceToken],
        ["project-token", projectToken],
      ] as const
    )[i % 3] ?? ["account-token", user.accountToken];
    return { name, method, token, expect: "active", workspace: workspace.id };
  }
  if (roll < 9) {
    railway.revokeToken(user.accountToken);
    return { name, method: "account-token", token: user.accountToken, expect: "failed", workspace: workspace.id };
  }
  return { name, method: "account-token", token: workspace.workspaceToken, expect: "hint", workspace: workspace.id };
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json", ...init.headers },
  });

say(`creating ${count} connections, ${concurrency} at a time; Railway faults: ${JSON.stringify(faults)}`);
const started = Date.now();
let next = 0;
let accepted = 0;
const refused: string[] = [];
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < cases.length) {
      const c = cases[next++] as Case;
      const res = await api("/api/v1/app-connections/railway", {
        method: "POST",
        body: JSON.stringify({ name: c.name, method: c.method, credentials: { apiToken: c.token } }),
      });
      if (res.status === 202) {
        accepted++;
        c.id = ((await res.json()) as { appConnection: { id: string } }).appConnection.id;
      } else refused.push(`${res.status} ${await res.text()}`);
    }
  }),
);
say(`accepted ${accepted} in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for every one to settle`);

const deadline = Date.now() + Number(values["timeout-seconds"]) * 1000;
const table = stack.resources.Table.name;
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const scanAll = async () => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
};
let items = await scanAll();
type Stored = { id: string; status: string; statusMessage: string; job: unknown };
const connections = () => items.filter((i) => i.type === "connection") as unknown as Stored[];
while (connections().some((c) => c.status === "pending" || c.job) && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 2000));
  items = await scanAll();
  say(`${connections().filter((c) => c.status === "pending").length} still pending`);
}
const elapsed = (Date.now() - started) / 1000;

const logs = captured.join("");
const byId = new Map(connections().map((c) => [c.id as string, c]));
const outcome = { active: 0, failedAsExpected: 0, wrong: 0, stuck: 0 };
const wrong: string[] = [];
for (const c of cases) {
  const conn = c.id ? byId.get(c.id) : undefined;
  if (!conn) continue;
  if (conn.status === "pending") {
    outcome.stuck++;
    if (wrong.length < 5)
      wrong.push(
        `stuck ${c.expect} ${JSON.stringify(conn.job)}: ${logs
          .split("\n")
          .filter((l) => l.includes(conn.id))
          .slice(-3)
          .join(" | ")}`,
      );
  } else if (c.expect === "active" && conn.status === "active") outcome.active++;
  else if (c.expect === "failed" && conn.status === "failed" && /rejected this account token/.test(conn.statusMessage))
    outcome.failedAsExpected++;
  else if (c.expect === "hint" && conn.status === "failed" && /Choose the method "team-token"/.test(conn.statusMessage))
    outcome.failedAsExpected++;
  else {
    outcome.wrong++;
    if (wrong.length < 5) wrong.push(`${c.expect} → ${conn.status}: ${conn.statusMessage}`);
  }
}
const settledAudit = new Map<string, number>();
for (const i of items)
  if (i.type === "audit" && /verified|verification-failed/.test(String(i.action)))
    settledAudit.set(String(i.connectionId), (settledAudit.get(String(i.connectionId)) ?? 0) + 1);
const duplicates = [...settledAudit.values()].filter((n) => n > 1).length;

// ---- secret syncs under the same faults ----
type SyncCase = {
  id?: string;
  folder: Record<string, string>;
  scope: { projectId: string; environmentId: string; serviceId: string };
};
const syncCount = Number(values.syncs);
const hosts = cases.filter((c) => c.expect === "active" && c.method === "team-token" && c.id);
const syncs: SyncCase[] = [];
const syncOutcome = { succeeded: 0, wrong: 0, stuck: 0, handTouched: 0 };
const syncValues: string[] = [];
let syncElapsed = 0;
if (syncCount > 0 && hosts.length) {
  const syncStarted = Date.now();
  const value = (i: number, key: string, round: number) => {
    const v = `soak-secret-${i}-${key}-${round}-${Math.random().toString(36).slice(2)}`;
    syncValues.push(v);
    return v;
  };
  const write = (i: number, method: "POST" | "PATCH", folder: Record<string, string>) =>
    api("/api/v3/secrets/batch/raw", {
      method,
      body: JSON.stringify({
        workspaceId: `soak-project-${i}`,
        environment: "prod",
        secretPath: "/",
        secrets: Object.entries(folder).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
      }),
    });
  say(`creating ${syncCount} secret syncs (5 secrets each), ${concurrency} at a time`);
  let n = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, syncCount) }, async () => {
      while (n < syncCount) {
        const i = n++;
        const host = hosts[i % hosts.length] as Case;
        const project = railway.addProject(host.workspace, { environments: ["production"], services: ["api"] });
        const scope = {
          projectId: project.id,
          environmentId: project.environments[0]?.id ?? "",
          serviceId: project.services[0]?.id ?? "",
        };
        railway.setVariables(scope, { HAND_SET: "by-hand" });
        const folder = Object.fromEntries(["A", "B", "C", "D", "E"].map((k) => [k, value(i, k, 1)]));
        const c: SyncCase = { folder, scope };
        syncs.push(c);
        if ((await write(i, "POST", folder)).status !== 200) continue;
        const res = await api("/api/v1/secret-syncs/railway", {
          method: "POST",
          body: JSON.stringify({
            name: `soak-sync-${i}`,
            projectId: `soak-project-${i}`,
            connectionId: host.id,
            environment: "prod",
            secretPath: "/",
            syncOptions: { initialSyncBehavior: "overwrite-destination" },
            destinationConfig: {
              projectId: scope.projectId,
              environmentId: scope.environmentId,
              serviceId: scope.serviceId,
            },
          }),
        });
        if (res.status === 200) c.id = ((await res.json()) as { secretSync: { id: string } }).secretSync.id;
        else refused.push(`sync ${res.status} ${await res.text()}`);
        // The second round: every value changes once the first sync has been asked for.
        c.folder = { ...folder, A: value(i, "A", 2), E: value(i, "E", 2) };
        if ((await write(i, "PATCH", { A: c.folder.A as string, E: c.folder.E as string })).status !== 200)
          refused.push(`secret update of folder ${i}`);
      }
    }),
  );
  const equal = (c: SyncCase) => {
    const vars = railway.getVariables(c.scope);
    return Object.entries(c.folder).every(([k, v]) => vars[k] === v);
  };
  const syncDeadline = Date.now() + Number(values["timeout-seconds"]) * 1000;
  while (syncs.some((c) => c.id && !equal(c)) && Date.now() < syncDeadline) {
    await new Promise((r) => setTimeout(r, 2000));
    say(`${syncs.filter((c) => c.id && !equal(c)).length} syncs not yet equal to their source`);
  }
  syncElapsed = (Date.now() - syncStarted) / 1000;
  for (const c of syncs) {
    if (!c.id) continue;
    const vars = railway.getVariables(c.scope);
    if (vars.HAND_SET !== "by-hand") syncOutcome.handTouched++;
    if (!equal(c)) syncOutcome.stuck++;
    else if (Object.keys(vars).length !== 6) syncOutcome.wrong++;
    else syncOutcome.succeeded++;
  }
  items = await scanAll();
}

const sqs = new SQSClient({});
const leftover: string[] = [];
for (const url of [
  stack.resources.VerifyQueue.url,
  stack.resources.VerifyDeadLetterQueue.url,
  stack.resources.SyncQueue.url,
  stack.resources.SyncDeadLetterQueue.url,
]) {
  const out = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
  );
  leftover.push(...(out.Messages ?? []).map((m) => m.Body ?? ""));
}
const stored = JSON.stringify(items, (_, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v));
const leaks = { logs: 0, queues: 0, table: 0 };
for (const c of cases) {
  if (logs.includes(c.token)) leaks.logs++;
  if (leftover.some((b) => b.includes(c.token))) leaks.queues++;
  if (stored.includes(c.token)) leaks.table++;
}
for (const v of syncValues) {
  if (logs.includes(v)) leaks.logs++;
  if (leftover.some((b) => b.includes(v))) leaks.queues++;
  if (stored.includes(v)) leaks.table++;
}
const requests = railway.requests.length;
const faulted = railway.requests.filter((r) => r.status !== 200).length;

await stack.stop();
await railway.close();

const rows: Array<[string, number | string, string]> = [
  ["accepted (202)", accepted, `of ${count}; refused: ${refused.length}`],
  ["active", outcome.active, "valid tokens, every kind"],
  ["failed as expected", outcome.failedAsExpected, "revoked tokens, and wrong kinds with the right hint"],
  ["wrong outcome", outcome.wrong, "must be 0"],
  ["stuck pending", outcome.stuck, "must be 0"],
  ["duplicate outcomes", duplicates, "connections with more than one settled audit record; must be 0"],
  ...(syncCount > 0
    ? ([
        [
          "syncs equal to their source",
          syncOutcome.succeeded,
          `of ${syncs.filter((c) => c.id).length} created; first sync, then a change of two of five secrets; ${syncElapsed.toFixed(0)} s`,
        ],
        ["sync wrong", syncOutcome.wrong, "Railway holds a key it should not; must be 0"],
        ["sync stuck", syncOutcome.stuck, "Railway never equal to the source; must be 0"],
        ["hand-set variable touched", syncOutcome.handTouched, "must be 0"],
      ] as Array<[string, number | string, string]>)
    : []),
  ["token or secret value in logs", leaks.logs, `must be 0 (${(logs.length / 1e6).toFixed(1)} MB of logs scanned)`],
  ["token or secret value in queues", leaks.queues, "must be 0 (verify and sync queues and their DLQs)"],
  ["token or secret value in table", leaks.table, `must be 0 (${items.length} items scanned)`],
];
const out = [
  `soak: ${count} connections, concurrency ${concurrency}, ${values.consumers} consumers, ${elapsed.toFixed(0)} s to settle all`,
  `soak: Railway stand-in answered ${requests} requests, ${faulted} of them with an injected fault`,
  "",
  "| measure | count | note |",
  "|---|---:|---|",
  ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
  ...wrong.map((w) => `wrong: ${w}`),
  ...refused.slice(0, 5).map((r) => `refused: ${r}`),
];
process.stderr.write(`${out.join("\n")}\n`);
const failedRun =
  outcome.wrong +
  outcome.stuck +
  duplicates +
  leaks.logs +
  leaks.queues +
  leaks.table +
  (count - accepted) +
  refused.length +
  syncOutcome.wrong +
  syncOutcome.stuck +
  syncOutcome.handTouched +
  (syncCount > 0 ? syncCount - syncOutcome.succeeded : 0);
process.exit(failedRun === 0 ? 0 : 1);
