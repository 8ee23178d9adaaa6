import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Path } from "./schema.ts";

/** Paths a person or a program might send: real folders, dots, doubled and trailing slashes, odd characters. */
const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/),
  fc.constantFrom(".", "..", "", " ", "a.b", "%2e%2e", "\\", "~"),
);
const path = fc.oneof(
  fc.array(segment, { maxLength: 12 }).map((s) => `/${s.join("/")}`),
  fc.array(segment, { maxLength: 12 }).map((s) => `/${s.join("/")}/`),
  fc.array(segment, { maxLength: 4 }).map((s) => s.join("/")),
  fc.string({ maxLength: 40 }),
);

describe("secret paths, for any string", () => {
  it("what Path accepts normalises idempotently: the normal form is accepted as itself", () => {
    fc.assert(
      fc.property(path, (p) => {
        const first = Path.safeParse(p);
        if (!first.success) return;
        expect(Path.parse(first.data)).toBe(first.data);
      }),
      { numRuns: 1000 },
    );
  });

  it("an accepted path is `/` or absolute folders, none empty, `.` or `..`, at most 10 deep", () => {
    fc.assert(
      fc.property(path, (p) => {
        const parsed = Path.safeParse(p);
        if (!parsed.success) return;
        const normal = parsed.data;
        expect(normal.startsWith("/")).toBe(true);
        if (normal === "/") return;
        const folders = normal.slice(1).split("/");
        expect(folders.length).toBeLessThanOrEqual(10);
        for (const f of folders) {
          expect(f).not.toBe("");
          expect(f).not.toBe(".");
          expect(f).not.toBe("..");
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("accepts every path of up to 10 well-formed folders, with or without a trailing slash", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/), { maxLength: 10 }), fc.boolean(), (f, slash) => {
        const normal = `/${f.join("/")}`;
        expect(Path.parse(`${normal}${slash && f.length ? "/" : ""}`)).toBe(normal);
      }),
      { numRuns: 300 },
    );
  });
});
