import { describe, expect, it } from "vitest";
import * as Hold from "./hold.ts";

const now = Date.parse("2026-12-06T05:00:00.000Z");
const s = (seconds: number) => now + seconds * 1000;

describe("admission", () => {
  it("lets a job go while nothing is known", () => {
    expect(Hold.admission(undefined, now, 4)).toEqual({ kind: "go" });
  });

  it("reserves from the window while it has the job's cost left, and holds until the reset once it has not", () => {
    expect(Hold.admission({ remaining: 4, resetAt: s(30) }, now, 4)).toEqual({ kind: "reserve" });
    expect(Hold.admission({ remaining: 3, resetAt: s(30) }, now, 4)).toEqual({ kind: "hold", until: s(30) });
    expect(Hold.admission({ remaining: 0, resetAt: s(30) }, now, 1)).toEqual({ kind: "hold", until: s(30) });
    expect(Hold.admission({ remaining: 1, resetAt: s(30) }, now, 1)).toEqual({ kind: "reserve" });
    expect(Hold.admission({ remaining: Hold.lowWatch, resetAt: s(30) }, now, 4)).toEqual({ kind: "reserve" });
  });

  it("writes nothing while the window has plenty left", () => {
    expect(Hold.admission({ remaining: Hold.lowWatch + 1, resetAt: s(30) }, now, 4)).toEqual({ kind: "go" });
    expect(Hold.admission({ remaining: 96, resetAt: s(30), limit: 100, provisional: true }, now, 4)).toEqual({
      kind: "go",
    });
  });

  it("once a low window is over, starts the next one by reserving from its limit, or goes when no limit is known", () => {
    expect(Hold.admission({ remaining: 0, resetAt: now, limit: 5 }, now, 4)).toEqual({ kind: "fresh", limit: 5 });
    expect(Hold.admission({ remaining: 0, resetAt: s(-1) }, now, 4)).toEqual({ kind: "go" });
    // A limit below the job's cost cannot be reserved from: the job goes and meets what Railway says.
    expect(Hold.admission({ remaining: 0, resetAt: s(-1), limit: 3 }, now, 4)).toEqual({ kind: "go" });
    // A window that ended with plenty left held no one back: nothing to stagger.
    expect(Hold.admission({ remaining: 96, resetAt: s(-1), limit: 100 }, now, 4)).toEqual({ kind: "go" });
  });

  it("a window started by a reservation learns its reset within a request: a job held by it looks again in a second", () => {
    const provisional = { remaining: 1, resetAt: s(60), provisional: true };
    expect(Hold.admission(provisional, now, 4)).toEqual({ kind: "hold", until: s(1) });
    expect(Hold.admission({ ...provisional, resetAt: s(0.5) }, now, 4)).toEqual({ kind: "hold", until: s(0.5) });
  });
});

describe("what an answer says", () => {
  it("a 429 spends the budget until the later of Retry-After and the reset, or a default wait", () => {
    expect(Hold.spentUntil({ status: 429, retryAt: s(3), resetAt: s(5) }, now)).toBe(s(5));
    expect(Hold.spentUntil({ status: 429, retryAt: s(7), resetAt: s(5) }, now)).toBe(s(7));
    expect(Hold.spentUntil({ status: 429 }, now)).toBe(s(60));
    expect(Hold.spentUntil({ status: 429, resetAt: s(-5) }, now)).toBe(s(60));
  });

  it("nothing remaining before a reset spends it; anything left, or a past reset, does not", () => {
    expect(Hold.spentUntil({ status: 200, remaining: 0, resetAt: s(10) }, now)).toBe(s(10));
    expect(Hold.spentUntil({ status: 200, remaining: 1, resetAt: s(10) }, now)).toBeUndefined();
    expect(Hold.spentUntil({ status: 200, remaining: 0, resetAt: s(0) }, now)).toBeUndefined();
    expect(Hold.spentUntil({ status: 200, remaining: 0 }, now)).toBeUndefined();
  });

  it("is worth storing only when low, spent or a 429", () => {
    expect(Hold.observed({ status: 200, remaining: 21, resetAt: s(10), limit: 100 }, now)).toBeUndefined();
    expect(Hold.observed({ status: 200, remaining: Hold.lowWatch, resetAt: s(10), limit: 100 }, now)).toEqual({
      remaining: Hold.lowWatch,
      resetAt: s(10),
      limit: 100,
    });
    expect(Hold.observed({ status: 200, remaining: 0, resetAt: s(10) }, now)).toEqual({ remaining: 0, resetAt: s(10) });
    expect(Hold.observed({ status: 429, retryAt: s(2), limit: 5 }, now)).toEqual({
      remaining: 0,
      resetAt: s(2),
      limit: 5,
    });
    expect(Hold.observed({ status: 200, remaining: 3 }, now)).toBeUndefined();
    expect(Hold.observed({ status: 200 }, now)).toBeUndefined();
  });
});

describe("the hold", () => {
  it("is delayed in whole seconds, at least one, at most SQS's 15 minutes (a longer hold is sent again)", () => {
    expect(Hold.delaySeconds(s(2.2), now)).toBe(3);
    expect(Hold.delaySeconds(s(-4), now)).toBe(1);
    expect(Hold.delaySeconds(s(3600), now)).toBe(900);
  });

  it("says until when, in whole seconds, UTC", () => {
    expect(Hold.waitingMessage(Date.parse("2026-12-06T05:10:00.000Z"))).toBe(
      "Waiting for Railway's rate limit until 2026-12-06T05:10:00Z.",
    );
    expect(Hold.waitingMessage(Date.parse("2026-12-06T05:10:00.200Z"))).toBe(
      "Waiting for Railway's rate limit until 2026-12-06T05:10:01Z.",
    );
  });

  it("may go on until the job was held for maxHoldHours", () => {
    expect(Hold.mayHold(undefined, now, 24)).toBe(true);
    expect(Hold.mayHold(now - 23.9 * 3_600_000, now, 24)).toBe(true);
    expect(Hold.mayHold(now - 24 * 3_600_000, now, 24)).toBe(false);
  });
});
