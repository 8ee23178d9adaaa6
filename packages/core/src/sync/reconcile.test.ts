import { afterEach, describe, expect, it } from "vitest";
import * as Layout from "../layout/index.ts";
import { perShard, plan } from "../maintenance/index.ts";
import { plan as diff, drifted } from "./diff.ts";
import { type Item, indexed } from "./item.ts";
import * as Policy from "./policy/index.ts";
import { created, reconcileRequested } from "./transition.ts";

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
const now = "2026-01-01T00:00:00.000Z";
/** A sync whose last sync (request 3) succeeded: in line, nothing pending. */
const inLine: Item = {
  ...created("org", input, { id, now, jobId: "j1" }),
  wanted: 3,
  done: 3,
  syncStatus: "succeeded",
  lastSyncedAt: now,
  managedKeys: ["A", "B"],
};

describe("which syncs a reconcile run reads", () => {
  it("an auto-sync is in the maintenance index, in its shard of SYNC, oldest first", () => {
    expect(indexed(inLine)).toMatchObject({
      gsi2pk: Layout.maintenanceKey("SYNC", id),
      gsi2sk: `${now}#${id}`,
    });
    expect(indexed(inLine).gsi2pk).toMatch(/^SYNC#\d+$/);
  });

  it("a sync with auto-sync off, or being deleted, is out of it, whatever keys it had", () => {
    const stored = indexed(inLine);
    expect(indexed({ ...stored, isAutoSyncEnabled: false })).not.toHaveProperty("gsi2pk");
    expect(indexed({ ...stored, isAutoSyncEnabled: false })).not.toHaveProperty("gsi2sk");
    expect(indexed({ ...stored, deleting: true })).not.toHaveProperty("gsi2pk");
    // Turned on again: back in.
    expect(indexed({ ...indexed({ ...stored, isAutoSyncEnabled: false }), isAutoSyncEnabled: true }).gsi2pk).toBe(
      stored.gsi2pk,
    );
  });
});

describe("what a reconcile asks of a sync", () => {
  it("a sync in line: a new request, the status left as it is, its run reporting drift", () => {
    const asked = reconcileRequested(inLine);
    expect(asked).toEqual({ next: { ...inLine, wanted: 4 }, generation: 4, reconcile: true });
    expect(asked?.next.syncStatus).toBe("succeeded");
    expect(asked?.next.lastSyncJobId).toBe(inLine.lastSyncJobId);
  });

  it("a sync whose last sync failed, or that never synced: a new request, an ordinary sync (nothing is drift)", () => {
    expect(reconcileRequested({ ...inLine, syncStatus: "failed" })).toMatchObject({ generation: 4, reconcile: false });
    expect(reconcileRequested({ ...inLine, lastSyncedAt: null })).toMatchObject({ generation: 4, reconcile: false });
  });

  it("a sync with a request pending: no new one (that change is not held back), a job for the pending one", () => {
    const pending = { ...inLine, wanted: 5, syncStatus: "pending" as const };
    expect(reconcileRequested(pending)).toEqual({ next: pending, generation: 5, reconcile: false });
  });

  it("a sync with auto-sync off, or being deleted: nothing", () => {
    expect(reconcileRequested({ ...inLine, isAutoSyncEnabled: false })).toBeUndefined();
    expect(reconcileRequested({ ...inLine, deleting: true })).toBeUndefined();
  });
});

describe("drift", () => {
  const keySchema = { prefix: "", suffix: "" };
  const base = { keySchema, mode: { kind: "sync" } as const };

  it("is a managed name whose value Railway changed, or that Railway lost; never a new name or one in line", () => {
    const p = diff({
      ...base,
      source: { A: "1", B: "2", C: "3", NEW: "n" },
      destination: { A: "edited", C: "3" },
      managed: ["A", "B", "C"],
    });
    expect(drifted(p, ["A", "B", "C"])).toEqual(["A", "B"]);
  });

  it("a managed name left in Railway after its secret went is drift too (it is deleted)", () => {
    const p = diff({ ...base, source: {}, destination: { OLD: "x", HAND: "h" }, managed: ["OLD"] });
    expect(drifted(p, ["OLD"])).toEqual(["OLD"]);
  });

  it("a sync in line has none", () => {
    const p = diff({ ...base, source: { A: "1" }, destination: { A: "1", HAND: "h" }, managed: ["A"] });
    expect(drifted(p, ["A"])).toEqual([]);
  });
});

describe("the pace of a reconcile run", () => {
  afterEach(() => {
    delete process.env.SYNC_RECONCILE_PER_SECOND;
    delete process.env.SYNC_RECONCILE_SECONDS;
  });

  it("runs once a period (an hour by default, in whole minutes, at least one)", () => {
    expect(Policy.settings()).toEqual({ periodSeconds: 3600, perSecond: 5 });
    expect(Policy.everyMinutes()).toBe(60);
    expect(Policy.everyMinutes(90)).toBe(2);
    process.env.SYNC_RECONCILE_SECONDS = "1";
    expect(Policy.settings().periodSeconds).toBe(60);
    expect(Policy.everyMinutes()).toBe(1);
  });

  it("spreads the syncs at SYNC_RECONCILE_PER_SECOND across the shards", () => {
    expect(perShard("reconcile")).toBe(5 / Layout.maintenanceShards);
    process.env.SYNC_RECONCILE_PER_SECOND = "32";
    expect(perShard("reconcile")).toBe(2);
    // A shard's 100 syncs at 2 a second: the last one 49.5 s after the run began.
    const p = plan({ offset: 0, pageSize: 100, perSecond: perShard("reconcile"), elapsedSeconds: 0 });
    expect([0, 1, 2, 99].map(p.delay)).toEqual([0, 0, 1, 49]);
    // Not set: every reconcile at once (what the end-to-end tests use).
    process.env.SYNC_RECONCILE_PER_SECOND = "0";
    expect(plan({ offset: 0, pageSize: 100, perSecond: perShard("reconcile"), elapsedSeconds: 0 }).delay(99)).toBe(0);
  });

  it("a period holds rate × period syncs: 18,000 an hour by default", () => {
    const { perSecond, periodSeconds } = Policy.settings();
    expect(perSecond * periodSeconds).toBe(18_000);
  });
});
