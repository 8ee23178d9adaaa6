/**
 * Webhooks: endpoints per org that subscribe to event types. Events (../event) are fanned out
 * to them as delivery jobs by ./fanout, one of the events' subscribers; delivering them is
 * ./delivery, which only the delivery Lambda imports.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod/mini";
import type * as ApiKey from "../apikey/index.ts";
import * as Connection from "../connection/events.ts";
import * as Secrets from "../crypto/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import * as Env from "../env/index.ts";
import { invalidRequest, VisibleError } from "../error/index.ts";
import * as Page from "../page/index.ts";
import * as Queue from "../queue/index.ts";
import * as Secret from "../secret/events.ts";
import * as SecretImport from "../secret-import/events.ts";
import * as Sync from "../sync/events.ts";
import * as Address from "./address.ts";
import type { Job } from "./fanout/index.ts";
import { deliveryPrefix, endpoints, eventKey, type Item, key, load, table } from "./store.ts";

export { Job } from "./fanout/index.ts";

/** Every event an endpoint may subscribe to. */
export const EventType = z.enum([...Connection.types, ...Sync.types, ...Secret.types, ...SecretImport.types]);
export type EventType = z.infer<typeof EventType>;

const Url = z
  .url({ protocol: /^https?$/ })
  .check(z.maxLength(2048), z.meta({ example: "https://example.com/hooks/railway" }));
const Description = z.nullish(z.string().check(z.maxLength(256)));
const EventTypes = z.array(EventType).check(z.minLength(1), z.maxLength(EventType.options.length));

export const CreateInput = z
  .object({
    url: Url,
    description: Description,
    eventTypes: z.optional(EventTypes).check(z.meta({ description: "Defaults to every event type." })),
    enabled: z.optional(z.boolean()),
  })
  .check(z.meta({ id: "CreateWebhookEndpoint", example: { url: "https://example.com/hooks/railway" } }));
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z
  .object({
    url: z.optional(Url),
    description: Description,
    eventTypes: z.optional(EventTypes),
    enabled: z.optional(z.boolean()),
  })
  .check(z.meta({ id: "UpdateWebhookEndpoint" }));
export type UpdateInput = z.infer<typeof UpdateInput>;

export const Info = z
  .object({
    id: z.uuid(),
    orgId: z.string(),
    url: z.string(),
    description: z.nullable(z.string()),
    eventTypes: z.array(EventType),
    enabled: z.boolean(),
    disabledReason: z.nullable(z.string()),
    failureStreak: z.int().check(z.meta({ description: "Consecutive failed delivery attempts." })),
    previousSecretExpiresAt: z
      .nullable(z.iso.datetime())
      .check(
        z.meta({ description: "Until then, deliveries are also signed with the secret before the last rotation." }),
      ),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .check(z.meta({ id: "WebhookEndpoint" }));
export type Info = z.infer<typeof Info>;

export const Delivery = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: EventType,
    attempt: z.int(),
    succeeded: z.boolean(),
    final: z.boolean().check(z.meta({ description: "No further attempt follows this one." })),
    statusCode: z.nullable(z.int()),
    latencyMs: z.int(),
    error: z.nullable(z.string()),
    responseExcerpt: z.nullable(z.string().check(z.maxLength(200))),
    at: z.iso.datetime(),
  })
  .check(z.meta({ id: "WebhookDelivery" }));
export type Delivery = z.infer<typeof Delivery>;

const toInfo = ({ pk, sk, type, sealedSecret, previousSealedSecret, ...info }: Item): Info => info;

/** `whsec_` and base64 of 32 random bytes: the Standard Webhooks secret format. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const graceSeconds = /* @__PURE__ */ Env.number("WEBHOOK_SECRET_GRACE_SECONDS", 86_400);

const orgOnly = (actor: ApiKey.Actor) => {
  if (actor.projectIds)
    throw new VisibleError(
      "forbidden",
      "org_key_required",
      "Webhooks carry every connection of the org: manage them with an API key not limited to projects",
    );
};

async function deliverable(url: string) {
  try {
    await Address.check(url);
  } catch (err) {
    if (!(err instanceof Address.Refused)) throw err;
    throw invalidRequest([{ path: "url", message: err.message }], "url_refused");
  }
}

/** A write guarded by `updatedAt` lost to another change (a user's, or an auto-disable). */
const changedMeanwhile = (err: unknown): never => {
  if (err instanceof ConditionalCheckFailedException)
    throw new VisibleError("conflict", "concurrent_change", "The endpoint changed while this request ran; try again");
  throw err;
};

const notFound = (id: string) => new VisibleError("not-found", "not_found", `No webhook endpoint with id "${id}"`);

async function visible(actor: ApiKey.Actor, id: string) {
  orgOnly(actor);
  const item = await load(actor.orgId, id);
  if (!item) throw notFound(id);
  return item;
}

