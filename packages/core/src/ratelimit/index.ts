/**
 * A connection's Railway request budget, in one small item per connection that both workers read
 * before calling Railway: what is left of the token's window and when it resets. Keyed by the
 * connection's id; it holds neither the token nor anything derived from it.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as Dynamo from "../dynamo/index.ts";
import { log } from "../log/index.ts";
import * as Railway from "../railway/index.ts";
import { admission, observed, provisionalSeconds, type State, spentUntil } from "./hold.ts";

export * from "./hold.ts";

export const key = (connectionId: string) => ({ pk: `RATELIMIT#${connectionId}`, sk: "RATELIMIT" });

type Stored = State & { expiresAt: number };

/** Kept a day past its reset, then DynamoDB's TTL removes it. */
const expiry = (resetAt: number) => Math.ceil(resetAt / 1000) + 86_400;

const read = async (connectionId: string) =>
  (await Dynamo.client.send(new GetCommand({ TableName: Dynamo.table(), Key: key(connectionId) }))).Item as
    | Stored
    | undefined;

const update = async (
  connectionId: string,
  input: Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName" | "Key">,
) => {
  try {
    await Dynamo.client.send(
      new UpdateCommand({
        TableName: Dynamo.table(),
        Key: key(connectionId),
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        ...input,
      }),
    );
    return { ok: true as const };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
    return { ok: false as const, old: err.Item ? (unmarshall(err.Item) as Stored) : await read(connectionId) };
  }
};

/**
 * Admits a job costing `cost` requests, or says until when (ms since the epoch) it must wait.
 * One read (eventually consistent: a reservation is a conditional write, which is not); one
 * conditional write more only while the window is low (a reservation).
 */
export async function admit(connectionId: string, cost: number, now = Date.now()): Promise<number | undefined> {
  let state = await read(connectionId);
  for (let tries = 0; tries < 3; tries++) {
    const decision = admission(state, now, cost);
    if (decision.kind === "go") return undefined;
    if (decision.kind === "hold") return decision.until;
    const done =
      decision.kind === "reserve"
        ? await update(connectionId, {
            UpdateExpression: "SET remaining = remaining - :cost",
            ConditionExpression: "resetAt > :now AND remaining >= :cost",
            ExpressionAttributeValues: { ":cost": cost, ":now": now },
          })
        : await update(connectionId, {
            UpdateExpression: "SET remaining = :left, resetAt = :reset, provisional = :yes, expiresAt = :expires",
            ConditionExpression: "resetAt <= :now",
            ExpressionAttributeValues: {
              ":left": decision.limit - cost,
              ":reset": now + provisionalSeconds * 1000,
              ":yes": true,
              ":now": now,
              ":expires": expiry(now + provisionalSeconds * 1000),
            },
          });
    if (done.ok) return undefined;
    state = done.old;
  }
  return undefined;
}

/**
 * Stores what an answer said, when it is worth storing: the lower of what is left wins within a
 * window, a new window replaces an old one, and a provisional window takes Railway's reset.
 */
export async function record(connectionId: string, budget: Railway.Budget, now = Date.now()) {
  const seen = observed(budget, now);
  if (!seen) return;
  const written = await update(connectionId, {
    UpdateExpression: `SET remaining = :left, resetAt = :reset, expiresAt = :expires${seen.limit === undefined ? "" : ", #limit = :limit"} REMOVE provisional`,
    ConditionExpression: "attribute_not_exists(pk) OR resetAt <= :now OR remaining > :left",
    ExpressionAttributeNames: seen.limit === undefined ? undefined : { "#limit": "limit" },
    ExpressionAttributeValues: {
      ":left": seen.remaining,
      ":reset": seen.resetAt,
      ":now": now,
      ":expires": expiry(seen.resetAt),
      ...(seen.limit === undefined ? {} : { ":limit": seen.limit }),
    },
  });
  if (!written.ok && written.old?.provisional)
    await update(connectionId, {
      UpdateExpression: "SET resetAt = :reset, expiresAt = :expires REMOVE provisional",
      ConditionExpression: "provisional = :yes",
      ExpressionAttributeValues: { ":reset": seen.resetAt, ":expires": expiry(seen.resetAt), ":yes": true },
    });
}

/**
 * Runs a job's requests to Railway for one connection: once an answer says the budget is spent,
 * the job's next request is refused here (RateLimited) instead of meeting a 429, and what the
 * answers said is stored for the other jobs: a spent budget at once, a low one once at the end.
 */
export async function metered<T>(connectionId: string, work: () => Promise<T>): Promise<T> {
  let spent: number | undefined;
  let last: Railway.Budget | undefined;
  const store = (budget: Railway.Budget) =>
    record(connectionId, budget).catch((err) =>
      log.warn("Railway's rate limit could not be recorded", {
        connectionId,
        error: err instanceof Error ? err.name : "unknown",
      }),
    );
  const meter: Railway.Meter = {
    before() {
      if (spent !== undefined && spent > Date.now()) throw new Railway.RateLimited(new Date(spent).toISOString());
    },
    async after(budget) {
      const until = spentUntil(budget, Date.now());
      if (until === undefined) {
        last = budget;
        return;
      }
      spent = until;
      last = undefined;
      await store(budget);
    },
  };
  try {
    return await Railway.metered(meter, work);
  } finally {
    if (last) await store(last);
  }
}
