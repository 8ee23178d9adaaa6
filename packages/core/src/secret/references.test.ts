// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written ${KEY}
import { describe, expect, it } from "vitest";
import {
  type Address,
  addressId,
  expand,
  expander,
  LimitError,
  limits,
  maxDepth,
  references,
  resolve,
} from "./references.ts";

const here: Address = { environment: "dev", path: "/api", key: "SELF" };

/** A lookup over a few secrets written as "env:/path:KEY". */
const store = (entries: Record<string, string>) => (a: Address) => entries[`${a.environment}:${a.path}:${a.key}`];

describe("resolve", () => {
  it("reads KEY as the same environment and folder", () => {
    expect(resolve("DB", here)).toEqual({ environment: "dev", path: "/api", key: "DB" });
  });
  it("reads env.KEY as the root of another environment", () => {
    expect(resolve("prod.DB", here)).toEqual({ environment: "prod", path: "/", key: "DB" });
  });
  it("reads env.a.b.KEY as a folder of that environment", () => {
    expect(resolve("prod.a.b.DB", here)).toEqual({ environment: "prod", path: "/a/b", key: "DB" });
  });
  it("refuses text that is not a reference", () => {
    for (const text of ["", "a..b", "a b", ".DB", "DB.", "a/b", "$x"]) expect(resolve(text, here)).toBeUndefined();
  });
});

describe("references", () => {
  it("names each referenced secret once", () => {
    expect(references("${A}-${A}-${prod.x.B}", here)).toEqual([
      { environment: "dev", path: "/api", key: "A" },
      { environment: "prod", path: "/x", key: "B" },
    ]);
  });
  it("finds none in plain text, shell-like text or broken tokens", () => {
    expect(references("$A ${ A } ${} {A} ${a b} $${", here)).toEqual([]);
  });
  it("keeps different addresses apart", () => {
    expect(addressId({ environment: "a", path: "/b", key: "c" })).not.toBe(
      addressId({ environment: "a", path: "/", key: "bc" }),
    );
  });
});

describe("expand", () => {
  it("replaces references by their values, nested ones too", () => {
    const lookup = store({
      "dev:/api:USER": "app",
      "prod:/db:URL": "postgres://${HOST}",
      "prod:/db:HOST": "db.internal",
    });
    expect(expand("${USER}@${prod.db.URL}", here, lookup)).toBe("app@postgres://db.internal");
  });
  it("leaves a reference to nothing as written", () => {
    expect(expand("x${NOPE}y", here, store({}))).toBe("x${NOPE}y");
  });
  it("leaves text that only looks like a reference", () => {
    expect(expand("${a..b} ${a b}", here, store({ "dev:/api:a": "no" }))).toBe("${a..b} ${a b}");
  });
  it("leaves a cycle unexpanded where it closes", () => {
    const lookup = store({ "dev:/api:A": "a${B}", "dev:/api:B": "b${A}" });
    expect(expand("${A}", here, lookup)).toBe("ab${A}");
    expect(expand("a${B}", { ...here, key: "A" }, lookup)).toBe("ab${A}");
    expect(expand("me${SELF}", here, store({ "dev:/api:SELF": "loop" }))).toBe("me${SELF}");
  });
  it("stops following a chain past its depth", () => {
    const chain: Record<string, string> = {};
    for (let i = 0; i < maxDepth + 5; i++) chain[`dev:/api:K${i}`] = `${i}\${K${i + 1}}`;
    const out = expand("${K0}", here, store(chain));
    expect(out).toMatch(/\$\{K\d+\}$/);
    expect(out.startsWith("0123456789")).toBe(true);
    const depth = Number(/\$\{K(\d+)\}$/.exec(out)?.[1]);
    expect(depth).toBe(maxDepth);
  });
  it("expands values that are empty strings", () => {
    expect(expand("[${E}]", here, store({ "dev:/api:E": "" }))).toBe("[]");
  });
});

/** The expansion as it was before the memo: re-expands every path, exponential in the worst case. */
function naive(
  value: string,
  from: Address,
  lookup: (a: Address) => string | undefined,
  seen = [addressId(from)],
): string {
  return value.replace(/\$\{([^{}\s]+)\}/g, (whole, text: string) => {
    const address = resolve(text, from);
    if (!address) return whole;
    const id = addressId(address);
    if (seen.includes(id) || seen.length > maxDepth) return whole;
    const raw = lookup(address);
    return raw === undefined ? whole : naive(raw, address, lookup, [...seen, id]);
  });
}

