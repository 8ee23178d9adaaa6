import { describe, expect, it } from "vitest";
import type { Job } from "./schema.ts";
import {
  bound,
  covers,
  created,
  current,
  destinationOf,
  finished,
  leased,
  managing,
  movedMessage,
  released,
  requested,
  syncRequested,
  updated,
  waiting,
} from "./transition.ts";

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
const fresh = { id: "00000000-0000-4000-8000-0000000000aa", now: "2026-01-01T00:00:00.000Z", jobId: "j1" };
const base = created("org", input, fresh);
const sync = (generation: number, jobId = `g${generation}`): Job => ({
  orgId: "org",
  syncId: fresh.id,
  jobId,
  kind: "sync",
  generation,
});
const at = new Date("2026-01-01T00:01:00.000Z");

describe("a new sync", () => {
  it("is pending its first sync, request 1, managing nothing, listed under its project", () => {
    expect(base).toMatchObject({
      pk: "ORG#org",
      sk: `SECRET_SYNC#${fresh.id}`,
      gsi1pk: "ORG#org#SECRET_SYNCS#p1",
      gsi1sk: `${fresh.now}#${fresh.id}`,
      deleting: false,
      syncStatus: "pending",
      lastSyncJobId: "j1",
      wanted: 1,
      done: 0,
      lease: null,
      managedKeys: [],
      lastSyncedAt: null,
      description: null,
    });
  });
});

describe("coalescing", () => {
  it("only the latest request's job runs, and only once", () => {
    const three = syncRequested(syncRequested(base, "j2", fresh.now), "j3", fresh.now);
    expect(three.wanted).toBe(3);
    expect(three.lastSyncJobId).toBe("j3");
    expect(current(three, sync(1))).toBe(false);
    expect(current(three, sync(2))).toBe(false);
    expect(current(three, sync(3))).toBe(true);
    expect(current({ ...three, done: 3 }, sync(3))).toBe(false);
    expect(current(undefined, sync(3))).toBe(false);
    expect(leased(three, sync(2), at, 60)).toEqual({ kind: "stale" });
  });

  it("a request while a sync runs keeps it running", () => {
    expect(syncRequested({ ...base, syncStatus: "running" }, "j2", fresh.now).syncStatus).toBe("running");
    expect(syncRequested({ ...base, syncStatus: "failed" }, "j2", fresh.now).syncStatus).toBe("pending");
  });
});

describe("the lease", () => {
  it("is taken for the job's time limit and marks the sync running", () => {
    const go = leased(base, sync(1), at, 60);
    expect(go).toEqual({
      kind: "go",
      next: { ...base, syncStatus: "running", lease: { jobId: "g1", until: "2026-01-01T00:02:00.000Z" } },
    });
  });

  it("keeps a second job out while it holds, and lets it in once it expired; the same job may take it again", () => {
    const held = { ...base, wanted: 2, lease: { jobId: "g1", until: "2026-01-01T00:02:00.000Z" } };
    expect(leased(held, sync(2), at, 60)).toEqual({ kind: "busy", until: "2026-01-01T00:02:00.000Z" });
    expect(leased(held, sync(2), new Date("2026-01-01T00:02:00.001Z"), 60).kind).toBe("go");
    expect(leased(held, sync(2), new Date("2026-01-01T00:02:00.000Z"), 60).kind).toBe("go");
    expect(leased({ ...held, wanted: 1 }, sync(1), at, 60).kind).toBe("go");
  });

  it("names are managed before they are written, only by the job holding the lease", () => {
    const held = { ...base, managedKeys: ["A"], lease: { jobId: "g1", until: "x" } };
    expect(managing(held, "g1", ["C", "A", "B"])?.managedKeys).toEqual(["A", "B", "C"]);
    expect(managing(held, "g1", ["A"])).toBeUndefined();
    expect(managing(held, "other", ["B"])).toBeUndefined();
    expect(released(held, "g1")?.lease).toBeNull();
    expect(released(held, "other")).toBeUndefined();
  });
});

