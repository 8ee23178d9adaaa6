import type { Metafile } from "esbuild";

/**
 * The floor each Lambda bundle is measured against: a handler that only imports and constructs
 * the AWS SDK clients the bundle itself carries, constructed as the app constructs them
 * (packages/core), bundled the same way. Used by `npm run bench:bundles` (size and init) and by
 * tests/bundles.test.ts (size, which is deterministic). The target is within 1.5× of it.
 */
export const target = 1.5;

const sdkClients = [
  {
    pkg: "@aws-sdk/client-dynamodb",
    source: 'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nexport const dynamo = new DynamoDBClient({});',
  },
  {
    pkg: "@aws-sdk/lib-dynamodb",
    source:
      'import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";\nexport const documents = DynamoDBDocumentClient.from(dynamo);',
  },
  {
    pkg: "@aws-sdk/client-kms",
    source: 'import { KMSClient } from "@aws-sdk/client-kms";\nexport const kms = new KMSClient({});',
  },
  {
    pkg: "@aws-sdk/client-sqs",
    source: 'import { SQSClient } from "@aws-sdk/client-sqs";\nexport const sqs = new SQSClient({});',
  },
];

/** The floor's source for a bundle (from its metafile), its handler returning `result`. */
export function floorFor(meta: Metafile, result = "undefined") {
  const inputs = Object.keys(meta.inputs);
  const bundled = new Set(inputs.map((f) => f.match(/node_modules\/(@aws-sdk\/(?:client|lib)-[^/]+)\//)?.[1]));
  bundled.delete(undefined);
  const used = sdkClients.filter((c) => bundled.has(c.pkg));
  if (used.length !== bundled.size)
    throw new Error(`a bundle carries SDK clients the floor does not know: ${[...bundled].join(", ")}`);
  return {
    clients: used.map((c) => c.pkg),
    source: [...used.map((c) => c.source), `export const handler = async () => (${result});`].join("\n"),
  };
}
