import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Webhook as Signer } from "standardwebhooks";
import * as Secrets from "../../crypto/index.ts";
import * as Dynamo from "../../dynamo/index.ts";
import * as Env from "../../env/index.ts";
import { log } from "../../log/index.ts";
import * as Queue from "../../queue/index.ts";
import * as Address from "../address.ts";
import { bodyOf, Job } from "../fanout/index.ts";
import type { Delivery } from "../index.ts";
import { conditionFailed, deliveryPrefix, type EventItem, eventKey, type Item, key, load, table } from "../store.ts";

/**
 * Delivering one webhook job: signed per Standard Webhooks with the endpoint's secret (and the
 * previous one during its grace), posted without following redirects, recorded in the delivery
 * log, retried on the queue's schedule. Only the delivery Lambda imports this.
 */
/** Seconds before each retry; one attempt more than retries. */
export const retrySchedule = () =>
  (process.env.WEBHOOK_RETRY_SCHEDULE_SECONDS ?? "5,300,1800,7200,18000,36000")
    .split(",")
    .map(Number)
    .filter((n) => Number.isFinite(n) && n >= 0);
// Read on each use: the tests lower it for one case.
const disableAfter = () => Env.number("WEBHOOK_DISABLE_AFTER_FAILURES", 20);
const timeoutMs = /* @__PURE__ */ Env.number("WEBHOOK_TIMEOUT_MS", 10_000);

/**
 * Delivers one job. Throws only when the job should be received again: after a failed attempt
 * with retries left (its visibility is set to the schedule's delay first), or on an AWS fault.
 */
export async function deliver(body: string, attempt: Queue.Delivery): Promise<void> {
  const job = Queue.parse(Job, body, "webhook");
  if (!job) return;
  const context = { orgId: job.orgId, endpointId: job.endpointId, eventId: job.eventId, attempt: attempt.attempt };
  const [endpoint, event] = await Promise.all([
    load(job.orgId, job.endpointId),
    Dynamo.client
      // Consistent: the relay queues the job right after the event's commit.
      .send(new GetCommand({ TableName: table(), Key: eventKey(job.orgId, job.eventId), ConsistentRead: true }))
      .then((o) => o.Item as EventItem | undefined),
  ]);
  if (!endpoint?.enabled || !event) {
    log.info("webhook job dropped: endpoint gone or disabled, or event expired", context);
    return;
  }
  // The secret before the last rotation signs too, until its grace period ends.
  const previous =
    endpoint.previousSecretExpiresAt && Date.parse(endpoint.previousSecretExpiresAt) > Date.now()
      ? endpoint.previousSealedSecret
      : undefined;
  const sealedWith = Secrets.webhookSecretContext(job.orgId, endpoint.id);
  const secrets = await Promise.all(
    [endpoint.sealedSecret, previous].flatMap((sealed) => (sealed ? [Secrets.open(sealed, sealedWith)] : [])),
  );
  const timestamp = new Date();
  const payload = bodyOf(event);
  const signature = secrets.map((s) => new Signer(s).sign(event.id, timestamp, payload)).join(" ");

  const started = performance.now();
  const result = await post(endpoint.url, payload, {
    "webhook-id": event.id,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": signature,
  });
  const latencyMs = Math.round(performance.now() - started);
  const succeeded = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  const schedule = retrySchedule();
  const retryIn = succeeded ? undefined : schedule[attempt.attempt - 1];
  await record(job, endpoint.id, {
    eventId: event.id,
    eventType: event.eventType,
    attempt: attempt.attempt,
    succeeded,
    final: retryIn === undefined,
    statusCode: result.statusCode,
    latencyMs,
    error: succeeded
      ? null
      : (result.error ??
        `HTTP ${result.statusCode}${redirected(result.statusCode) ? " (redirects are not followed)" : ""}`),
    responseExcerpt: result.excerpt,
  });
  await streak(endpoint, succeeded);
  log.info("webhook delivery attempt", { ...context, succeeded, statusCode: result.statusCode, latencyMs });
  if (retryIn !== undefined) {
    await Queue.retryAfter(Queue.webhooks(), attempt.receiptHandle, retryIn);
    throw new Error(`webhook delivery failed; retry in ${retryIn} s`);
  }
  if (!succeeded) log.warn("webhook delivery failed after the last attempt", context);
}

