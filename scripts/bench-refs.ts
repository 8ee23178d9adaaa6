// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written ${KEY}
/**
 * What reference expansion costs a request, on a system of its own: a list of a folder of 100
 * secrets whose values hold N references each (to N secrets of another folder, shared by all
 * 100), against the floor measured in the same run, the same folder with no references; then the
 * attacks of issue 29 (the 4,000 × 4,000 chain, 5,400 references in one value), which answer a
 * 422, and a simple read of another org's secret made while they run.
 * `npm run bench:refs` (about a minute); `-- --runs 50 --refs 1,10,100` to change the sample.
 */
import { appendFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { freePort } from "@app/local/ports";
import { startStack } from "@app/local/stack";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "30" },
    refs: { type: "string", default: "1,10,100" },
    log: { type: "string" },
  },
});
const runs = Number(values.runs);
const counts = values.refs.split(",").map(Number);
const write = process.stdout.write.bind(process.stdout);
const say = (line: string) => write(`${line}\n`);
// The stack logs every request (JSON lines); the figures are what this script prints.
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  if (!String(chunk).startsWith("{")) return write(chunk, ...rest);
  if (values.log) appendFileSync(values.log, chunk);
  return true;
}) as typeof process.stdout.write;

const stack = await startStack({ port: 0, prefix: "benchrefs", motoPort: await freePort(), worker: false });
const ApiKey = await import("@app/core/apikey");

