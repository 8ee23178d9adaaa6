import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

type PollOptions = { batchSize?: number; waitSeconds?: number; signal?: AbortSignal };

// Built on first use: the local run sets the emulator's environment after importing this module.
let client: SQSClient | undefined;
const sqs = () => (client ??= new SQSClient({}));

/**
 * One poll of what Lambda's SQS event source mapping does in the cloud: receives a batch, calls
 * the worker handler with a Lambda-shaped event and deletes only the records the handler did not
 * report as failed. Answers how many records were received and how many succeeded.
 */
export async function pollOnce(queueUrl: string, handler: Handler, opts: PollOptions = {}) {
  const arn = `arn:aws:sqs:${process.env.AWS_REGION ?? "us-east-1"}:000000000000:${queueUrl.split("/").pop()}`;
  const out = await sqs().send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: opts.batchSize ?? 10,
      WaitTimeSeconds: opts.waitSeconds ?? 5,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
    { abortSignal: opts.signal },
  );
  const records: SQSRecord[] = (out.Messages ?? []).map((m) => ({
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: m.Attributes as unknown as SQSRecord["attributes"],
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([name, a]) => [
        name,
        { stringValue: a.StringValue, dataType: a.DataType ?? "String", stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: arn,
    awsRegion: process.env.AWS_REGION ?? "us-east-1",
  }));
  if (records.length === 0) return { received: 0, succeeded: 0 };
  const result = await handler({ Records: records }, lambdaContext());
  const failed = new Set((result.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  const done = records.filter((r) => !failed.has(r.messageId));
  if (done.length > 0)
    await sqs().send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  return { received: records.length, succeeded: done.length };
}

/** The local run's stand-in for Lambda's event source mapping: polls the queue until stopped (moto does not invoke Lambdas itself). */
export function consume(queueUrl: string, handler: Handler, opts: Omit<PollOptions, "signal"> = {}) {
  const stop = new AbortController();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        await pollOnce(queueUrl, handler, { ...opts, signal: stop.signal });
      } catch (err) {
        if (stop.signal.aborted) break;
        console.error("local queue consumer:", err instanceof Error ? err.message : "error");
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();

  return {
    async stop() {
      stop.abort();
      await loop;
    },
  };
}

/** The Lambda context a local poller hands its handler (the handlers read none of it but the time left). */
export const lambdaContext = (name = "local-verify", memoryMB = 512, timeoutMs = 60_000): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: name,
  functionVersion: "$LATEST",
  invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
  memoryLimitInMB: String(memoryMB),
  awsRequestId: crypto.randomUUID(),
  logGroupName: "local",
  logStreamName: "local",
  getRemainingTimeInMillis: () => timeoutMs,
  done: () => {},
  fail: () => {},
  succeed: () => {},
});
