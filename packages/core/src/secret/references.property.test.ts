// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written ${KEY}
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Address, addressId, expand, maxDepth, references } from "./references.ts";
import { Key, Path } from "./schema.ts";

// What expansion does for any value and any store: it ends, it looks up only addresses a
// reference names (an environment, a folder and a key of the same project: the store binds
// the org and project), and it never follows a chain deeper than it says.

const keys = ["A", "B", "C", "D"];
const envs = ["dev", "prod"];
const paths = ["/", "/api", "/api/billing"];
const here: Address = { environment: "dev", path: "/api", key: "SELF" };

/** A reference as a person writes one: `${KEY}`, `${env.KEY}` or `${env.a.b.KEY}`, among the few addresses above. */
const reference = fc.oneof(
  fc.constantFrom(...keys).map((k) => `\${${k}}`),
  fc
    .tuple(fc.constantFrom(...envs), fc.constantFrom(...paths), fc.constantFrom(...keys))
    .map(([e, p, k]) => `\${${[e, ...p.split("/").filter(Boolean), k].join(".")}}`),
);
/** Text around references, including what only looks like one. */
const text = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("${", "}", "$", "${ A }", "${a..b}", "${.A}", "${A.}", "${../A}", "${dev..A}"),
);
const value = fc.array(fc.oneof(reference, text), { maxLength: 5 }).map((parts) => parts.join(""));
/** A store of secrets over the same few addresses: chains, cycles and self-references all appear. */
const store = fc.dictionary(
  fc
    .tuple(fc.constantFrom(...envs), fc.constantFrom(...paths), fc.constantFrom(...keys))
    .map(([e, p, k]) => addressId({ environment: e, path: p, key: k })),
  value,
  { maxKeys: 12 },
);

/** Runs `expand`, recording every lookup. */
function expanded(v: string, entries: Record<string, string>) {
  const looked: Address[] = [];
  const out = expand(v, here, (a) => {
    looked.push(a);
    if (looked.length > 100_000) throw new Error("expansion does not end");
    return entries[addressId(a)];
  });
  return { out, looked };
}

const settings = { numRuns: 300 };

describe("reference expansion, for any value and any store", () => {
  it("ends, cycles and self-references included", () => {
    fc.assert(
      fc.property(value, store, (v, entries) => {
        expect(typeof expanded(v, entries).out).toBe("string");
      }),
      settings,
    );
  });

  it("looks up only well-formed addresses of the project, each named by a value it expanded", () => {
    fc.assert(
      fc.property(value, store, (v, entries) => {
        const { looked } = expanded(v, entries);
        const named = new Set(references(v, here).map(addressId));
        for (const a of looked) {
          expect(Path.safeParse(a.path).success, a.path).toBe(true);
          expect(Path.parse(a.path)).toBe(a.path);
          expect(Key.safeParse(a.key).success, a.key).toBe(true);
          expect(a.environment).toMatch(/^[A-Za-z0-9_-]+$/);
          // A lookup is of a reference in the value, or in a value looked up before it.
          expect(named.has(addressId(a)), JSON.stringify(a)).toBe(true);
          const raw = entries[addressId(a)];
          if (raw !== undefined) for (const next of references(raw, a)) named.add(addressId(next));
        }
      }),
      settings,
    );
  });

  it("never escapes its folder with dots: `..` and empty parts are no reference", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("..", ".", "", "a", "dev"), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...keys),
        (parts, key) => {
          const text = `\${${[...parts, key].join(".")}}`;
          for (const a of references(text, here)) {
            expect(a.path.split("/")).not.toContain("..");
            expect(Path.safeParse(a.path).success).toBe(true);
          }
        },
      ),
      settings,
    );
  });

  it("a value without references is returned as it is, with no lookup", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => references(s, here).length === 0),
        store,
        (v, entries) => {
          const { out, looked } = expanded(v, entries);
          expect(out).toBe(v);
          expect(looked).toEqual([]);
        },
      ),
      settings,
    );
  });

  it("a chain expands whole up to maxDepth links, and past it stops, leaving a reference as written", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * maxDepth }), (length) => {
        const entries: Record<string, string> = {};
        const link = (i: number) => ({ ...here, key: `K${i}` });
        for (let i = 0; i < length; i++) entries[addressId(link(i))] = i === length - 1 ? "end" : `x\${K${i + 1}}`;
        const { out } = expanded("${K0}", entries);
        if (length <= maxDepth) expect(out).toBe(`${"x".repeat(length - 1)}end`);
        else {
          expect(out).toMatch(/^x*\$\{K\d+\}$/);
          expect(out.length).toBeLessThan(maxDepth + 8);
        }
      }),
      { numRuns: 3 * maxDepth },
    );
  });

  it("a cycle is followed once round and left as written where it closes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: maxDepth - 1 }), fc.nat(), (length, start) => {
        const entries: Record<string, string> = {};
        const key = (i: number) => `C${(start + i) % length}`;
        for (let i = 0; i < length; i++) entries[addressId({ ...here, key: key(i) })] = `${i}\${${key(i + 1)}}`;
        // The secret C(start) read as itself: each member once, then the reference that closes the cycle.
        const first = { ...here, key: key(0) };
        const self = expand(entries[addressId(first)] ?? "", first, (a) => entries[addressId(a)]);
        expect(self).toBe(`${Array.from({ length }, (_, i) => i).join("")}\${${key(0)}}`);
      }),
      { numRuns: 100 },
    );
  });
});