describe("the end of a job", () => {
  const held = { ...base, syncStatus: "running" as const, lease: { jobId: "g1", until: "x" } };

  it("records success, the names managed, the request answered, and releases the lease", () => {
    const next = finished(held, sync(1), { status: "succeeded", message: "ok", managedKeys: ["A"] }, "T");
    expect(next).toMatchObject({
      syncStatus: "succeeded",
      lastSyncMessage: "ok",
      lastSyncedAt: "T",
      managedKeys: ["A"],
      done: 1,
      lease: null,
    });
  });

  it("a failure keeps the managed names and the last success's time", () => {
    const next = finished(
      { ...held, managedKeys: ["A"], lastSyncedAt: "before" },
      sync(1),
      { status: "failed", message: "no" },
      "T",
    );
    expect(next).toMatchObject({
      syncStatus: "failed",
      lastSyncMessage: "no",
      lastSyncedAt: "before",
      managedKeys: ["A"],
      done: 1,
    });
  });

  it("stays pending when a newer request came in meanwhile", () => {
    expect(finished({ ...held, wanted: 2 }, sync(1), { status: "succeeded", message: "ok" }, "T")?.syncStatus).toBe(
      "pending",
    );
  });

  it("changes nothing for a job that does not hold the lease", () => {
    expect(finished(held, sync(1, "other"), { status: "succeeded", message: "ok" }, "T")).toBeUndefined();
  });

  it("imports and removals have their own fields", () => {
    const imp = requested(base, "import", "ji", "T");
    expect(imp).toMatchObject({ importStatus: "pending", lastImportJobId: "ji", syncStatus: "pending" });
    const job: Job = { orgId: "org", syncId: fresh.id, jobId: "ji", kind: "import" };
    expect(current(imp, job)).toBe(true);
    expect(current(imp, { ...job, jobId: "old" })).toBe(false);
    expect(current({ ...imp, importStatus: "running" }, job)).toBe(true);
    expect(current({ ...imp, importStatus: "failed" }, job)).toBe(false);
    const done = finished(
      { ...imp, lease: { jobId: "ji", until: "x" } },
      job,
      { status: "succeeded", message: "m" },
      "T",
    );
    expect(done).toMatchObject({ importStatus: "succeeded", lastImportMessage: "m", lastImportedAt: "T", done: 0 });
    expect(current(done, job)).toBe(false);
    const rem = requested(base, "remove", "jr", "T");
    expect(rem).toMatchObject({ removeStatus: "pending", lastRemoveJobId: "jr" });
  });
});

describe("an update", () => {
  it("a rename changes nothing in Railway", () => {
    const { next, resync } = updated(base, { name: "renamed" }, { jobId: "j2", now: "T" });
    expect(resync).toBe(false);
    expect(next).toMatchObject({ name: "renamed", wanted: 1, updatedAt: "T" });
  });

  it("a new folder or options resync; a new destination starts over", () => {
    expect(updated(base, { secretPath: "/other" }, { jobId: "j2", now: "T" })).toMatchObject({
      resync: true,
      next: { wanted: 2, lastSyncJobId: "j2" },
    });
    const moved = updated(
      { ...base, managedKeys: ["A"], lastSyncedAt: "before" },
      { destinationConfig: { projectId: "rp", environmentId: "other" } },
      { jobId: "j2", now: "T" },
    );
    expect(moved.resync).toBe(true);
    expect(moved.next).toMatchObject({ managedKeys: [], lastSyncedAt: null, wanted: 2 });
  });

  it.each([
    { connectionId: "00000000-0000-4000-8000-000000000002" },
    { environment: "staging" },
    { syncOptions: { initialSyncBehavior: "overwrite-destination" as const, disableSecretDeletion: true } },
  ])("%o resyncs", (change) => {
    expect(updated(base, change, { jobId: "j2", now: "T" }).resync).toBe(true);
  });

  it("the same options again do not", () => {
    expect(updated(base, { syncOptions: { ...input.syncOptions } }, { jobId: "j2", now: "T" }).resync).toBe(false);
  });

  it("with auto-sync off nothing is requested", () => {
    const off = updated(base, { isAutoSyncEnabled: false, secretPath: "/x" }, { jobId: "j2", now: "T" });
    expect(off.resync).toBe(false);
    expect(updated(off.next, { isAutoSyncEnabled: true }, { jobId: "j3", now: "T" }).resync).toBe(true);
  });
});