const redirected = (status: number | null) => status !== null && status >= 300 && status < 400;

type Result = { statusCode: number | null; excerpt: string | null; error: string | null };

/** One POST, no redirects followed, at most `timeoutMs`, keeping at most 200 characters of the answer. */
async function post(raw: string, body: string, headers: Record<string, string>): Promise<Result> {
  let target: ReturnType<typeof Address.parse>;
  try {
    // Only the URL's own rules here: the host name's addresses are admitted as it connects.
    target = Address.parse(raw);
  } catch (err) {
    if (err instanceof Address.Refused) return { statusCode: null, excerpt: null, error: `refused: ${err.message}` };
    throw err;
  }
  const { url } = target;
  const client = target.http ? http : https;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Result) => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve(result);
    };
    const req = client.request(
      url,
      {
        method: "POST",
        lookup: Address.safeLookup(target),
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          "user-agent": "railway-connections-webhooks/1",
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        const done = () =>
          finish({ statusCode: res.statusCode ?? null, excerpt: text.slice(0, 200) || null, error: null });
        res.on("data", (chunk: string) => {
          text += chunk;
          if (text.length >= 200) done();
        });
        res.on("end", done);
        res.on("error", done);
      },
    );
    req.on("error", (err) =>
      finish({
        statusCode: null,
        excerpt: null,
        error:
          err instanceof Address.Refused
            ? `refused: ${err.message}`
            : err.name === "AbortError" || err.name === "TimeoutError"
              ? `timed out after ${timeoutMs} ms`
              : `could not connect (${(err as NodeJS.ErrnoException).code ?? err.name})`,
      }),
    );
    req.end(body);
  });
}

async function record(job: Job, endpointId: string, entry: Omit<Delivery, "id" | "at">) {
  const at = new Date().toISOString();
  const id = `${Date.now().toString().padStart(15, "0")}-${randomBytes(6).toString("hex")}`;
  await Dynamo.client.send(
    new PutCommand({
      TableName: table(),
      Item: {
        pk: `ORG#${job.orgId}`,
        sk: `${deliveryPrefix(endpointId)}${id}`,
        type: "webhook-delivery",
        ...entry,
        id,
        at,
        expiresAt: Math.floor(Date.now() / 1000) + 30 * 86_400,
      },
    }),
  );
}

/** Counts consecutive failed attempts; a long enough streak disables the endpoint. */
async function streak(endpoint: Item, succeeded: boolean) {
  const Key = key(endpoint.orgId, endpoint.id);
  if (succeeded) {
    if (endpoint.failureStreak > 0)
      await Dynamo.client
        .send(
          new UpdateCommand({
            TableName: table(),
            Key,
            UpdateExpression: "SET failureStreak = :zero",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":zero": 0 },
          }),
        )
        .catch((err) => {
          if (!conditionFailed(err)) throw err;
        });
    return;
  }
  try {
    const out = await Dynamo.client.send(
      new UpdateCommand({
        TableName: table(),
        Key,
        UpdateExpression: "ADD failureStreak :one",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":one": 1 },
        ReturnValues: "UPDATED_NEW",
      }),
    );
    const count = Number(out.Attributes?.failureStreak ?? 0);
    if (count >= disableAfter())
      await Dynamo.client.send(
        new UpdateCommand({
          TableName: table(),
          Key,
          UpdateExpression: "SET enabled = :off, disabledReason = :why, updatedAt = :now",
          ConditionExpression: "enabled = :on",
          ExpressionAttributeValues: {
            ":off": false,
            ":on": true,
            ":why": `Disabled after ${count} consecutive failed delivery attempts; enable it again with PATCH`,
            ":now": new Date().toISOString(),
          },
        }),
      );
  } catch (err) {
    if (!conditionFailed(err)) throw err;
  }
}
