/**
 * Counts the AWS requests the code makes, by service and operation, with the DynamoDB capacity
 * each would consume on demand (estimated from the request and its answer, as DynamoDB bills:
 * reads per 4 KB, writes per 1 KB, transactions twice, each index an item lands in once more).
 * For benchmarks only: an SDK middleware added to the clients that packages/core builds.
 *   const counter = await RequestCounter.attach();  …  const delta = counter.since(before);
 */
type Stack = { middlewareStack: { add: (mw: never, opts: { step: "initialize"; name: string }) => void } };

export type Tally = { requests: number; rru: number; wru: number };
export type Counts = Record<string, Tally>;

const kb = (x: unknown) => (x === undefined ? 0 : Buffer.byteLength(JSON.stringify(x, replacer)) / 1024);
const replacer = (_: string, v: unknown) => (v instanceof Uint8Array ? "x".repeat(v.length) : v);
/** Each write to an item also writes the indexes whose keys it carries (gsi1, gsi2). */
const indexWrites = (item: Record<string, unknown> | undefined) =>
  item ? Number("gsi1pk" in item) + Number("gsi2pk" in item) : 0;
const writeUnits = (item: Record<string, unknown> | undefined) =>
  Math.max(1, Math.ceil(kb(item))) * (1 + indexWrites(item));
const readUnits = (kilobytes: number, consistent: boolean) =>
  Math.max(1, Math.ceil(kilobytes / 4)) * (consistent ? 1 : 0.5);

type Input = Record<string, unknown> & {
  Item?: Record<string, unknown>;
  ConsistentRead?: boolean;
  TransactItems?: Record<string, { Item?: Record<string, unknown> }>[];
  RequestItems?: Record<string, unknown[]>;
};
type Output = { Item?: unknown; Items?: unknown[]; Responses?: unknown };

/** Read and write units of one DynamoDB call (updates and deletes are taken as 1 KB, touching both indexes). */
function capacity(operation: string, input: Input, output: Output): Omit<Tally, "requests"> {
  const consistent = input.ConsistentRead === true;
  switch (operation) {
    case "GetItem":
      return { rru: readUnits(kb(output.Item), consistent), wru: 0 };
    case "Query":
    case "Scan":
      return { rru: readUnits(kb(output.Items), consistent), wru: 0 };
    case "PutItem":
      return { rru: 0, wru: writeUnits(input.Item) };
    case "UpdateItem":
    case "DeleteItem":
      return { rru: 0, wru: 1 };
    case "TransactWriteItems":
      return {
        rru: 0,
        wru: (input.TransactItems ?? []).reduce((sum, t) => {
          const [kind, write] = Object.entries(t)[0] ?? [];
          return sum + (kind === "Put" ? 2 * writeUnits(write?.Item) : 2);
        }, 0),
      };
    case "TransactGetItems":
      return { rru: 2 * (input.TransactItems?.length ?? 0), wru: 0 };
    case "BatchWriteItem":
      return {
        rru: 0,
        wru: Object.values(input.RequestItems ?? {})
          .flat()
          .reduce<number>(
            (sum, r) => sum + writeUnits((r as { PutRequest?: { Item?: Record<string, unknown> } }).PutRequest?.Item),
            0,
          ),
      };
    case "BatchGetItem":
      return { rru: 0.5 * Object.values((output.Responses ?? {}) as Record<string, unknown[]>).flat().length, wru: 0 };
    default:
      return { rru: 0, wru: 0 };
  }
}

export class RequestCounter {
  readonly counts: Counts = {};

  /** Adds the counting middleware to packages/core's DynamoDB, SQS and KMS clients (import after the environment is set). */
  static async attach() {
    const counter = new RequestCounter();
    const Dynamo = await import("@app/core/dynamo");
    const Queue = await import("@app/core/queue");
    const Crypto = await import("@app/core/crypto");
    counter.watch("DynamoDB", Dynamo.raw as unknown as Stack);
    counter.watch("SQS", Queue.client as unknown as Stack);
    counter.watch("KMS", Crypto.kms() as unknown as Stack);
    return counter;
  }

  /** Counts every request `client` sends as `service`. */
  watch(service: string, client: Stack) {
    const mw =
      (next: (args: { input: Input }) => Promise<{ output: Output }>, context: { commandName?: string }) =>
      async (args: { input: Input }) => {
        const operation = (context.commandName ?? "unknown").replace(/Command$/, "");
        const result = await next(args);
        const units = service === "DynamoDB" ? capacity(operation, args.input, result.output) : { rru: 0, wru: 0 };
        const name = `${service} ${operation}`;
        const tally = this.counts[name] ?? { requests: 0, rru: 0, wru: 0 };
        this.counts[name] = tally;
        tally.requests++;
        tally.rru += units.rru;
        tally.wru += units.wru;
        return result;
      };
    client.middlewareStack.add(mw as never, { step: "initialize", name: `countRequests${service}` });
  }

  snapshot(): Counts {
    return structuredClone(this.counts);
  }

  /** What was counted since `before` (a snapshot), up to now or to the snapshot `until`. */
  since(before: Counts, until: Counts = this.counts): Counts {
    const out: Counts = {};
    for (const [key, now] of Object.entries(until)) {
      const was = before[key] ?? { requests: 0, rru: 0, wru: 0 };
      if (now.requests > was.requests)
        out[key] = { requests: now.requests - was.requests, rru: now.rru - was.rru, wru: now.wru - was.wru };
    }
    return out;
  }
}

export const total = (counts: Counts) =>
  Object.values(counts).reduce(
    (a, t) => ({ requests: a.requests + t.requests, rru: a.rru + t.rru, wru: a.wru + t.wru }),
    {
      requests: 0,
      rru: 0,
      wru: 0,
    },
  );

/** Requests of one service. */
export const requestsOf = (counts: Counts, service: string) =>
  Object.entries(counts)
    .filter(([key]) => key.startsWith(`${service} `))
    .reduce((sum, [, t]) => sum + t.requests, 0);

/** "DynamoDB Query ×16, SQS SendMessage ×100" */
export const describeCounts = (counts: Counts) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, t]) => `${key} ×${+t.requests.toFixed(2)}`)
    .join(", ");

/**
 * AWS list prices, us-east-1, as remembered on 2026-12-02 without internet access to verify them
 * (aws.amazon.com/dynamodb/pricing/on-demand, /kms/pricing, /sqs/pricing, /lambda/pricing):
 */
export const Price = {
  /** DynamoDB on demand, after the November 2024 price cut. */
  writeUnit: 0.625 / 1e6,
  readUnit: 0.125 / 1e6,
  kmsRequest: 0.03 / 10_000,
  kmsKeyMonth: 1,
  /** Standard queues, beyond the free tier. */
  sqsRequest: 0.4 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  /** arm64. */
  lambdaGbSecond: 0.0000133334,
  streamReadRequest: 0.02 / 100_000,
};
/** What one operation's requests cost at those prices (`lambda`: its invocations). */
export const dollars = (op: { counts: Counts; lambda: number }) => {
  const t = total(op.counts);
  return (
    t.wru * Price.writeUnit +
    t.rru * Price.readUnit +
    requestsOf(op.counts, "KMS") * Price.kmsRequest +
    requestsOf(op.counts, "SQS") * Price.sqsRequest +
    op.lambda * Price.lambdaRequest
  );
};