describe("a run is bound to the destination it started with", () => {
  const there = destinationOf(input.destinationConfig);
  const held = {
    ...base,
    syncStatus: "running" as const,
    managedKeys: ["A"],
    lastSyncedAt: "before",
    lease: { jobId: "g1", until: "x" },
  };
  const moved = updated(
    held,
    { destinationConfig: { projectId: "rp", environmentId: "re", serviceId: "other" } },
    {
      jobId: "j2",
      now: "T",
    },
  ).next;

  it("a move resets the names and the first-sync time, keeps the lease, and requests a sync", () => {
    expect(moved).toMatchObject({ managedKeys: [], lastSyncedAt: null, wanted: 2, lease: held.lease });
    expect(destinationOf(moved.destinationConfig)).not.toBe(there);
  });

  it("only Railway's ids place a sync: a new label, or the same ids in another order, is no move", () => {
    const relabelled = updated(
      held,
      { destinationConfig: { serviceId: "rs", environmentId: "re", projectId: "rp", serviceName: "api" } },
      { jobId: "j2", now: "T" },
    );
    expect(relabelled.resync).toBe(false);
    expect(relabelled.next).toMatchObject({ managedKeys: ["A"], lastSyncedAt: "before" });
    expect(destinationOf({ projectId: "rp", environmentId: "re" })).not.toBe(there);
  });

  it("a run that started elsewhere may not write, nor record names as managed", () => {
    expect(bound(held, "g1", there)).toBe(true);
    expect(bound(moved, "g1", there)).toBe(false);
    expect(bound(held, "other", there)).toBe(false);
    expect(managing(moved, "g1", ["B"], there)).toBeUndefined();
    expect(managing(held, "g1", ["B"], there)?.managedKeys).toEqual(["A", "B"]);
  });

  it("its end settles neither its names nor its time on the moved sync; the new destination's first sync follows", () => {
    const next = finished(
      moved,
      sync(1),
      { status: "succeeded", message: "Wrote 1 secret.", managedKeys: ["A", "B"], destination: there },
      "T2",
    );
    expect(next).toMatchObject({
      managedKeys: [],
      lastSyncedAt: null,
      lease: null,
      done: 1,
      syncStatus: "pending",
      lastSyncMessage: `Wrote 1 secret. ${movedMessage}`,
    });
    expect(current(next, sync(2))).toBe(true);
  });

  it("a run at the same destination settles as before", () => {
    const next = finished(
      held,
      sync(1),
      { status: "succeeded", message: "ok", managedKeys: ["B"], destination: there },
      "T2",
    );
    expect(next).toMatchObject({
      managedKeys: ["B"],
      lastSyncedAt: "T2",
      lastSyncMessage: "ok",
      syncStatus: "succeeded",
    });
  });

  it("an import or a removal that ran at the old destination keeps its time off the sync too", () => {
    const job: Job = { orgId: "org", syncId: fresh.id, jobId: "jr", kind: "remove" };
    const removing = { ...requested(moved, "remove", "jr", "T"), lease: { jobId: "jr", until: "x" } };
    const next = finished(
      removing,
      job,
      { status: "succeeded", message: "Removed.", managedKeys: [], destination: there },
      "T2",
    );
    expect(next).toMatchObject({ removeStatus: "succeeded", lastRemovedAt: null, managedKeys: [] });
  });
});

