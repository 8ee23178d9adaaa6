import { describe, expect, it } from "vitest";
import { type Item, indexed } from "./item.ts";

const job = {
  id: "j1",
  purpose: "recheck" as const,
  method: "team-token" as const,
  requestedAt: "2026-12-06T05:00:00.000Z",
};
const item = { id: "c1", status: "active", verifiedAt: "2026-12-05T05:00:00.000Z", job } as unknown as Item;

describe("the maintenance index", () => {
  it("dates a verification in flight from its request, or from the end of its wait for Railway's rate limit", () => {
    expect(indexed(item).gsi2sk).toBe("2026-12-06T05:00:00.000Z#c1");
    const held = { ...item, job: { ...job, heldUntil: "2026-12-06T05:45:00.000Z" } };
    expect(indexed(held).gsi2sk).toBe("2026-12-06T05:45:00.000Z#c1");
    expect(indexed({ ...item, job: { ...job, heldUntil: "2026-12-06T04:00:00.000Z" } }).gsi2sk).toBe(
      "2026-12-06T05:00:00.000Z#c1",
    );
  });
});
