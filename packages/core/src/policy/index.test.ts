import { afterEach, describe, expect, it } from "vitest";
import * as Policy from "./index.ts";

const variables = {
  maxAttempts: "VERIFY_MAX_ATTEMPTS",
  retryBaseSeconds: "VERIFY_RETRY_BASE_SECONDS",
  staleAfterMinutes: "STALE_VERIFICATION_MINUTES",
  reverifyAfterHours: "REVERIFY_AFTER_HOURS",
  reverifyPerSecond: "REVERIFY_PER_SECOND",
  maintenancePageSize: "MAINTENANCE_PAGE_SIZE",
} as const;
const original = Object.fromEntries(Object.values(variables).map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const [name, value] of Object.entries(original)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("the verification policy", () => {
  it("derives the queue's numbers from the worker's: visibility six times its timeout, dead letters after its attempts", () => {
    expect(Policy.visibilityTimeoutSeconds).toBe(6 * Policy.workerTimeoutSeconds);
    expect(Policy.visibilityTimeoutSeconds).toBe(360);
    expect(Policy.deadLetterAfter).toBe(Policy.maxAttempts + 3);
    expect(Policy.deadLetterAfter).toBe(8);
  });

  it("settings are the constants when the environment names none", () => {
    for (const name of Object.values(variables)) delete process.env[name];
    expect(Policy.settings()).toEqual({
      maxAttempts: 5,
      retryBaseSeconds: 10,
      staleAfterMinutes: 30,
      reverifyAfterHours: 24,
      reverifyPerSecond: 20,
      maintenancePageSize: 100,
    });
  });

  it("each setting is overridden by its own variable alone", () => {
    for (const [setting, name] of Object.entries(variables)) {
      for (const other of Object.values(variables)) delete process.env[other];
      process.env[name] = "2";
      const settings = Policy.settings();
      expect(settings[setting as keyof typeof variables], name).toBe(2);
      expect(
        Object.values(settings).filter((v) => v === 2),
        name,
      ).toHaveLength(1);
    }
  });
});

describe("backoff", () => {
  it("doubles from the base each attempt; the jitter takes 50 to 100 % of that", () => {
    expect([1, 2, 3, 4].map((attempt) => Policy.backoffSeconds(10, attempt, 0, 0))).toEqual([5, 10, 20, 40]);
    expect([1, 2, 3, 4].map((attempt) => Policy.backoffSeconds(10, attempt, 0, 0.999))).toEqual([10, 20, 40, 80]);
    expect(Policy.backoffSeconds(10, 3, 0, 0.5)).toBe(30);
    expect(Policy.backoffSeconds(3, 1, 0, 0)).toBe(2);
  });

  it("is capped at maxBackoffSeconds before the jitter", () => {
    expect(Policy.backoffSeconds(10, 20, 0, 0)).toBe(Policy.maxBackoffSeconds / 2);
    expect(Policy.backoffSeconds(10, 20, 0, 0.999)).toBe(Policy.maxBackoffSeconds);
  });

  it("is never sooner than Railway's Retry-After, which it does not otherwise change", () => {
    expect(Policy.backoffSeconds(10, 1, 120, 0)).toBe(120);
    expect(Policy.backoffSeconds(10, 4, 7, 0)).toBe(40);
  });

  it("is random between the bounds without an explicit draw", () => {
    const delays = Array.from({ length: 200 }, () => Policy.backoffSeconds(100, 1));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...delays)).toBeLessThanOrEqual(100);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });
});