async function call(path: string, init: { method?: string; json?: unknown; key?: string } = {}) {
  const res = await fetch(`${stack.url}${path}`, {
    method: init.method ?? (init.json ? "POST" : "GET"),
    headers: { authorization: `Bearer ${init.key ?? stack.apiKey}`, "content-type": "application/json" },
    ...(init.json ? { body: JSON.stringify(init.json) } : {}),
  });
  const text = await res.text();
  if (res.status >= 500 || (init.json && !res.ok))
    throw new Error(`bench: ${init.method ?? "GET"} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return { status: res.status, bytes: text.length };
}

type Place = { workspaceId: string; environment: string; secretPath: string };
const at = (workspaceId: string, secretPath = "/"): Place => ({ workspaceId, environment: "prod", secretPath });

async function fill(where: Place, secrets: { secretKey: string; secretValue: string }[], key?: string) {
  for (let i = 0; i < secrets.length; i += 25)
    await call("/api/v3/secrets/batch/raw", { json: { ...where, secrets: secrets.slice(i, i + 25) }, key });
}

/** A secret stored before the write-time checks: written as "x", then its sealed value replaced. */
async function planted(where: Place, key: string, value: string) {
  await call(`/api/v3/secrets/raw/${key}`, { json: { ...where, secretValue: "x" } });
  const [Dynamo, Envelope, { dataKey }, Item] = await Promise.all([
    import("@app/core/dynamo"),
    import("../packages/core/src/crypto/envelope.ts"),
    import("../packages/core/src/secret/datakey.ts"),
    import("../packages/core/src/secret/item.ts"),
  ]);
  const w = { orgId: stack.orgId, projectId: where.workspaceId, environment: where.environment };
  const Key = { pk: Item.partition(w), sk: Item.currentSk(where.secretPath, key) };
  const { Item: item } = await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key }));
  const sealed = Envelope.seal(await dataKey(w, true), value, Item.aad(w, item as Parameters<typeof Item.aad>[1]));
  await Dynamo.client.send(new PutCommand({ TableName: Dynamo.table(), Item: { ...item, value: sealed } }));
}

const list = (where: Place, key?: string) => call(`/api/v3/secrets/raw?${new URLSearchParams(where)}`, { key });
const size = 100;
const padding = "v".repeat(40);

// The floor: 100 secrets without references. Each measured folder: the same 100, each value the
// same text and N references to the N secrets of /shared.
const cases: { name: string; where: Place }[] = [{ name: "floor: 100 secrets, no references", where: at("floor") }];
await fill(
  at("floor"),
  Array.from({ length: size }, (_, i) => ({ secretKey: `S${i}`, secretValue: `${padding}${i}` })),
);
for (const n of counts) {
  const project = `refs-${n}`;
  const refs = Array.from({ length: n }, (_, i) => `\${prod.shared.H${i}}`).join("");
  await fill(
    at(project, "/shared"),
    Array.from({ length: n }, (_, i) => ({ secretKey: `H${i}`, secretValue: `h${i}` })),
  );
  await fill(
    at(project),
    Array.from({ length: size }, (_, i) => ({ secretKey: `S${i}`, secretValue: `${padding}${i}${refs}` })),
  );
  cases.push({ name: `100 secrets × ${n} reference${n === 1 ? "" : "s"} (to ${n} shared)`, where: at(project) });
}

// The attacks: the chain written in reverse (each under the limits when written), and 5,400
// references in one value stored before the limits.
await call("/api/v3/secrets/raw/B0", { json: { ...at("chain"), secretValue: "${B1}".repeat(4000) } });
await call("/api/v3/secrets/raw/B1", { json: { ...at("chain"), secretValue: "${B2}".repeat(4000) } });
await call("/api/v3/secrets/raw/B2", { json: { ...at("chain"), secretValue: "x".repeat(1000) } });
await planted(
  at("many"),
  "MANY",
  Array.from({ length: 5400 }, (_, i) => `\${${i.toString(36).padStart(3, "0")}}`).join(""),
);
const attacks = [
  { name: "attack: B0 = 4,000 × ${B1}, B1 = 4,000 × ${B2}, B2 = 1,000 bytes", where: at("chain") },
  { name: "attack: one value of 5,400 distinct references", where: at("many") },
];
const other = await ApiKey.create({ name: "bench other org", orgId: "bench-other-org" });
await call("/api/v3/secrets/raw/SIMPLE", { json: { ...at("elsewhere"), secretValue: "plain" }, key: other.secret });

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1] ?? Number.NaN;
const timed = async <T>(f: () => Promise<T>) => {
  const started = performance.now();
  const out = await f();
  return { ms: performance.now() - started, out };
};

const samples = new Map<string, { ms: number[]; status: number; bytes: number }>();
const all = [...cases, ...attacks];
for (const c of all) await list(c.where); // warm: data keys cached, code paths compiled
// Round robin, so that the machine's load falls on every case alike.
for (let r = 0; r < runs; r++)
  for (const c of all) {
    const { ms, out } = await timed(() => list(c.where));
    const s = samples.get(c.name) ?? { ms: [], status: out.status, bytes: out.bytes };
    s.ms.push(ms);
    samples.set(c.name, s);
  }
// Another org's simple read, sent while each attack is under way.
const beside = new Map(attacks.map((a) => [a.name, [] as number[]]));
for (let r = 0; r < runs; r++)
  for (const a of attacks) {
    const [, simple] = await Promise.all([
      list(a.where),
      timed(() => call(`/api/v3/secrets/raw/SIMPLE?${new URLSearchParams(at("elsewhere"))}`, { key: other.secret })),
    ]);
    beside.get(a.name)?.push(simple.ms);
  }

const floor = quantile(samples.get(all[0]?.name as string)?.ms ?? [], 0.5);
say(`\nreference expansion: a list of a folder (p50 of ${runs}, interleaved; the floor measured in the same run)\n`);
say("| list of | answer | p50 | p99 | ratio to the floor |\n|---|---|---:|---:|---:|");
for (const c of all) {
  const s = samples.get(c.name);
  if (!s) continue;
  const p50 = quantile(s.ms, 0.5);
  say(
    `| ${c.name} | ${s.status}, ${(s.bytes / 1024).toFixed(1)} KiB | ${p50.toFixed(1)} ms | ${quantile(s.ms, 0.99).toFixed(1)} ms | ${(p50 / floor).toFixed(2)}× |`,
  );
}
for (const [name, ms] of beside)
  say(
    `- another org's read of one secret during "${name}": p50 ${quantile(ms, 0.5).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`,
  );
say(`- heap used at the end: ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)} MiB`);
await stack.stop();
process.exit(0);