describe("waiting for Railway's rate limit", () => {
  const held = { ...base, syncStatus: "running" as const, lease: { jobId: "g1", until: "x" }, lastSyncMessage: "old" };

  it("hands the lease back and leaves the run pending, saying why, with nothing else settled", () => {
    const next = waiting(held, sync(1), "Waiting until T.");
    expect(next).toEqual({ ...held, lease: null, syncStatus: "pending", lastSyncMessage: "Waiting until T." });
    expect(current(next, sync(1))).toBe(true);
  });

  it("an import or a removal waits in its own fields", () => {
    const job: Job = { orgId: "org", syncId: fresh.id, jobId: "ji", kind: "import" };
    const running = {
      ...requested(base, "import", "ji", "T"),
      importStatus: "running" as const,
      lease: { jobId: "ji", until: "x" },
    };
    expect(waiting(running, job, "w")).toMatchObject({
      importStatus: "pending",
      lastImportMessage: "w",
      syncStatus: "pending",
      lastSyncMessage: null,
      lease: null,
    });
  });

  it("changes nothing for a job that does not hold the lease", () => {
    expect(waiting(held, sync(1, "other"), "w")).toBeUndefined();
  });
});

describe("recursive", () => {
  it("is stored on the sync whichever place said it, and false when neither did", () => {
    expect(base.recursive).toBe(false);
    const said = created("org", { ...input, syncOptions: { ...input.syncOptions, recursive: true } }, fresh);
    expect(said).toMatchObject({ recursive: true, syncOptions: { initialSyncBehavior: "overwrite-destination" } });
    expect(said.syncOptions).not.toHaveProperty("recursive");
    expect(created("org", { ...input, recursive: true }, fresh).recursive).toBe(true);
  });

  it("a change of it syncs again; options without it leave it as it was", () => {
    const on = updated(base, { recursive: true }, { jobId: "j2", now: "T" });
    expect(on).toMatchObject({ resync: true, refused: undefined, next: { recursive: true, lastSyncJobId: "j2" } });
    const same = updated(
      on.next,
      { syncOptions: { initialSyncBehavior: "overwrite-destination" } },
      { jobId: "j3", now: "T" },
    );
    expect(same).toMatchObject({ resync: false, next: { recursive: true } });
    // Syncs made before the field: absent reads as false.
    const { recursive, ...old } = base;
    expect(updated(old, { name: "n" }, { jobId: "j4", now: "T" })).toMatchObject({
      resync: false,
      next: { recursive: false },
    });
  });

  it("is refused with an import first sync, either change leading there", () => {
    const importing = created(
      "org",
      { ...input, syncOptions: { initialSyncBehavior: "import-prioritize-source" } },
      fresh,
    );
    expect(updated(importing, { recursive: true }, { jobId: "j2", now: "T" }).refused).toContain(
      "overwrite-destination",
    );
    const on = updated(base, { recursive: true }, { jobId: "j2", now: "T" }).next;
    const back = { syncOptions: { initialSyncBehavior: "import-prioritize-destination" as const } };
    expect(updated(on, back, { jobId: "j3", now: "T" }).refused).toContain("overwrite-destination");
  });

  it("covers the folders below, not a sibling whose name starts the same", () => {
    const app = { secretPath: "/app", recursive: true };
    expect(covers(app, "/app")).toBe(true);
    expect(covers(app, "/app/x")).toBe(true);
    expect(covers(app, "/app/x/y")).toBe(true);
    expect(covers(app, "/apple")).toBe(false);
    expect(covers(app, "/")).toBe(false);
    expect(covers({ secretPath: "/", recursive: true }, "/any/thing")).toBe(true);
    expect(covers({ secretPath: "/app", recursive: false }, "/app/x")).toBe(false);
    expect(covers({ secretPath: "/app" }, "/app")).toBe(true);
  });
});
