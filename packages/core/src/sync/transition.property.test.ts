import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Item } from "./item.ts";
import type { Job } from "./schema.ts";
import {
  created,
  current,
  finished,
  leased,
  managing,
  released,
  requested,
  syncRequested,
  updated,
} from "./transition.ts";

// Any interleaving of requests, jobs taking and giving back the lease, and jobs ending, as the
// queue's workers and the API cause them: a job's end (the only step with an event,
// secret-sync.succeeded|failed, see ./run.ts) happens only with a change of state, and only once.

const input = {
  name: "s",
  projectId: "p1",
  connectionId: "00000000-0000-4000-8000-000000000001",
  environment: "prod",
  secretPath: "/app",
  isAutoSyncEnabled: true,
  syncOptions: { initialSyncBehavior: "overwrite-destination" as const },
  destinationConfig: { projectId: "rp", environmentId: "re", serviceId: "rs" },
};
const id = "00000000-0000-4000-8000-0000000000aa";

type Step =
  | { kind: "request" }
  | { kind: "ask"; what: "import" | "remove" }
  | { kind: "patch"; environment?: string; description?: string; isAutoSyncEnabled?: boolean }
  | { kind: "lease"; job: number; seconds: number }
  | { kind: "manage"; job: number; names: string[] }
  | { kind: "finish"; job: number; ok: boolean }
  | { kind: "release"; job: number }
  | { kind: "tick"; seconds: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: "request" as const }),
  fc.record({ kind: fc.constant("ask" as const), what: fc.constantFrom("import" as const, "remove" as const) }),
  fc.record(
    {
      kind: fc.constant("patch" as const),
      environment: fc.constantFrom("prod", "dev"),
      description: fc.constantFrom("a", "b"),
      isAutoSyncEnabled: fc.boolean(),
    },
    { requiredKeys: ["kind"] },
  ),
  fc.record({ kind: fc.constant("lease" as const), job: fc.nat(6), seconds: fc.constantFrom(1, 60) }),
  fc.record({
    kind: fc.constant("manage" as const),
    job: fc.nat(6),
    names: fc.subarray(["A", "B", "C"]),
  }),
  fc.record({ kind: fc.constant("finish" as const), job: fc.nat(6), ok: fc.boolean() }),
  fc.record({ kind: fc.constant("release" as const), job: fc.nat(6) }),
  fc.record({ kind: fc.constant("tick" as const), seconds: fc.constantFrom(1, 30, 90) }),
);

describe("sync transitions, over any interleaving", () => {
  it("a job ends (with its event) only while it holds the lease, and its end always changes the sync", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
        let clock = Date.parse("2026-01-01T00:00:00.000Z");
        const now = () => new Date(clock).toISOString();
        let n = 0;
        const jobId = () => `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
        let item: Item = created("org", input, { id, now: now(), jobId: jobId() });
        // The jobs queued so far, as the queue would deliver them (the first sync's among them).
        const jobs: Job[] = [
          { orgId: "org", syncId: id, jobId: item.lastSyncJobId ?? "", kind: "sync", generation: 1 },
        ];
        const ended = new Set<string>();
        for (const s of steps) {
          const before = item;
          if (s.kind === "request") {
            const j = jobId();
            item = syncRequested(item, j, now());
            expect(item.wanted).toBe(before.wanted + 1);
            jobs.push({ orgId: "org", syncId: id, jobId: j, kind: "sync", generation: item.wanted });
          } else if (s.kind === "ask") {
            const j = jobId();
            item = requested(item, s.what, j, now());
            jobs.push({ orgId: "org", syncId: id, jobId: j, kind: s.what });
          } else if (s.kind === "patch") {
            const { kind: _, ...patch } = s;
            const j = jobId();
            const out = updated(item, patch, { jobId: j, now: now() });
            expect(out.next.wanted).toBe(before.wanted + (out.resync ? 1 : 0));
            if (out.resync)
              jobs.push({ orgId: "org", syncId: id, jobId: j, kind: "sync", generation: out.next.wanted });
            item = out.next;
          } else if (s.kind === "tick") clock += s.seconds * 1000;
          else {
            const job = jobs[s.job % jobs.length] as Job;
            if (s.kind === "lease") {
              const lease = leased(item, job, new Date(clock), s.seconds);
              if (lease.kind === "go") {
                expect(current(item, job)).toBe(true);
                item = lease.next;
              }
            } else if (s.kind === "manage") {
              const next = managing(item, job.jobId, s.names);
              if (next) {
                expect(item.lease?.jobId).toBe(job.jobId);
                expect(next.managedKeys).not.toEqual(item.managedKeys);
                item = next;
              }
            } else if (s.kind === "release") {
              const next = released(item, job.jobId);
              if (next) item = next;
            } else {
              const result = { status: s.ok ? ("succeeded" as const) : ("failed" as const), message: "m" };
              const next = finished(item, job, result, now());
              if (next) {
                // The event's step: only the lease holder, never twice for one lease, and always a change.
                expect(item.lease?.jobId).toBe(job.jobId);
                expect(next.lease).toBeNull();
                expect(JSON.stringify(next)).not.toBe(JSON.stringify(item));
                if (job.kind === "sync") expect(next.done).toBe(job.generation);
                expect(ended.has(`${job.jobId}@${item.lease?.until}`)).toBe(false);
                ended.add(`${job.jobId}@${item.lease?.until}`);
                item = next;
              } else expect(item.lease?.jobId).not.toBe(job.jobId);
            }
          }
          expect(item.done).toBeLessThanOrEqual(item.wanted);
          // A sync request not yet done is never shown as settled: it is never lost.
          if (item.done < item.wanted) expect(["pending", "running"]).toContain(item.syncStatus);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("a sync job runs only for the latest request, and not again once done", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (requests, generation) => {
        let item = created("org", input, { id, now: "2026-01-01T00:00:00.000Z", jobId: "j0" });
        for (let i = 1; i < requests; i++) item = syncRequested(item, `j${i}`, "2026-01-01T00:00:00.000Z");
        const job: Job = { orgId: "org", syncId: id, jobId: "j", kind: "sync", generation };
        expect(current(item, job)).toBe(generation === requests);
        if (generation === requests) {
          const done = { ...item, done: generation };
          expect(current(done, job)).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });
});
