/**
 * Every change of a connection as a pure function: the item as it is, and a request or a
 * verification's outcome, give the next item with the event and the audit entry it
 * causes; undefined when there is nothing to change; a thrown error when it is refused.
 * The verbs load, call one of these and write (./store.ts).
 */
import type * as Audit from "../audit/index.ts";
import type * as Railway from "../railway/index.ts";
import { NoCredentials } from "./errors.ts";
import type { EventType } from "./events.ts";
import { type Item, key, listKey } from "./item.ts";
import type { CreateInput, Purpose, UpdateInput } from "./schema.ts";

export type Step = { next: Item | "delete"; event?: EventType | undefined; audit: Audit.Input };

/** What a verification found. A new token comes back sealed for storage when it is to be kept. */
export type Outcome =
  | { kind: "verified"; railway: Railway.Identity; sealedCredentials?: Uint8Array }
  | { kind: "rejected" | "unreachable"; message: string; sealedCredentials?: Uint8Array };

/** Fresh values a step may need, made by the caller so that the step stays pure. */
export type Fresh = { now: string; jobId: string; credentialsHash: string };

const entry = (item: Item, action: Audit.Action, actor: Audit.Actor, at: string, details: Audit.Input["details"]) => ({
  orgId: item.orgId,
  action,
  actor,
  connectionId: item.id,
  projectId: item.projectId,
  at,
  details,
});

/** A new connection, pending its first verification. */
export function created(
  orgId: string,
  by: Audit.Actor,
  input: CreateInput,
  { now, jobId, credentialsHash, id, idempotencyKey }: Fresh & { id: string; idempotencyKey?: string | undefined },
): Step & { next: Item } {
  const next: Item = {
    ...key(orgId, id),
    type: "connection",
    gsi1pk: listKey(orgId),
    gsi1sk: `${now}#${id}`,
    id,
    name: input.name,
    description: input.description ?? null,
    projectId: input.projectId ?? null,
    version: 1,
    orgId,
    createdAt: now,
    updatedAt: now,
    isPlatformManagedCredentials: false,
    credentialsHash,
    app: "railway",
    method: input.method,
    credentials: {},
    status: "pending",
    statusMessage: null,
    verifiedAt: null,
    railway: null,
    rotation: null,
    job: { id: jobId, purpose: "create", method: input.method, requestedAt: now },
    revision: 0,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
  const event = "app-connection.created";
  return { next, event, audit: entry(next, event, by, now, { name: input.name, method: input.method }) };
}

/**
 * A rename, a new description, or new credentials. New credentials of an active connection are
 * a rotation: the current ones stay in use until the new ones verify. Otherwise they start over.
 */
export function updated(item: Item, by: Audit.Actor, input: UpdateInput, fresh: Fresh): Step | undefined {
  if (input.name === undefined && input.description === undefined && !input.credentials) return undefined;
  const { now, jobId } = fresh;
  let next: Item = {
    ...item,
    name: input.name ?? item.name,
    description: input.description === undefined ? item.description : input.description,
    version: item.version + 1,
    updatedAt: now,
  };
  if (input.credentials) {
    const method = input.method ?? item.method;
    const rotation = item.status === "active" && item.sealedCredentials !== undefined;
    next = {
      ...next,
      credentialsHash: fresh.credentialsHash,
      job: { id: jobId, purpose: rotation ? "rotation" : "create", method, requestedAt: now },
      rotation: null,
    };
    // Undefined attributes are not written: the old credentials go.
    if (!rotation)
      next = {
        ...next,
        status: "pending",
        statusMessage: null,
        method,
        railway: null,
        verifiedAt: null,
        sealedCredentials: undefined,
      };
  }
  const renamed = next.name !== item.name;
  const event = "app-connection.updated";
  const audit = entry(item, event, by, now, {
    credentialsChanged: Boolean(input.credentials),
    ...(renamed ? { name: next.name, previousName: item.name } : {}),
    ...(input.description !== undefined ? { descriptionChanged: true } : {}),
    ...(input.method ? { method: input.method } : {}),
  });
  return { next, event, audit };
}

/**
 * A re-check of the stored credentials, unless a verification is already in flight: that one
 * answers the same question, and replacing its job would drop the token it carries.
 */
export function recheckRequested(item: Item, by: Audit.Actor, { now, jobId }: Omit<Fresh, "credentialsHash">) {
  if (item.job) return undefined;
  if (!item.sealedCredentials) throw new NoCredentials();
  return {
    next: { ...item, job: { id: jobId, purpose: "recheck", method: item.method, requestedAt: now } },
    audit: entry(item, "app-connection.verification-requested", by, now, {}),
  } satisfies Step;
}

/**
 * A verification's outcome, only while its job is still the connection's current one: a
 * duplicate, superseded or deleted-under-it job changes nothing.
 */
export function settled(item: Item | undefined, jobId: string, outcome: Outcome, now: string): Step | undefined {
  if (!item?.job || item.job.id !== jobId) return undefined;
  const { purpose } = item.job;
  const next = afterVerification(item, item.job, outcome, now);
  return {
    next,
    event: eventOf(purpose, outcome.kind, item.status, next.status),
    audit: entry(
      item,
      outcome.kind === "verified" ? "app-connection.verified" : "app-connection.verification-failed",
      { type: "system", reason: "verification" },
      now,
      {
        purpose,
        outcome: outcome.kind,
        status: next.status,
        ...(outcome.kind === "verified" ? {} : { message: outcome.message }),
      },
    ),
  };
}

function afterVerification(item: Item, job: NonNullable<Item["job"]>, outcome: Outcome, now: string): Item {
  const base: Item = { ...item, job: null, updatedAt: now };
  const kept = outcome.sealedCredentials ? { sealedCredentials: outcome.sealedCredentials, method: job.method } : {};
  if (outcome.kind === "verified")
    return { ...base, ...kept, status: "active", statusMessage: null, verifiedAt: now, railway: outcome.railway };
  const { message } = outcome;
  if (job.purpose === "rotation")
    return {
      ...base,
      rotation: { status: "failed", method: job.method, requestedAt: job.requestedAt, statusMessage: message },
    };
  if (job.purpose === "recheck")
    return outcome.kind === "rejected" ? { ...base, status: "failed", statusMessage: message } : base;
  const failed: Item = { ...base, status: "failed", statusMessage: message, railway: null };
  return outcome.kind === "unreachable" ? { ...failed, ...kept } : { ...failed, sealedCredentials: undefined };
}

/** The event a settled verification causes, if it changed anything a consumer sees. */
function eventOf(
  purpose: Purpose,
  outcome: Outcome["kind"],
  before: Item["status"],
  after: Item["status"],
): EventType | undefined {
  if (purpose === "rotation")
    return outcome === "verified" ? "app-connection.credentials-rotated" : "app-connection.updated";
  if (after === "active" && before !== "active") return "app-connection.verified";
  if (after === "failed" && before === "active") return "app-connection.revoked";
  if (after === "failed" && before !== "failed") return "app-connection.failed";
  return undefined;
}

/** The connection goes; its event carries it as it was. */
export function removed(item: Item, by: Audit.Actor, now: string): Step {
  const event = "app-connection.deleted";
  return { next: "delete", event, audit: entry(item, event, by, now, { name: item.name }) };
}
