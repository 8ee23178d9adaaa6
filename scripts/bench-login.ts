/**
 * `npm run bench:login`: whether a universal-auth login tells a known client id from an unknown
 * one by its time. It times `POST /api/v1/auth/universal-auth/login` with an unknown client id and
 * with a known one and a wrong secret: as deployed (a refusal answers no sooner than
 * LOGIN_REFUSAL_FLOOR_MS after it began), without that floor (the login's own work), and, as the
 * floor of that work, the one read a login makes (the client's item, found or missing) issued
 * directly with the SDK. All six are timed in turn, request by request (a shared, noisy machine
 * drifts, so all must see the same moments).
 *   npm run bench:login -- [--tries 400]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { freePort } from "@app/local/ports";
import { startStack } from "@app/local/stack";

const { values } = parseArgs({ options: { tries: { type: "string", default: "400" } } });
const tries = Number(values.tries);
const print = process.stdout.write.bind(process.stdout);
for (const stream of [process.stdout, process.stderr]) stream.write = (() => true) as typeof stream.write;
const say = (line: string) => print(`${line}\n`);

const stack = await startStack({
  port: 0,
  prefix: "benchlogin",
  motoPort: await freePort(),
  worker: false,
  webhooks: false,
});
const { clientId } = stack.client;
const Dynamo = await import("@app/core/dynamo");
const { GetCommand } = await import("@aws-sdk/lib-dynamodb");

const login = async (id: string) => {
  const res = await fetch(`${stack.url}/api/v1/auth/universal-auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ clientId: id, clientSecret: `rwcs_${randomUUID()}` }),
  });
  await res.arrayBuffer();
  if (res.status !== 401) throw new Error(`login answered ${res.status}`);
};
const read = (id: string) =>
  Dynamo.client.send(
    new GetCommand({
      TableName: Dynamo.table(),
      Key: { pk: `CLIENT#${id}`, sk: "CLIENT" },
      ConsistentRead: true,
      ProjectionExpression: "secretHash, orgId, keyId, projectIds",
    }),
  );
const floored = (run: () => Promise<void>, floorMs?: string) => async () => {
  if (floorMs === undefined) delete process.env.LOGIN_REFUSAL_FLOOR_MS;
  else process.env.LOGIN_REFUSAL_FLOOR_MS = floorMs;
  await run();
};
const sides = {
  unknown: floored(() => login(randomUUID())),
  known: floored(() => login(clientId)),
  unknownNoFloor: floored(() => login(randomUUID()), "0"),
  knownNoFloor: floored(() => login(clientId), "0"),
  missing: () => read(randomUUID()),
  found: () => read(clientId),
};
type Side = keyof typeof sides;
const order = Object.keys(sides) as Side[];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const times = Object.fromEntries(order.map((side) => [side, [] as number[]])) as Record<Side, number[]>;
/** The sides in a new random order each round: what ran just before (a floored login leaves the machine idle for 50 ms) is then the same for all. */
const shuffled = () => {
  const sides = [...order];
  for (let i = sides.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [sides[i], sides[j]] = [sides[j] as Side, sides[i] as Side];
  }
  return sides;
};
// The first 20 rounds warm up the connections, the SDK and the emulator.
for (let round = -20; round < tries; round++)
  for (const side of shuffled()) {
    const t = performance.now();
    await sides[side]();
    if (round >= 0) times[side].push(performance.now() - t);
  }
await stack.stop();

const m = Object.fromEntries(order.map((side) => [side, median(times[side])])) as Record<Side, number>;
const row = (label: string, a: number, b: number) =>
  say(`  ${label.padEnd(38)}${a.toFixed(3).padStart(8)}${b.toFixed(3).padStart(10)}${(b / a).toFixed(3).padStart(9)}`);
say(`login, ${tries} tries each, in turn (median ms):`);
say(`  ${"".padEnd(38)}${"unknown".padStart(8)}${"known".padStart(10)}${"ratio".padStart(9)}`);
row("POST universal-auth/login (401)", m.unknown, m.known);
row("  without the refusal floor", m.unknownNoFloor, m.knownNoFloor);
row("  its read alone", m.missing, m.found);
say(
  `  without the floor, login over its read: unknown ${(m.unknownNoFloor - m.missing).toFixed(3)} ms, known ${(m.knownNoFloor - m.found).toFixed(3)} ms`,
);
process.exit(0);
