import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { Secrets } from "../crypto/index.ts";
import { Dynamo } from "../dynamo/index.ts";
import { VisibleError } from "../error/index.ts";
import { Queue } from "../queue/index.ts";
import { Railway } from "../railway/index.ts";

/** A Railway App Connection, shaped like the prior art's (shared/prior-art.md). */
export namespace Connection {
  export const Name = z
    .string()
    .min(1)
    .max(32)
    .regex(/^[a-z0-9-]+$/, "must be a slug: lowercase letters, digits and hyphens only");

  export const CreateInput = z
    .object({
      name: Name.meta({ example: "my-railway-connection" }),
      description: z.string().max(256).nullish(),
      method: Railway.Method,
      projectId: z.uuid().optional().meta({ example: "7ffbb072-2575-495a-b5b0-127f88caef78" }),
      isPlatformManagedCredentials: z
        .literal(false, { error: "Railway connections cannot use platform-managed credentials" })
        .optional(),
      credentials: z.object({
        apiToken: z.string().trim().min(1).max(255).meta({ example: "[TEAM TOKEN]" }),
      }),
    })
    .meta({ id: "CreateRailwayConnection" });
  export type CreateInput = z.infer<typeof CreateInput>;

  export const Status = z.enum(["pending", "active", "failed"]);
  export type Status = z.infer<typeof Status>;

  export const Info = z
    .object({
      id: z.uuid(),
      name: z.string(),
      description: z.string().nullable(),
      projectId: z.string().nullable(),
      version: z.number().int(),
      orgId: z.string(),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
      isPlatformManagedCredentials: z.literal(false),
      credentialsHash: z.string().regex(/^[0-9a-f]{64}$/),
      app: z.literal("railway"),
      method: Railway.Method,
      credentials: z.object({}).strict().meta({ description: "Always empty: secrets are never returned." }),
      status: Status,
      statusMessage: z.string().nullable(),
      verifiedAt: z.iso.datetime().nullable(),
      railway: Railway.Identity.nullable(),
    })
    .meta({ id: "RailwayConnection" });
  export type Info = z.infer<typeof Info>;

  /** What the verification queue carries: the token only as KMS ciphertext. */
  export const Job = z.object({
    orgId: z.string(),
    connectionId: z.uuid(),
    version: z.number().int(),
    sealedToken: z.base64(),
  });
  export type Job = z.infer<typeof Job>;

  type Item = Info & { pk: string; sk: string; type: "connection"; sealedCredentials?: Uint8Array };

  const key = (orgId: string, id: string) => ({ pk: `ORG#${orgId}`, sk: `CONNECTION#${id}` });
  const nameKey = (orgId: string, projectId: string | null, name: string) => ({
    pk: `ORG#${orgId}`,
    sk: `NAME#railway#${projectId ?? "-"}#${name}`,
  });

  const toInfo = ({ pk, sk, type, sealedCredentials, ...info }: Item): Info => info;

  /** Stores a pending connection and queues its verification; nothing is left behind on failure. */
  export async function create(orgId: string, input: CreateInput): Promise<Info> {
    const id = randomUUID();
    const now = new Date().toISOString();
    const sealed = await Secrets.seal(input.credentials.apiToken, Secrets.jobContext(orgId, id, 1));
    const projectId = input.projectId ?? null;
    const item: Item = {
      ...key(orgId, id),
      type: "connection",
      id,
      name: input.name,
      description: input.description ?? null,
      projectId,
      version: 1,
      orgId,
      createdAt: now,
      updatedAt: now,
      isPlatformManagedCredentials: false,
      credentialsHash: Secrets.sha256(sealed),
      app: "railway",
      method: input.method,
      credentials: {},
      status: "pending",
      statusMessage: null,
      verifiedAt: null,
      railway: null,
    };
    const nameLock = { ...nameKey(orgId, projectId, input.name), type: "name", connectionId: id };

    try {
      await Dynamo.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: Dynamo.table(), Item: nameLock, ConditionExpression: "attribute_not_exists(pk)" } },
            { Put: { TableName: Dynamo.table(), Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
          ],
        }),
      );
    } catch (err) {
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed"
      )
        throw new VisibleError(
          "conflict",
          "name_taken",
          `An App Connection with the name "${input.name}" already exists`,
        );
      throw err;
    }

    const job: Job = { orgId, connectionId: id, version: 1, sealedToken: Buffer.from(sealed).toString("base64") };
    try {
      await Queue.send(job);
    } catch (err) {
      await Dynamo.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: Dynamo.table(), Key: key(orgId, id) } },
            { Delete: { TableName: Dynamo.table(), Key: nameKey(orgId, projectId, input.name) } },
          ],
        }),
      );
      throw new VisibleError(
        "unavailable",
        "queue_unavailable",
        "The verification queue is unavailable; nothing was stored, try again",
        undefined,
        { cause: err },
      );
    }
    return toInfo(item);
  }

  async function load(orgId: string, id: string) {
    const out = await Dynamo.client.send(
      new GetCommand({ TableName: Dynamo.table(), Key: key(orgId, id), ConsistentRead: true }),
    );
    return out.Item as Item | undefined;
  }

  /** One connection of the caller's org; another org's connection does not exist for it. */
  export async function fromID(orgId: string, id: string): Promise<Info> {
    const item = z.uuid().safeParse(id).success ? await load(orgId, id) : undefined;
    if (!item) throw new VisibleError("not-found", "not_found", `No Railway connection with id "${id}"`);
    return toInfo(item);
  }

  /** The state a verification job needs; undefined once the connection is gone. */
  export async function pendingJob(job: Job) {
    const item = await load(job.orgId, job.connectionId);
    if (item?.status !== "pending" || item.version !== job.version) return undefined;
    return { method: item.method };
  }

  type Outcome =
    | { status: "active"; sealedCredentials: Uint8Array; railway: Railway.Identity }
    | { status: "failed"; statusMessage: string; sealedCredentials?: Uint8Array };

  /**
   * Records a verification outcome, only if the connection is still pending at the job's
   * version: a duplicate or stale job changes nothing. Returns whether it applied.
   */
  export async function settle(job: Job, outcome: Outcome): Promise<boolean> {
    const now = new Date().toISOString();
    const values: Record<string, unknown> = {
      ":status": outcome.status,
      ":now": now,
      ":pending": "pending",
      ":version": job.version,
      ":message": outcome.status === "failed" ? outcome.statusMessage : null,
      ":verifiedAt": outcome.status === "active" ? now : null,
      ":railway": outcome.status === "active" ? outcome.railway : null,
    };
    const sets = [
      "#status = :status",
      "statusMessage = :message",
      "verifiedAt = :verifiedAt",
      "railway = :railway",
      "updatedAt = :now",
    ];
    if (outcome.sealedCredentials) {
      values[":sealed"] = outcome.sealedCredentials;
      values[":hash"] = Secrets.sha256(outcome.sealedCredentials);
      sets.push("sealedCredentials = :sealed", "credentialsHash = :hash");
    }
    try {
      await Dynamo.client.send(
        new UpdateCommand({
          TableName: Dynamo.table(),
          Key: key(job.orgId, job.connectionId),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "#status = :pending AND version = :version",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