/** mulberry32: a small pseudo-random generator, so that a failing graph can be found again by its seed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe("expander", () => {
  it("answers what the naive expansion answers, cycles and depth cuts included (500 random graphs)", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const next = random(seed);
      // Half the graphs mostly step forward (long chains, cut by the depth), half are any shape.
      const forward = seed % 2 === 0;
      const size = 2 + Math.floor(next() * (forward ? 22 : 14));
      const keys = Array.from({ length: size }, (_, i) => `K${i}`);
      const entries: Record<string, string> = {};
      for (const [i, key] of keys.entries()) {
        const parts = [key.toLowerCase()];
        const count = forward ? 1 + Math.floor(next() * 2) : Math.floor(next() * 3);
        for (let r = 0; r < count; r++) {
          const hop = forward && next() < 0.85 ? i + 1 + Math.floor(next() * 2) : Math.floor(next() * (size + 2));
          parts.push(`\${${keys[hop] ?? "MISSING"}}`, "-");
        }
        entries[`dev:/api:${key}`] = parts.join("");
      }
      const lookup = store(entries);
      const expand = expander(lookup);
      // Listed in a random order: the memo from one root must not change another's answer.
      const order = [...keys].sort(() => next() - 0.5);
      for (const key of order) {
        const at = { ...here, key };
        expect(expand(at), `seed ${seed}, ${key}`).toBe(naive(lookup(at) as string, at, lookup));
      }
    }
  });

  it("expands a secret referred to many times once, not once per path to it", () => {
    let lookups = 0;
    const lookup = (a: Address) => {
      lookups++;
      return store({
        "dev:/api:B0": "${B1}".repeat(100),
        "dev:/api:B1": "${B2}".repeat(100),
        "dev:/api:B2": "xy",
      })(a);
    };
    expect(expander(lookup)({ ...here, key: "B0" })).toBe("xy".repeat(10_000));
    // The naive expansion looks B2 up 10,000 times; this one about once per reference written.
    expect(lookups).toBeLessThan(500);
  });

  it("shares its memo across the values of one request", () => {
    let lookups = 0;
    const entries: Record<string, string> = {};
    entries["dev:/api:SHARED"] = Array.from({ length: 50 }, (_, i) => `\${prod.H${i}}`).join(",");
    for (let i = 0; i < 50; i++) entries[`prod:/:H${i}`] = `h${i}`;
    for (let i = 0; i < 200; i++) entries[`dev:/api:S${i}`] = `s${i}=\${SHARED}`;
    const lookup = (a: Address) => {
      lookups++;
      return store(entries)(a);
    };
    const expand = expander(lookup);
    const shared = Array.from({ length: 50 }, (_, i) => `h${i}`).join(",");
    for (let i = 0; i < 200; i++) expect(expand({ ...here, key: `S${i}` })).toBe(`s${i}=${shared}`);
    // Expanding SHARED for each of the 200 would look up its 50 references 200 times (10,000).
    expect(lookups).toBeLessThan(2000);
  });

  it("refuses the 4,000 × 4,000 chain by name at the size of a value, without building it", () => {
    const lookup = store({
      "dev:/api:B0": "${B1}".repeat(4000),
      "dev:/api:B1": "${B2}".repeat(4000),
      "dev:/api:B2": "x".repeat(1000),
    });
    const before = process.memoryUsage().heapUsed;
    const err = catching(() => expander(lookup)({ ...here, key: "B0" }));
    expect(err).toBeInstanceOf(LimitError);
    expect(err).toMatchObject({ limit: "expandedBytes", at: { key: "B1" } });
    expect(err?.message).toBe(
      'Secret "B1" at "/api" in "dev" expands to more than 32768 bytes of UTF-8 (the limit of a value)',
    );
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });

  it("counts the size of a value in bytes of UTF-8, and lets the limit itself through", () => {
    const at = { ...here, key: "V" };
    const exact = store({ "dev:/api:V": "${E}${E}", "dev:/api:E": "é".repeat(limits.expandedBytes / 4) });
    expect(Buffer.byteLength(expander(exact)(at) as string)).toBe(limits.expandedBytes);
    const over = store({ "dev:/api:V": "${E}${E}!", "dev:/api:E": "é".repeat(limits.expandedBytes / 4) });
    expect(catching(() => expander(over)(at))).toMatchObject({ limit: "expandedBytes", at: { key: "V" } });
  });

  it("refuses a value that refers to more secrets than a value may", () => {
    const many = Array.from({ length: 5400 }, (_, i) => `\${R${i}}`).join("");
    const err = catching(() => expand(many, here, store({})));
    expect(err).toMatchObject({ limit: "references", at: here });
    expect(err?.message).toBe(
      'Secret "SELF" at "/api" in "dev" refers to 5400 secrets; a value may refer to at most 100',
    );
    const enough = Array.from({ length: limits.references }, (_, i) => `\${R${i}}`).join("");
    expect(expand(enough, here, store({}))).toBe(enough);
    // The same secret written many times is one reference.
    expect(expand("${R}".repeat(1000), here, store({ "dev:/api:R": "r" }))).toBe("r".repeat(1000));
  });

  it("stops a request past its total work, naming the secret it was expanding", () => {
    const entries: Record<string, string> = { "dev:/api:BIG": "b".repeat(8000) };
    for (let i = 0; i < 100; i++) entries[`dev:/api:S${i}`] = `\${BIG}\${BIG}`;
    const expand = expander(store(entries), { ...limits, work: 1_000_000 });
    let err: unknown;
    for (let i = 0; i < 100 && !err; i++) err = catching(() => expand({ ...here, key: `S${i}` }));
    expect(err).toMatchObject({ limit: "work" });
    expect((err as LimitError).message).toMatch(
      /^Expanding the references of the secrets read went past 1000000 characters of work at secret "S\d+" at "\/api" in "dev"$/,
    );
  });

  it("follows a chain of thousands of secrets without overflowing the stack, to its depth", () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 20_000; i++) entries[`dev:/api:K${i}`] = `\${K${i + 1}}`;
    const at = { ...here, key: "K0" };
    expect(expander(store(entries))(at)).toBe(naive("${K1}", at, store(entries)));
  });
});

function catching(f: () => unknown) {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  return undefined;
}
