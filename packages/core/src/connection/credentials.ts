/**
 * The one way to a connection's token: sealed for the queue (only the worker opens that), sealed
 * at rest under the connection's own org, id and app, and opened for a stated purpose.
 */
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import * as Audit from "../audit/index.ts";
import * as Secrets from "../crypto/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import type { Item } from "./item.ts";
import type { Job } from "./schema.ts";

const stored = (item: Item) => Secrets.credentialContext(item.orgId, item.id, item.app);

/** A new token for its verification job, as base64 of KMS ciphertext for the queue. */
export const sealForJob = async (token: string, job: Omit<Job, "sealedToken">) =>
  Buffer.from(await Secrets.seal(token, Secrets.jobContext(job.orgId, job.connectionId, job.jobId))).toString("base64");

export const openJob = (job: Job & { sealedToken: string }) =>
  Secrets.open(Buffer.from(job.sealedToken, "base64"), Secrets.jobContext(job.orgId, job.connectionId, job.jobId));

/** A verified token, sealed to be stored on its connection. */
export const seal = (item: Item, token: string) => Secrets.seal(token, stored(item));

/**
 * The stored token, opened for `purpose`, or undefined when none is stored. A read on someone's
 * behalf (`by`) is audited; a verification's own read is recorded by its outcome's audit entry.
 */
export async function open(item: Item, purpose: string, by?: Audit.Actor) {
  if (!item.sealedCredentials) return undefined;
  const token = await Secrets.open(item.sealedCredentials, stored(item));
  if (by) {
    const read = Audit.put({
      orgId: item.orgId,
      action: "app-connection.credentials-read",
      actor: by,
      connectionId: item.id,
      projectId: item.projectId,
      details: { purpose },
    });
    await Dynamo.client.send(new PutCommand(read.Put));
  }
  return token;
}
