import { afterEach, describe, expect, it } from "vitest";
import * as Env from "./index.ts";

const NAME = "ENV_UNIT_TEST_NUMBER";
afterEach(() => {
  delete process.env[NAME];
});

describe("Env.number", () => {
  it("is the fallback when the variable is unset or empty", () => {
    expect(Env.number(NAME, 7)).toBe(7);
    process.env[NAME] = "";
    expect(Env.number(NAME, 7)).toBe(7);
  });

  it("is the variable's value when it is a number of at least 0, 0 included", () => {
    for (const [raw, value] of [
      ["12", 12],
      ["0", 0],
      ["0.5", 0.5],
      ["1e3", 1000],
    ] as const) {
      process.env[NAME] = raw;
      expect(Env.number(NAME, 7), raw).toBe(value);
    }
  });

  it("refuses, naming the variable, a negative number, a word and an infinity", () => {
    for (const raw of ["-1", "-0.001", "ten", "Infinity", "12s"]) {
      process.env[NAME] = raw;
      expect(() => Env.number(NAME, 7), raw).toThrow(`${NAME} must be a number of at least 0`);
    }
  });

  it("refuses a fallback that is not a number of at least 0 too", () => {
    expect(() => Env.number(NAME, -1)).toThrow(NAME);
    expect(() => Env.number(NAME, Number.NaN)).toThrow(NAME);
  });
});
