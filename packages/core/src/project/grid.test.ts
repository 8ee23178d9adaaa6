import { describe, expect, it } from "vitest";
import { byStage, grid } from "./grid.ts";

describe("the environments grid", () => {
  it("says where each key is, and whether its value equals the first environment's", () => {
    const dev = new Map([
      ["A", "1"],
      ["B", "2"],
    ]);
    const prod = new Map([
      ["A", "1"],
      ["B", "changed"],
      ["C", "3"],
    ]);
    expect(grid([dev, prod, new Map()])).toEqual([
      { key: "A", cells: ["present", "same", "missing"] },
      { key: "B", cells: ["present", "differs", "missing"] },
      { key: "C", cells: ["missing", "present", "missing"] },
    ]);
  });

  it("orders environments as people promote through them, then by name", () => {
    expect(["production", "qa", "dev", "staging", "alpha"].sort(byStage)).toEqual([
      "dev",
      "staging",
      "production",
      "alpha",
      "qa",
    ]);
  });
});
