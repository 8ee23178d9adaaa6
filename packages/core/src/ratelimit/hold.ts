/**
 * When a job on a connection may call Railway, and until when it waits otherwise: pure
 * functions of the connection's stored budget (./index.ts) and of Railway's answers.
 */
import { type Budget, limitedUntil } from "../railway/index.ts";

/** A connection's request budget as stored: what is left until `resetAt` (ms since the epoch). */
export type State = {
  remaining: number;
  resetAt: number;
  limit?: number;
  /** The window was started by a reservation, before Railway told its reset. */
  provisional?: boolean;
};

/**
 * The requests a job reserves before it starts: a verification asks one question; a sync at most
 * reads, upserts, finds the deployment and redeploys (deletions and probes past it may meet a 429).
 */
export const costs = { verification: 1, sync: 4 } as const;
/** Each job's last answer is recorded once the budget is this low; above it, no write is made. */
export const lowWatch = 20;
/** How long a window started by a reservation is assumed to last until Railway tells its reset. */
export const provisionalSeconds = 60;
/** A job held by a provisional window looks again this soon: its real reset is a request away. */
export const provisionalRecheckMs = 1000;
/** SQS delays a message at most 15 minutes: a longer hold is sent again when it comes back. */
export const maxDelaySeconds = 900;

export type Admission =
  | { kind: "go" }
  | { kind: "reserve" }
  | { kind: "fresh"; limit: number }
  | { kind: "hold"; until: number };

/**
 * Whether a job costing `cost` requests may start. Freely while nothing is known, while the
 * window has plenty left (no write), or once it is over; but a window that ended low may have
 * jobs held until its reset, so the first job after it starts the next by reserving from the
 * limit, and they do not all start at once. While the window is low a job reserves its cost,
 * and is held until the reset once too little is left.
 */
export function admission(state: State | undefined, now: number, cost: number): Admission {
  if (!state) return { kind: "go" };
  if (state.resetAt <= now)
    return state.remaining <= lowWatch && state.limit !== undefined && state.limit >= cost
      ? { kind: "fresh", limit: state.limit }
      : { kind: "go" };
  if (state.remaining > lowWatch) return { kind: "go" };
  if (state.remaining >= cost) return { kind: "reserve" };
  return {
    kind: "hold",
    until: state.provisional ? Math.min(state.resetAt, now + provisionalRecheckMs) : state.resetAt,
  };
}

/** Until when an answer says the budget is spent (a 429, or nothing remaining before a reset), if it does. */
export function spentUntil(budget: Budget, now: number): number | undefined {
  if (budget.status === 429) return limitedUntil(budget, now);
  if (budget.remaining === 0 && budget.resetAt !== undefined && budget.resetAt > now) return budget.resetAt;
  return undefined;
}

/** The state an answer reports, if it reports one worth storing (low, spent, or a 429). */
export function observed(budget: Budget, now: number): State | undefined {
  const spent = spentUntil(budget, now);
  const limit = budget.limit === undefined ? {} : { limit: budget.limit };
  if (spent !== undefined) return { remaining: 0, resetAt: spent, ...limit };
  if (budget.remaining === undefined || budget.resetAt === undefined || budget.resetAt <= now) return undefined;
  return budget.remaining <= lowWatch ? { remaining: budget.remaining, resetAt: budget.resetAt, ...limit } : undefined;
}

/** The queue delay for a job held until `until`: whole seconds, at least 1, at most SQS's 15 minutes. */
export const delaySeconds = (until: number, now: number) =>
  Math.min(maxDelaySeconds, Math.max(1, Math.ceil((until - now) / 1000)));

/** What a held sync says meanwhile (the time in whole seconds, UTC). */
export const waitingMessage = (until: number) =>
  `Waiting for Railway's rate limit until ${new Date(Math.ceil(until / 1000) * 1000).toISOString().replace(".000Z", "Z")}.`;

/**
 * Whether a job held since `heldSince` may be held again. Past `maxHoldHours` a 429 spends an
 * attempt as any outage does, so that a Railway that never lets a token through ends in a failure.
 */
export const mayHold = (heldSince: number | undefined, now: number, maxHoldHours: number) =>
  heldSince === undefined || now - heldSince < maxHoldHours * 3_600_000;
