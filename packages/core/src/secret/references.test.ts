// biome-ignore-all lint/suspicious/noTemplateCurlyInString: secret references are written ${KEY}
import { describe, expect, it } from "vitest";
import { type Address, addressId, expand, maxDepth, references, resolve } from "./references.ts";

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
