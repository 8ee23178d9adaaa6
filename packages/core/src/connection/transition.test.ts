import { describe, expect, it } from "vitest";
import { NoCredentials } from "./errors.ts";
import { type Item, toInfo } from "./item.ts";
import type { Purpose } from "./schema.ts";
import { created, type Outcome, recheckRequested, removed, settled, updated } from "./transition.ts";

const orgId = "org-1";
const by = { type: "api-key", keyId: "key-1" } as const;
const t0 = "2026-01-01T00:00:00.000Z";
const t1 = "2026-01-01T00:01:00.000Z";
const oldSeal = new Uint8Array([1, 1, 1]);
const newSeal = new Uint8Array([2, 2, 2]);
const identity = { workspaces: [{ id: "w1", name: "Analytical Engines" }] };
const hash = (c: string) => c.repeat(64);

const fresh = { now: t0, jobId: "job-1", credentialsHash: hash("a"), id: "11111111-1111-4111-8111-111111111111" };
const pending = (): Item =>
  created(orgId, by, { name: "ci", method: "team-token", credentials: { apiToken: "t" } }, fresh).next;

const active = (): Item => ({
  ...pending(),
  status: "active",
  verifiedAt: t0,
  railway: identity,
  job: null,
  sealedCredentials: oldSeal,
  method: "account-token",
});

/** The connection with a job of `purpose` in flight, as the verbs leave it. */
function inFlight(purpose: Purpose): Item {
  if (purpose === "create") return pending();
  if (purpose === "rotation") {
    const step = updated(
      active(),
      by,
      { method: "team-token", credentials: { apiToken: "new" } },
      {
        now: t0,
        jobId: "job-1",
        credentialsHash: hash("b"),
      },
    );
    return step?.next as Item;
  }
  return recheckRequested(active(), by, { now: t0, jobId: "job-1" })?.next as Item;
}

const outcomes: Record<string, Outcome> = {
  verified: { kind: "verified", railway: identity, sealedCredentials: newSeal },
  rejected: { kind: "rejected", message: "Railway rejected this workspace (team) token (Not Authorized)" },
  "wrong kind": {
    kind: "rejected",
    message:
      'Railway rejected this token as a workspace (team) token, but it is a valid project token. Choose the method "project-token" instead.',
  },
  unreachable: { kind: "unreachable", message: "Railway could not be reached", sealedCredentials: newSeal },
};

/** What a fresh token's outcome carries: a re-check's token is the stored one, never re-sealed. */
const forPurpose = (purpose: Purpose, outcome: Outcome): Outcome => {
  if (purpose !== "recheck") return outcome;
  const { sealedCredentials, ...rest } = outcome;
  return rest as Outcome;
};

