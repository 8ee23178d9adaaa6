import { setTimeout as sleep } from "node:timers/promises";
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { lambdaContext } from "./consumer.ts";

type Handler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;

/** Whether a record matches a Lambda filter pattern made of nested objects and lists of exact values. */
export function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.includes(value);
  if (pattern === null || typeof pattern !== "object") return pattern === value;
  if (value === null || typeof value !== "object") return false;
  return Object.entries(pattern).every(([k, p]) => matches(p, (value as Record<string, unknown>)[k]));
}

/**
 * What Lambda's DynamoDB Streams event source mapping does in AWS, for the local run: reads the
 * table's stream from moto (from LATEST, as infra/stream.ts starts), passes the records that
 * match `filter` to the handler in batches, and on a partial batch response retries from the
 * first failed record, `retries` times, then moves past it (the safety sweep's case).
 * moto differs from AWS here: one shard that never closes or splits, records kept forever (AWS
 * keeps 24 h), a record readable as soon as the write answers, iterators that never expire, and
 * no filtering or invoking of its own.
 */
export async function consumeStream(
  streamArn: string,
  handler: Handler,
  opts: { filter?: unknown; batchSize?: number; retries?: number; idleMs?: number } = {},
) {
  const streams = new DynamoDBStreamsClient({});
  const stop = new AbortController();
  const batchSize = opts.batchSize ?? 100;
  const region = process.env.AWS_REGION ?? "us-east-1";
  // Who waits for the consumer to reach the shard's end: resolved by an empty read begun after they asked.
  const waiting: (() => void)[] = [];

  const toLambda = (r: _Record): DynamoDBRecord => ({
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: r.eventVersion,
    eventSource: "aws:dynamodb",
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(r.dynamodb as DynamoDBRecord["dynamodb"]),
      ApproximateCreationDateTime: r.dynamodb?.ApproximateCreationDateTime
        ? r.dynamodb.ApproximateCreationDateTime.getTime() / 1000
        : undefined,
    },
  });

  /** Calls the handler until the batch is done or out of retries. */
  async function deliver(batch: DynamoDBRecord[]) {
    let pending = batch;
    for (let attempt = 0; pending.length > 0 && attempt <= (opts.retries ?? 3); attempt++) {
      const result = await handler({ Records: pending }, lambdaContext("local-stream", 256, 30_000)).catch(() => ({
        batchItemFailures: [{ itemIdentifier: pending[0]?.dynamodb?.SequenceNumber ?? "" }],
      }));
      const failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      const first = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ""));
      pending = first < 0 ? [] : pending.slice(first);
    }
  }

  // Positioned before it returns: what is written once the caller goes on is read.
  const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const shardId = described.StreamDescription?.Shards?.[0]?.ShardId;
  let iterator = (
    await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: "LATEST" }),
    )
  ).ShardIterator;
  const loop = (async () => {
    while (!stop.signal.aborted && iterator) {
      const asked = waiting.splice(0);
      try {
        const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }), {
          abortSignal: stop.signal,
        });
        iterator = out.NextShardIterator;
        const records = (out.Records ?? []).map(toLambda).filter((r) => matches(opts.filter ?? {}, r));
        // A read's batches at once, as the mapping's parallelization factor lets Lambda run a shard's
        // (here one batch of up to 100 per read of 100 records; in AWS up to 10 batches per shard).
        const batches = [];
        for (let i = 0; i < records.length; i += batchSize) batches.push(records.slice(i, i + batchSize));
        await Promise.all(batches.map(deliver));
        if ((out.Records ?? []).length === 0) {
          for (const done of asked) done();
          await sleep(opts.idleMs ?? 100, undefined, { signal: stop.signal });
        } else waiting.unshift(...asked);
      } catch (err) {
        waiting.unshift(...asked);
        if (stop.signal.aborted) break;
        console.error("local stream consumer:", err instanceof Error ? err.message : "error");
        await sleep(500);
      }
    }
  })().catch((err) => {
    if (!stop.signal.aborted) console.error("local stream consumer stopped:", err instanceof Error ? err.message : err);
  });

  return {
    /** Resolves once every record written before the call has been handled (or given up on). */
    caughtUp: () => new Promise<void>((resolve) => waiting.push(resolve)),
    async stop() {
      stop.abort();
      await loop;
      for (const done of waiting) done();
    },
  };
}
