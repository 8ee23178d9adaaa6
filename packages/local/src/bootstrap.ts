import { randomBytes } from "node:crypto";
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";

/**
 * The local counterpart of infra/: creates the table, the verification and webhook queues with
 * their dead-letter queues, and the KMS key in the emulator, makes a random key for list cursors, and returns the variables through which
 * SST's `Resource` (packages/core/src/resource) finds them.
 */
export async function bootstrap(prefix: string, opts: { maxReceiveCount?: number; visibilityTimeout?: number } = {}) {
  const dynamo = new DynamoDBClient({});
  const sqs = new SQSClient({});
  const kms = new KMSClient({});

  const table = `${prefix}-table`;
  await dynamo.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
        { AttributeName: "gsi1pk", AttributeType: "S" },
        { AttributeName: "gsi1sk", AttributeType: "S" },
        { AttributeName: "gsi2pk", AttributeType: "S" },
        { AttributeName: "gsi2sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: "gsi1",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
        {
          IndexName: "gsi2",
          KeySchema: [
            { AttributeName: "gsi2pk", KeyType: "HASH" },
            { AttributeName: "gsi2sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    }),
  );
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName: table });

  /** A queue whose messages move to its own dead-letter queue after `maxReceiveCount` receives. */
  const queueWithDeadLetters = async (name: string, visibilityTimeout: number, maxReceiveCount: number) => {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${name}-dlq` }));
    const dlqArn = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-${name}`,
        Attributes: {
          VisibilityTimeout: String(visibilityTimeout),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn.Attributes?.QueueArn, maxReceiveCount }),
        },
      }),
    );
    return { url: queue.QueueUrl, deadLetterUrl: dlq.QueueUrl };
  };
  const verify = await queueWithDeadLetters("verify", opts.visibilityTimeout ?? 60, opts.maxReceiveCount ?? 8);
  // The delivery worker retries by changing a message's visibility; a message received more
  // often than the schedule's attempts has crashed the worker repeatedly.
  const webhook = await queueWithDeadLetters("webhook", 30, 12);

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
    CredentialsKey: { id: alias },
    CursorKey: { value: randomBytes(32).toString("base64") },
  };
  return {
    resources,
    environment: Object.fromEntries(
      Object.entries(resources).map(([name, value]) => [`SST_RESOURCE_${name}`, JSON.stringify(value)]),
    ),
  };
}
