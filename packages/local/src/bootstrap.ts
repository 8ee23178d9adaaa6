import { randomBytes } from "node:crypto";
import * as Layout from "@app/core/layout";
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";

/**
 * The local counterpart of infra/: creates the table, the verification and webhook queues with
 * their dead-letter queues (all as packages/core/src/layout describes them), and the KMS key in
 * the emulator, and returns the variables through which SST's `Resource` (packages/core/src/resource)
 * finds them, and makes a random key for list cursors.
 */
export async function bootstrap(prefix: string, opts: { visibilityTimeout?: number } = {}) {
  const dynamo = new DynamoDBClient({});
  const sqs = new SQSClient({});
  const kms = new KMSClient({});

  const table = `${prefix}-table`;
  const indexKeys = (hash: string, range: string) => [
    { AttributeName: hash, KeyType: "HASH" as const },
    { AttributeName: range, KeyType: "RANGE" as const },
  ];
  const created = await dynamo.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: Object.keys(Layout.table.fields).map((AttributeName) => ({
        AttributeName,
        AttributeType: "S",
      })),
      KeySchema: indexKeys(Layout.table.primaryIndex.hashKey, Layout.table.primaryIndex.rangeKey),
      GlobalSecondaryIndexes: Object.entries(Layout.table.globalIndexes).map(([IndexName, index]) => ({
        IndexName,
        KeySchema: indexKeys(index.hashKey, index.rangeKey),
        Projection:
          index.projection === "all"
            ? { ProjectionType: "ALL" as const }
            : { ProjectionType: "INCLUDE" as const, NonKeyAttributes: [...index.projection] },
      })),
      StreamSpecification: {
        StreamEnabled: true,
        StreamViewType: Layout.table.stream.toUpperCase().replace("-", "_") as "NEW_IMAGE",
      },
    }),
  );
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName: table });

  /** A queue whose messages move to its own dead-letter queue after `maxReceiveCount` receives. */
  const queueWithDeadLetters = async (name: string, layout: Layout.Queue, visibilityTimeout: number) => {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}-dlq` }));
    const dlqArn = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-${name}`,
        Attributes: {
          VisibilityTimeout: String(visibilityTimeout),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
            maxReceiveCount: layout.deadLetterAfter,
          }),
        },
      }),
    );
    return { url: queue.QueueUrl, deadLetterUrl: dlq.QueueUrl };
  };
  // Hidden only for the worker's own time limit, not six times it as deployed: there is no
  // Lambda poller here to outlast, and a crashed local worker's jobs come back sooner.
  const { verify: v, webhook: w, sync: s, maintenance: m } = Layout.queues;
  const verify = await queueWithDeadLetters("verify", v, opts.visibilityTimeout ?? v.workerTimeoutSeconds);
  const webhook = await queueWithDeadLetters("webhook", w, w.workerTimeoutSeconds);
  const sync = await queueWithDeadLetters("sync", s, opts.visibilityTimeout ?? s.workerTimeoutSeconds);
  const maintenance = await queueWithDeadLetters("maintenance", m, m.workerTimeoutSeconds);

  const key = await kms.send(new CreateKeyCommand({ Description: `${prefix} Railway credentials` }));
  const alias = `alias/${prefix}-credentials`;
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyMetadata?.KeyId }));

  const resources = {
    App: { name: "railway-connections", stage: prefix },
    Table: { name: table },
    VerifyQueue: { url: verify.url },
    VerifyDeadLetterQueue: { url: verify.deadLetterUrl },
    WebhookQueue: { url: webhook.url },
    WebhookDeadLetterQueue: { url: webhook.deadLetterUrl },
    SyncQueue: { url: sync.url },
    SyncDeadLetterQueue: { url: sync.deadLetterUrl },
    MaintenanceQueue: { url: maintenance.url },
    MaintenanceDeadLetterQueue: { url: maintenance.deadLetterUrl },
    CredentialsKey: { id: alias },
    CursorKey: { value: randomBytes(32).toString("base64") },
  };
  return {
    resources,
    /** The table's stream, which the local run consumes as Lambda does in AWS (./stream.ts). */
    streamArn: created.TableDescription?.LatestStreamArn ?? "",
    environment: Object.fromEntries(
      Object.entries(resources).map(([name, value]) => [`SST_RESOURCE_${name}`, JSON.stringify(value)]),
    ),
  };
}