/** Saves an endpoint; its signing secret is returned only here. */
export async function create(actor: ApiKey.Actor, input: CreateInput) {
  orgOnly(actor);
  await deliverable(input.url);
  const id = randomUUID();
  const now = new Date().toISOString();
  const secret = newSecret();
  const item: Item = {
    ...key(actor.orgId, id),
    type: "webhook",
    id,
    orgId: actor.orgId,
    url: input.url,
    description: input.description ?? null,
    eventTypes: input.eventTypes ? [...new Set(input.eventTypes)] : [...EventType.options],
    enabled: input.enabled ?? true,
    disabledReason: null,
    failureStreak: 0,
    previousSecretExpiresAt: null,
    createdAt: now,
    updatedAt: now,
    sealedSecret: await Secrets.seal(secret, Secrets.webhookSecretContext(actor.orgId, id)),
  };
  await Dynamo.client.send(new PutCommand({ TableName: table(), Item: item }));
  return { webhook: toInfo(item), secret };
}

export const fromID = async (actor: ApiKey.Actor, id: string) => toInfo(await visible(actor, id));

export async function list(actor: ApiKey.Actor) {
  orgOnly(actor);
  return (await endpoints(actor.orgId)).map(toInfo);
}

export async function update(actor: ApiKey.Actor, id: string, input: UpdateInput) {
  const item = await visible(actor, id);
  if (input.url !== undefined) await deliverable(input.url);
  const { url, description, eventTypes, enabled } = input;
  return toInfo(
    await set(item, {
      updatedAt: new Date().toISOString(),
      url,
      description,
      eventTypes: eventTypes && [...new Set(eventTypes)],
      enabled,
      ...(enabled ? { disabledReason: null, failureStreak: 0 } : {}),
    }),
  );
}

/**
 * Sets `changes` (those not undefined) on the endpoint unless someone else changed it since `item` was read, and
 * returns it as it now is. Only those fields: the delivery worker counts failures on the same
 * item without touching `updatedAt`, and a whole-item write would put back an old count.
 */
async function set(item: Item, changes: Partial<Item>) {
  const fields = Object.entries(changes).filter(([, value]) => value !== undefined);
  const out = await Dynamo.client
    .send(
      new UpdateCommand({
        TableName: table(),
        Key: key(item.orgId, item.id),
        UpdateExpression: `SET ${fields.map((_, i) => `#f${i} = :v${i}`).join(", ")}`,
        ConditionExpression: "updatedAt = :seen",
        ExpressionAttributeNames: Object.fromEntries(fields.map(([name], i) => [`#f${i}`, name])),
        ExpressionAttributeValues: {
          ":seen": item.updatedAt,
          ...Object.fromEntries(fields.map(([, value], i) => [`:v${i}`, value])),
        },
        ReturnValues: "ALL_NEW",
      }),
    )
    .catch(changedMeanwhile);
  return out.Attributes as Item;
}

export async function remove(actor: ApiKey.Actor, id: string) {
  const item = await visible(actor, id);
  await Dynamo.client.send(new DeleteCommand({ TableName: table(), Key: key(item.orgId, id) }));
  return toInfo(item);
}

/** A new signing secret, returned only here; the previous one keeps signing for the grace period. */
export async function rotateSecret(actor: ApiKey.Actor, id: string) {
  const item = await visible(actor, id);
  const secret = newSecret();
  const now = new Date();
  const next = await set(item, {
    sealedSecret: await Secrets.seal(secret, Secrets.webhookSecretContext(item.orgId, id)),
    previousSealedSecret: item.sealedSecret,
    previousSecretExpiresAt: new Date(now.getTime() + graceSeconds * 1000).toISOString(),
    updatedAt: now.toISOString(),
  });
  return { webhook: toInfo(next), secret };
}

/** The endpoint's delivery attempts, newest first. */
export async function deliveries(actor: ApiKey.Actor, id: string, opts: { cursor?: string; limit?: number }) {
  await visible(actor, id);
  const page = await Page.query(
    (ExclusiveStartKey, Limit) =>
      Dynamo.client.send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": `ORG#${actor.orgId}`, ":prefix": deliveryPrefix(id) },
          ScanIndexForward: false,
          ExclusiveStartKey,
          Limit,
        }),
      ),
    { cursor: opts.cursor, limit: opts.limit ?? Page.Limit.default, scope: `ORG#${actor.orgId}#${id}` },
  );
  return { items: page.items.map((i) => Delivery.parse(i)), cursor: page.cursor };
}

/** Queues the event of a past delivery again, for this endpoint only. */
export async function redeliver(actor: ApiKey.Actor, id: string, deliveryId: string) {
  const endpoint = await visible(actor, id);
  const out = await Dynamo.client.send(
    new GetCommand({
      TableName: table(),
      Key: { pk: `ORG#${actor.orgId}`, sk: `${deliveryPrefix(id)}${deliveryId}` },
    }),
  );
  if (!out.Item) throw new VisibleError("not-found", "not_found", `No delivery with id "${deliveryId}"`);
  if (!endpoint.enabled)
    throw new VisibleError("conflict", "endpoint_disabled", "This endpoint is disabled; enable it with PATCH first");
  const eventId = String(out.Item.eventId);
  const event = await Dynamo.client.send(new GetCommand({ TableName: table(), Key: eventKey(actor.orgId, eventId) }));
  if (!event.Item) throw new VisibleError("conflict", "event_expired", "This event is no longer kept");
  await Queue.send(Queue.webhooks(), {
    orgId: actor.orgId,
    endpointId: id,
    eventId,
    jobId: randomUUID(),
  } satisfies Job);
  return { eventId };
}
