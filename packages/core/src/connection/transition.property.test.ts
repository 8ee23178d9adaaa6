import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Item } from "./item.ts";
import { created, type Outcome, recheckRequested, settled, updated } from "./transition.ts";

// Any sequence of requests and verification outcomes, as the verbs and the worker apply them:
// an event is only ever the sign of a change a consumer can see.

const by = { type: "api-key", keyId: "key-1" } as const;
const identities = [{ workspaces: [{ id: "w1", name: "One" }] }, { workspaces: [{ id: "w2", name: "Two" }] }];
const methods = ["team-token", "account-token", "project-token"] as const;

type Action =
  | { kind: "update"; name?: string; description?: string | null; token?: string; method?: (typeof methods)[number] }
  | { kind: "recheck" }
  | { kind: "settle"; current: boolean; outcome: "verified" | "rejected" | "unreachable"; identity: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record(
    {
      kind: fc.constant("update" as const),
      name: fc.constantFrom("ci", "prod"),
      description: fc.constantFrom(null, "a", "b"),
      token: fc.constantFrom("t1", "t2"),
      method: fc.constantFrom(...methods),
    },
    { requiredKeys: ["kind"] },
  ),
  fc.constant({ kind: "recheck" as const }),
  fc.record({
    kind: fc.constant("settle" as const),
    current: fc.boolean(),
    outcome: fc.constantFrom("verified", "rejected", "unreachable"),
    identity: fc.integer({ min: 0, max: 1 }),
  }),
);

/**
 * What a consumer of events can tell apart: the connection as its state, not its bookkeeping.
 * `version` is in it because every PATCH is documented as `version` + 1, even one that re-sends
 * the current name or description (which therefore still causes app-connection.updated).
 */
const visible = (i: Item) =>
  JSON.stringify({
    version: i.version,
    name: i.name,
    description: i.description,
    method: i.method,
    status: i.status,
    statusMessage: i.statusMessage,
    railway: i.railway,
    rotation: i.rotation,
    credentialsHash: i.credentialsHash,
    sealed: i.sealedCredentials ? [...i.sealedCredentials] : null,
  });

/**
 * The outcome the worker reports for the job in flight: only a new token (not a re-check's) comes
 * back sealed, and no two seals are alike (a fresh IV each time).
 */
function outcomeFor(item: Item, a: Extract<Action, { kind: "settle" }>, seal: number): Outcome {
  const sealed = item.job?.purpose === "recheck" ? {} : { sealedCredentials: new Uint8Array([seal]) };
  if (a.outcome === "verified") return { kind: "verified", railway: identities[a.identity] ?? {}, ...sealed };
  if (a.outcome === "rejected") return { kind: "rejected", message: "Not Authorized" };
  return { kind: "unreachable", message: "timeout", ...sealed };
}

describe("connection transitions, over any sequence of requests and outcomes", () => {
  it("no event without a change a consumer sees; a stale or superseded job changes nothing", () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 12 }), (actions) => {
        let n = 0;
        const fresh = () => ({
          now: `2026-01-01T00:00:${String(n).padStart(2, "0")}.000Z`,
          jobId: `job-${++n}`,
          credentialsHash: "h",
        });
        let item = created(
          "org",
          by,
          { name: "ci", method: "team-token", credentials: { apiToken: "t0" } },
          {
            ...fresh(),
            id: "11111111-1111-4111-8111-111111111111",
          },
        ).next;
        for (const a of actions) {
          let step: { next: Item | "delete"; event?: string | undefined } | undefined;
          if (a.kind === "update") {
            const { kind: _, token, ...rest } = a;
            const input = { ...rest, ...(token ? { credentials: { apiToken: token } } : {}) };
            // As the verb does: every submitted token gets a hash of its own (random), even the same token again.
            step = updated(item, by, input, { ...fresh(), credentialsHash: `h-${n}` });
          } else if (a.kind === "recheck") {
            if (!item.sealedCredentials && !item.job) continue;
            step = recheckRequested(item, by, fresh());
          } else {
            const jobId = a.current ? (item.job?.id ?? "none") : "job-stale";
            step = settled(item, jobId, outcomeFor(item, a, n), fresh().now);
            if (!a.current || !item.job) expect(step).toBeUndefined();
          }
          if (!step || step.next === "delete") continue;
          if (step.event)
            expect(visible(step.next), `${step.event} after ${JSON.stringify(a)}`).not.toBe(visible(item));
          item = step.next;
        }
      }),
      { numRuns: 500 },
    );
  });
});