describe("a verification's outcome, for each purpose", () => {
  const expected: Record<Purpose, Record<string, Partial<Item> & { event?: string }>> = {
    create: {
      verified: {
        status: "active",
        statusMessage: null,
        railway: identity,
        sealedCredentials: newSeal,
        event: "app-connection.verified",
      },
      rejected: { status: "failed", railway: null, sealedCredentials: undefined, event: "app-connection.failed" },
      "wrong kind": { status: "failed", railway: null, sealedCredentials: undefined, event: "app-connection.failed" },
      unreachable: { status: "failed", railway: null, sealedCredentials: newSeal, event: "app-connection.failed" },
    },
    rotation: {
      verified: {
        status: "active",
        method: "team-token",
        sealedCredentials: newSeal,
        event: "app-connection.credentials-rotated",
      },
      rejected: {
        status: "active",
        method: "account-token",
        sealedCredentials: oldSeal,
        event: "app-connection.updated",
      },
      "wrong kind": {
        status: "active",
        method: "account-token",
        sealedCredentials: oldSeal,
        event: "app-connection.updated",
      },
      unreachable: {
        status: "active",
        method: "account-token",
        sealedCredentials: oldSeal,
        event: "app-connection.updated",
      },
    },
    recheck: {
      verified: { status: "active", sealedCredentials: oldSeal, verifiedAt: t1 },
      rejected: { status: "failed", sealedCredentials: oldSeal, event: "app-connection.revoked" },
      "wrong kind": { status: "failed", sealedCredentials: oldSeal, event: "app-connection.revoked" },
      unreachable: { status: "active", statusMessage: null, sealedCredentials: oldSeal, verifiedAt: t0 },
    },
  };

  for (const purpose of ["create", "rotation", "recheck"] as const) {
    for (const [name, outcome] of Object.entries(outcomes)) {
      it(`${purpose} × ${name}`, () => {
        const before = inFlight(purpose);
        const step = settled(before, "job-1", forPurpose(purpose, outcome), t1);
        if (!step || step.next === "delete") throw new Error("expected a step");
        const { event, ...fields } = expected[purpose][name] ?? {};
        expect(step.next).toMatchObject({ job: null, updatedAt: t1, ...fields });
        if (!("sealedCredentials" in fields)) throw new Error("every case states the stored credentials");
        expect(step.next.sealedCredentials).toEqual(fields.sealedCredentials);
        expect(step.event).toBe(event);
        // The hash is the one the client's last credentials got, whatever the outcome.
        expect(step.next.credentialsHash).toBe(before.credentialsHash);
        expect(step.audit).toMatchObject({
          action: outcome.kind === "verified" ? "app-connection.verified" : "app-connection.verification-failed",
          actor: { type: "system", reason: "verification" },
          connectionId: before.id,
          details: { purpose, outcome: outcome.kind, status: step.next.status },
        });
        const info = toInfo(step.next);
        expect(info.pendingVerification).toBeNull();
        if (purpose === "rotation")
          expect(info.rotation).toEqual(
            outcome.kind === "verified"
              ? null
              : {
                  status: "failed",
                  method: "team-token",
                  requestedAt: t0,
                  statusMessage: "message" in outcome ? outcome.message : "",
                },
          );
        if (
          outcome.kind !== "verified" &&
          purpose !== "rotation" &&
          !(purpose === "recheck" && outcome.kind === "unreachable")
        )
          expect(step.next.statusMessage).toBe("message" in outcome ? outcome.message : "");
      });
    }

    it(`${purpose} × superseded: a job that is no longer the connection's changes nothing`, () => {
      expect(settled(inFlight(purpose), "job-0", outcomes.verified as Outcome, t1)).toBeUndefined();
    });

    it(`${purpose} × deleted: a job whose connection is gone changes nothing`, () => {
      expect(settled(undefined, "job-1", outcomes.verified as Outcome, t1)).toBeUndefined();
    });

    it(`${purpose} × duplicate: once settled, the same job changes nothing`, () => {
      const step = settled(inFlight(purpose), "job-1", forPurpose(purpose, outcomes.verified as Outcome), t1);
      expect(settled(step?.next as Item, "job-1", outcomes.verified as Outcome, t1)).toBeUndefined();
    });
  }
});

