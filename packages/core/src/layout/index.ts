/**
 * The AWS resources the code needs, described once: infra/ deploys them and the local run
 * (packages/local) creates them in the emulator from this same description.
 */
import * as Policy from "../policy/index.ts";

/**
 * The one table. `gsi1` lists an org's connections; `gsi2` is for maintenance (connections with
 * a verification in flight, active ones by last verification, events in the outbox, auto-syncs),
 * under the sharded keys of `maintenanceKey`; `gsi3` holds a project's dependencies (secrets
 * that refer to others, with the addresses they name; imports), addresses only: it projects no value.
 */
export const table = {
  fields: {
    pk: "string",
    sk: "string",
    gsi1pk: "string",
    gsi1sk: "string",
    gsi2pk: "string",
    gsi2sk: "string",
    gsi3pk: "string",
    gsi3sk: "string",
  },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: {
    gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk", projection: "all" },
    gsi2: { hashKey: "gsi2pk", rangeKey: "gsi2sk", projection: "all" },
    gsi3: {
      hashKey: "gsi3pk",
      rangeKey: "gsi3sk",
      projection: ["refs", "importEnvironment", "importPath"] as string[],
    },
  },
  ttl: "expiresAt",
  /** Each write's new item, read by the stream's consumer (functions/stream.ts). */
  stream: "new-image",
} as const;

/**
 * How many partitions each kind of maintenance item is spread over. With one constant key
 * ("ACTIVE") every active connection's index write would land on one partition of the index,
 * which DynamoDB caps at about 1,000 writes a second, and a verification storm would throttle
 * the table's own writes (a GSI that cannot keep up throttles its base table). Maintenance reads
 * the shards back in parallel, one query chain each.
 */
export const maintenanceShards = 16;

/** `SYNC`: auto-syncs, which reconciliation re-checks (packages/core/src/sync/reconcile.ts). */
export type MaintenanceKind = "ACTIVE" | "JOB" | "OUTBOX" | "SYNC";

/** The shard of an item, from its id (random UUIDs spread evenly): a 32-bit FNV-1a hash. */
export function shardOf(id: string) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return hash % maintenanceShards;
}

/** The maintenance index's partition key of an item of this kind and id. */
export const maintenanceKey = (kind: MaintenanceKind, id: string) => `${kind}#${shardOf(id)}`;

/** Every partition key of one kind, to read back. */
export const maintenanceKeys = (kind: MaintenanceKind) =>
  Array.from({ length: maintenanceShards }, (_, shard) => `${kind}#${shard}`);

/**
 * What the stream's consumer is given (a Lambda event filter pattern, infra/stream.ts; the local
 * run applies the same): inserts of events (core/event), the outbox. Other writes never invoke it.
 */
export const streamFilter = { eventName: ["INSERT"], dynamodb: { NewImage: { type: { S: ["webhook-event"] } } } };

/**
 * The safety sweep of the outbox (functions/maintenance.ts): the stream relays each event
 * within seconds, so the sweep runs slowly, over events the stream has had minutes to relay.
 */
export const outboxSweep = { everyMinutes: 15, afterMinutes: 5 };

export type Queue = {
  /** The time limit of the function that consumes it. */
  workerTimeoutSeconds: number;
  /** Deployed: how long a received message stays hidden (AWS: at least 6 × the consumer's timeout). */
  visibilityTimeoutSeconds: number;
  /** Receives after which a message moves to the queue's dead-letter queue. */
  deadLetterAfter: number;
};

export const queues = {
  verify: {
    workerTimeoutSeconds: Policy.workerTimeoutSeconds,
    visibilityTimeoutSeconds: Policy.visibilityTimeoutSeconds,
    deadLetterAfter: Policy.deadLetterAfter,
  },
  /**
   * Its worker retries by changing a message's visibility, on a schedule of 7 attempts over
   * about 18 hours (SQS keeps a message 4 days); more receives than that mean repeated crashes.
   */
  webhook: { workerTimeoutSeconds: 30, visibilityTimeoutSeconds: 6 * 30, deadLetterAfter: 12 },
  /**
   * Secret syncs: a job makes a handful of Railway requests (one per deleted name), each cut at
   * 10 s. Its worker retries Railway's outages itself, as verification does.
   */
  sync: {
    workerTimeoutSeconds: 120,
    visibilityTimeoutSeconds: 6 * 120,
    deadLetterAfter: Policy.deadLetterAfter,
  },
  /**
   * Maintenance pages (packages/core/src/maintenance): each scheduled run queues one message per
   * shard, and each page queues the next, so a run handles everything due however much there is.
   */
  maintenance: { workerTimeoutSeconds: 60, visibilityTimeoutSeconds: 6 * 60, deadLetterAfter: 5 },
} satisfies Record<string, Queue>;

/** How long a dead-letter queue keeps a message. */
export const deadLetterRetentionSeconds = 14 * 24 * 60 * 60;

const secretsDocument = "/openapi/secrets.json";
/** Where each function behind the one URL serves its OpenAPI document; the API's /docs shows both. */
export const openapi = { api: "/openapi.json", secrets: secretsDocument } as const;

/**
 * Which Lambda serves which paths behind the one URL (a CloudFront router in AWS, the local
 * server here): the prefixes each function beyond the API serves; the API serves the rest.
 * A function of its own keeps its routes' code out of the others' bundles.
 */
export const routes = {
  secrets: ["/api/v3/secrets", "/api/v2/secret-imports", "/api/v1/auth", "/api/v1/secret-syncs", secretsDocument],
  console: ["/console/secrets", "/console/projects", "/console/syncs"],
} as const;

/** The function that serves a path (`api` when no other claims it). */
export const serves = (path: string): keyof typeof routes | "api" =>
  (Object.keys(routes) as (keyof typeof routes)[]).find((fn) =>
    routes[fn].some((prefix) => path === prefix || path.startsWith(`${prefix}/`)),
  ) ?? "api";
