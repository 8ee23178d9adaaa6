import { describe, expect, it } from "vitest";
import { plan } from "./index.ts";

describe("a maintenance page's schedule", () => {
  it("spreads a shard's items at its rate from the run's start", () => {
    const p = plan({ offset: 0, pageSize: 100, perSecond: 2, elapsedSeconds: 0 });
    expect(p.take).toBe(100);
    expect([0, 1, 2, 3, 99].map(p.delay)).toEqual([0, 0, 1, 1, 49]);
    // The next page's first item is due 50 s in; its page runs a minute ahead of that.
    expect(p.nextDelaySeconds).toBe(0);
  });

  it("counts from the items earlier pages took, and from the time already gone", () => {
    const p = plan({ offset: 1000, pageSize: 100, perSecond: 2, elapsedSeconds: 440 });
    // Item 1000 is due 500 s after the start: 60 s from now.
    expect(p.delay(0)).toBe(60);
    expect(p.delay(10)).toBe(65);
    // Item 1100 is due at 550 s, 110 s from now: its page runs 60 s before that.
    expect(p.nextDelaySeconds).toBe(50);
  });

  it("never delays past SQS's 15 minutes, and takes no more than fit within them", () => {
    const slow = plan({ offset: 0, pageSize: 100, perSecond: 0.05, elapsedSeconds: 0 });
    // 0.05 a second: 45 in 900 s, less the minute of lead.
    expect(slow.take).toBe(42);
    expect(slow.delay(slow.take - 1)).toBeLessThanOrEqual(900);
    expect(slow.nextDelaySeconds).toBeLessThanOrEqual(900);
    const far = plan({ offset: 100_000, pageSize: 100, perSecond: 1, elapsedSeconds: 0 });
    expect(far.delay(0)).toBe(900);
    expect(far.nextDelaySeconds).toBe(900);
    expect(plan({ offset: 0, pageSize: 100, perSecond: 0.001, elapsedSeconds: 0 }).take).toBe(1);
  });

  it("late items are due at once, never at a negative delay", () => {
    const late = plan({ offset: 10, pageSize: 5, perSecond: 1, elapsedSeconds: 3600 });
    expect([0, 1, 4].map(late.delay)).toEqual([0, 0, 0]);
    expect(late.nextDelaySeconds).toBe(0);
  });

  it("without a rate, takes a full page and delays nothing (the stale sweep)", () => {
    const p = plan({ offset: 500, pageSize: 100, perSecond: 0, elapsedSeconds: 10 });
    expect(p.take).toBe(100);
    expect([0, 99].map(p.delay)).toEqual([0, 0]);
    expect(p.nextDelaySeconds).toBe(0);
  });
});
