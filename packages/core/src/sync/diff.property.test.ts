// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Railway's reference syntax, written as Railway stores it
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isQuiet, isReference, isReserved, type Mode, type Plan, plan, removal } from "./diff.ts";
import { type KeySchema, parse, toSecret } from "./key-schema.ts";

// What a sync's plan never does, whatever the source, Railway and the names it managed: checked
// over generated inputs with names shared between them, Railway's own, references and names
// outside the key schema.

const names = ["A", "B", "C", "APP_A", "APP_B", "APP_C", "RAILWAY_PUBLIC_DOMAIN", "railway_x", "bad.name"];
const value = fc.oneof(
  fc.constantFrom("1", "2", "v", "${{shared.URL}}", "x${{API.PORT}}", ""),
  fc.string({ maxLength: 4 }),
);
const vars = fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 7 });
const secrets = fc.dictionary(
  fc.constantFrom("A", "B", "C", "D", "RAILWAY_TOKEN"),
  fc.oneof(fc.constantFrom("1", "2", "v", ""), fc.string({ maxLength: 4 })),
  { maxKeys: 5 },
);
const mode: fc.Arbitrary<Mode> = fc.oneof(
  fc.constant({ kind: "sync" } as const),
  fc.constantFrom(
    ...(["overwrite-destination", "import-prioritize-source", "import-prioritize-destination"] as const).map(
      (behavior) => ({ kind: "initial", behavior }) as const,
    ),
  ),
  fc.constantFrom(
    ...(["prioritize-source", "prioritize-destination"] as const).map(
      (behavior) => ({ kind: "import", behavior }) as const,
    ),
  ),
);
const input = fc.record({
  source: secrets,
  destination: vars,
  managed: fc.subarray(names),
  keySchema: fc.constantFrom(undefined, "APP_{{secretKey}}").map((s) => parse(s, "prod")),
  disableSecretDeletion: fc.boolean(),
  mode,
});

/** Railway and the store after the plan is applied, as the sync applies it. */
function applied(i: { source: Record<string, string>; destination: Record<string, string> }, p: Plan) {
  const destination = { ...i.destination, ...p.upsert };
  for (const name of p.delete) delete destination[name];
  return { source: { ...i.source, ...p.imports }, destination, managed: p.managedAfter };
}

const inSchema = (k: KeySchema, name: string) => toSecret(k, name) !== undefined;
const settings = { numRuns: 1000 };

describe("a sync's plan, for any source, destination and managed names", () => {
  it("never writes or deletes Railway's own RAILWAY_* variables, nor imports them", () => {
    fc.assert(
      fc.property(input, (i) => {
        const p = plan(i);
        for (const name of [...Object.keys(p.upsert), ...p.delete]) expect(isReserved(name), name).toBe(false);
        for (const name of Object.keys(p.imports)) expect(isReserved(`${i.keySchema.prefix}${name}`), name).toBe(false);
        for (const name of removal(i.destination, i.managed)) expect(isReserved(name)).toBe(false);
      }),
      settings,
    );
  });

  it("never deletes, nor writes over, a name it did not write, except as an initial sync adopts it", () => {
    fc.assert(
      fc.property(input, (i) => {
        const p = plan(i);
        for (const name of p.delete) expect(i.managed, name).toContain(name);
        for (const name of removal(i.destination, i.managed)) expect(i.managed).toContain(name);
        if (i.mode.kind !== "initial")
          for (const name of Object.keys(p.upsert))
            if (Object.hasOwn(i.destination, name)) expect(i.managed, name).toContain(name);
      }),
      settings,
    );
  });

  it("never touches a reference it did not write, never imports a reference, never writes one", () => {
    fc.assert(
      fc.property(input, (i) => {
        const p = plan(i);
        for (const name of [...Object.keys(p.upsert), ...p.delete])
          if (isReference(i.destination[name] ?? "")) expect(i.managed, name).toContain(name);
        for (const v of Object.values(p.imports)) expect(isReference(v)).toBe(false);
        for (const v of Object.values(p.upsert)) expect(isReference(v)).toBe(false);
      }),
      settings,
    );
  });

  it("never writes or adopts a name outside its key schema, and deletes one only if it wrote it (under an earlier schema)", () => {
    fc.assert(
      fc.property(input, (i) => {
        const p = plan(i);
        for (const name of Object.keys(p.upsert)) expect(inSchema(i.keySchema, name), name).toBe(true);
        for (const name of p.managedAfter)
          if (!i.managed.includes(name)) expect(inSchema(i.keySchema, name), name).toBe(true);
        for (const name of p.delete) if (!inSchema(i.keySchema, name)) expect(i.managed).toContain(name);
      }),
      settings,
    );
  });

  it("an import writes nothing to Railway", () => {
    fc.assert(
      fc.property(input, (i) => {
        if (i.mode.kind !== "import") return;
        expect(isQuiet(plan(i))).toBe(true);
      }),
      settings,
    );
  });

  it("applying a plan, then planning again, gives an empty plan", () => {
    fc.assert(
      fc.property(input, (i) => {
        const first = plan(i);
        const after = { ...i, ...applied(i, first) };
        const again = plan(after);
        expect(again.upsert).toEqual({});
        expect(again.delete).toEqual([]);
        expect(again.imports).toEqual({});
        expect(again.managedAfter).toEqual(first.managedAfter);
        // Where the source won, the regular syncs that follow have nothing to do either. (An import
        // writes nothing to Railway; where Railway won, a name the sync wrote and Railway replaced
        // by a reference is written again by the next regular sync, as documented.)
        if (
          i.mode.kind === "import" ||
          (i.mode.kind === "initial" && i.mode.behavior === "import-prioritize-destination")
        )
          return;
        const next = plan({ ...after, mode: { kind: "sync" } });
        expect(isQuiet(next)).toBe(true);
      }),
      settings,
    );
  });
});