describe("requests", () => {
  it("create: pending, with its job, a new hash, the created event and its audit entry", () => {
    const step = created(orgId, by, { name: "ci", method: "team-token", credentials: { apiToken: "t" } }, fresh);
    expect(toInfo(step.next)).toMatchObject({
      status: "pending",
      credentialsHash: hash("a"),
      pendingVerification: { purpose: "create", method: "team-token", requestedAt: t0 },
      rotation: null,
    });
    expect(step.next).toMatchObject({ gsi1pk: expect.stringContaining(orgId), gsi1sk: `${t0}#${fresh.id}` });
    expect(step.next).not.toHaveProperty("idempotencyKey");
    expect(JSON.stringify(step)).not.toContain('"t"');
    expect(step.event).toBe("app-connection.created");
    expect(step.audit).toMatchObject({
      action: "app-connection.created",
      details: { name: "ci", method: "team-token" },
    });
  });

  it("create keeps the Idempotency-Key it was made with", () => {
    const step = created(
      orgId,
      by,
      { name: "ci", method: "team-token", credentials: { apiToken: "t" } },
      { ...fresh, idempotencyKey: "k-1" },
    );
    expect(step.next.idempotencyKey).toBe("k-1");
  });

  it("a failed verification's audit entry carries its message", () => {
    for (const purpose of ["create", "rotation", "recheck"] as const) {
      const step = settled(inFlight(purpose), "job-1", forPurpose(purpose, outcomes.rejected as Outcome), t1);
      expect(step?.audit.details, purpose).toEqual({
        purpose,
        outcome: "rejected",
        status: step?.next === "delete" ? undefined : step?.next.status,
        message: "Railway rejected this workspace (team) token (Not Authorized)",
      });
    }
  });

  it("a re-check that fails a connection already failed changes its message but sends no event", () => {
    const failed = settled(pending(), "job-1", outcomes.unreachable as Outcome, t1)?.next as Item;
    expect(failed.status).toBe("failed");
    const recheck = recheckRequested(failed, by, { now: t1, jobId: "job-2" })?.next as Item;
    const step = settled(recheck, "job-2", { kind: "rejected", message: "revoked" }, t1);
    expect(step?.next).toMatchObject({ status: "failed", statusMessage: "revoked" });
    expect(step?.event).toBeUndefined();
  });

  it("new credentials for an active connection are a rotation: the current ones stay, the hash is new at once", () => {
    const before = active();
    const step = updated(
      before,
      by,
      { credentials: { apiToken: "new" } },
      { now: t1, jobId: "j2", credentialsHash: hash("c") },
    );
    expect(step?.next).toMatchObject({
      status: "active",
      sealedCredentials: oldSeal,
      method: "account-token",
      credentialsHash: hash("c"),
      version: before.version + 1,
    });
    expect(toInfo(step?.next as Item).rotation).toEqual({
      status: "pending",
      method: "account-token",
      requestedAt: t1,
      statusMessage: null,
    });
    expect(step?.audit.details).toMatchObject({ credentialsChanged: true });
  });

  it("new credentials for a failed connection start over, and replace a failed rotation's record", () => {
    const failed: Item = {
      ...active(),
      status: "failed",
      rotation: { status: "failed", method: "team-token", requestedAt: t0, statusMessage: "no" },
    };
    const step = updated(
      failed,
      by,
      { credentials: { apiToken: "new" } },
      { now: t1, jobId: "j2", credentialsHash: hash("c") },
    );
    expect(step?.next).toMatchObject({ status: "pending", railway: null, verifiedAt: null, rotation: null });
    expect(step?.next === "delete" ? undefined : step?.next.sealedCredentials).toBeUndefined();
    expect(toInfo(step?.next as Item).pendingVerification).toMatchObject({ purpose: "create" });
  });

  it("a rename or description leaves the hash and the job alone; an empty update is nothing to do", () => {
    const before = active();
    const step = updated(
      before,
      by,
      { name: "renamed", description: "d" },
      { now: t1, jobId: "j2", credentialsHash: hash("c") },
    );
    expect(step?.next).toMatchObject({
      name: "renamed",
      description: "d",
      credentialsHash: before.credentialsHash,
      job: null,
    });
    expect(step?.audit.details).toEqual({
      credentialsChanged: false,
      name: "renamed",
      previousName: "ci",
      descriptionChanged: true,
    });
    expect(updated(before, by, {}, { now: t1, jobId: "j2", credentialsHash: hash("c") })).toBeUndefined();
  });

  it("a name alone or a description alone is an update, and the audit entry names only what changed", () => {
    const before = active();
    const f = { now: t1, jobId: "j2", credentialsHash: hash("c") };
    expect(updated(before, by, { name: "renamed" }, f)?.audit.details).toEqual({
      credentialsChanged: false,
      name: "renamed",
      previousName: "ci",
    });
    expect(updated(before, by, { description: null }, f)?.audit.details).toEqual({
      credentialsChanged: false,
      descriptionChanged: true,
    });
    expect(updated(before, by, { name: "ci" }, f)?.audit.details).toEqual({ credentialsChanged: false });
    expect(updated(before, by, { method: "team-token", credentials: { apiToken: "n" } }, f)?.audit.details).toEqual({
      credentialsChanged: true,
      method: "team-token",
    });
  });

  it("new credentials for an active connection without stored ones start over rather than rotate", () => {
    const step = updated(
      { ...active(), sealedCredentials: undefined },
      by,
      { credentials: { apiToken: "new" } },
      { now: t1, jobId: "j2", credentialsHash: hash("c") },
    );
    expect(step?.next).toMatchObject({ status: "pending", job: { purpose: "create" } });
  });

  it("a re-check queues a job for stored credentials, yields to one in flight, and is refused without credentials", () => {
    const step = recheckRequested(active(), by, { now: t1, jobId: "j2" });
    expect(toInfo(step?.next as Item).pendingVerification).toEqual({
      purpose: "recheck",
      method: "account-token",
      requestedAt: t1,
    });
    expect(step?.audit.action).toBe("app-connection.verification-requested");
    expect(recheckRequested(pending(), by, { now: t1, jobId: "j2" })).toBeUndefined();
    expect(() => recheckRequested({ ...active(), sealedCredentials: undefined }, by, { now: t1, jobId: "j2" })).toThrow(
      NoCredentials,
    );
  });

  it("delete: the item goes, its event and audit entry name it", () => {
    const step = removed(active(), by, t1);
    expect(step).toMatchObject({ next: "delete", event: "app-connection.deleted", audit: { details: { name: "ci" } } });
  });
});
