import { describe, expect, it } from "vitest";
import * as Queue from "./index.ts";

describe("a delivery", () => {
  it("is the receive count, plus the attempts a held job had spent before it was sent again", () => {
    expect(Queue.delivery(1, "h")).toEqual({ attempt: 1, receiptHandle: "h" });
    expect(Queue.delivery(0, "h").attempt).toBe(1);
    const held = { [Queue.held.attempts]: { stringValue: "2" }, [Queue.held.since]: { stringValue: "1765000000000" } };
    expect(Queue.delivery(1, "h", held)).toEqual({ attempt: 3, receiptHandle: "h", heldSince: 1765000000000 });
    expect(Queue.delivery(2, "h", held).attempt).toBe(4);
  });

  it("ignores attributes that are not counts", () => {
    const odd = { [Queue.held.attempts]: { stringValue: "-3" }, [Queue.held.since]: { stringValue: "x" } };
    expect(Queue.delivery(1, "h", odd)).toEqual({ attempt: 1, receiptHandle: "h" });
  });
});
