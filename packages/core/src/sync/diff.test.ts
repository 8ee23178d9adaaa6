// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Railway's reference syntax, written as Railway stores it
import { describe, expect, it } from "vitest";
import { isQuiet, type Mode, plan, readersOf, references, removal, sealedAmong } from "./diff.ts";
import { parse } from "./key-schema.ts";

const sync: Mode = { kind: "sync" };
const run = (
  source: Record<string, string>,
  destination: Record<string, string>,
  managed: string[],
  mode: Mode = sync,
  extra: { keySchema?: string; disableSecretDeletion?: boolean } = {},
) =>
  plan({
    source,
    destination,
    managed,
    mode,
    keySchema: parse(extra.keySchema, "prod"),
    disableSecretDeletion: extra.disableSecretDeletion,
  });

// Names a person set by hand, Railway's own, and a reference: present in every case below.
const untouchable = { HAND: "h", RAILWAY_PUBLIC_DOMAIN: "x.up.railway.app", REF: "${{shared.APP_URL}}/api" };

describe("a regular sync", () => {
  it("writes new names and adopts them", () => {
    const p = run({ A: "1", B: "2" }, { ...untouchable }, []);
    expect(p).toEqual({ upsert: { A: "1", B: "2" }, delete: [], imports: {}, managedAfter: ["A", "B"], skipped: [] });
  });

  it("writes only the managed names whose value changed", () => {
    const p = run({ A: "1", B: "new" }, { ...untouchable, A: "1", B: "old" }, ["A", "B"]);
    expect(p.upsert).toEqual({ B: "new" });
    expect(p.managedAfter).toEqual(["A", "B"]);
    expect(isQuiet(p)).toBe(false);
  });

  it("changes nothing when Railway already equals the source", () => {
    const p = run({ A: "1" }, { ...untouchable, A: "1" }, ["A"]);
    expect(p).toEqual({ upsert: {}, delete: [], imports: {}, managedAfter: ["A"], skipped: [] });
    expect(isQuiet(p)).toBe(true);
  });

  it("writes again a managed name someone deleted in Railway", () => {
    expect(run({ A: "1" }, {}, ["A"]).upsert).toEqual({ A: "1" });
  });

  it("deletes managed names that left the source, and nothing else", () => {
    const p = run({ A: "1" }, { ...untouchable, A: "1", GONE: "g", Z: "z" }, ["A", "GONE", "Z"]);
    expect(p.delete).toEqual(["GONE", "Z"]);
    expect(p.managedAfter).toEqual(["A"]);
    expect(isQuiet(p)).toBe(false);
  });

  it("sorts deletions", () => {
    expect(run({}, { Z: "z", A: "a", M: "m" }, ["Z", "M", "A"]).delete).toEqual(["A", "M", "Z"]);
  });

  it("keeps managed names that left the source when deletion is disabled", () => {
    const p = run({}, { ...untouchable, GONE: "g" }, ["GONE"], sync, { disableSecretDeletion: true });
    expect(p.delete).toEqual([]);
    expect(p.managedAfter).toEqual(["GONE"]);
  });

  it("forgets managed names that are no longer in Railway", () => {
    const p = run({}, {}, ["GONE"]);
    expect(p).toEqual({ upsert: {}, delete: [], imports: {}, managedAfter: [], skipped: [] });
    expect(isQuiet(p)).toBe(true);
    expect(run({}, {}, ["GONE"], sync, { disableSecretDeletion: true }).managedAfter).toEqual([]);
  });

  it("never overwrites a name a person set by hand, even to the same value", () => {
    const p = run({ HAND: "mine", SAME: "s" }, { ...untouchable, SAME: "s" }, []);
    expect(p.upsert).toEqual({});
    expect(p.managedAfter).toEqual([]);
    expect(p.skipped).toEqual([
      { key: "HAND", reason: "set-by-hand" },
      { key: "SAME", reason: "set-by-hand" },
    ]);
  });

  it("never writes or deletes a reference it did not write", () => {
    const p = run({ REF: "plain", B: "2" }, { REF: "${{shared.X}}", B: "${{api.B}}" }, []);
    expect(p.upsert).toEqual({});
    expect(p.managedAfter).toEqual([]);
    expect(p.skipped).toEqual([
      { key: "REF", reason: "reference" },
      { key: "B", reason: "reference" },
    ]);
    expect(run({}, { REF: "a${{shared.X}}b" }, []).delete).toEqual([]);
  });

  it("keeps a name it wrote its own when Railway now holds a reference there: updated, deleted, kept", () => {
    const p = run({ REF: "plain", B: "2" }, { REF: "${{shared.X}}", B: "${{api.B}}" }, ["REF", "B"]);
    expect(p.upsert).toEqual({ REF: "plain", B: "2" });
    expect(p.managedAfter).toEqual(["B", "REF"]);
    expect(p.skipped).toEqual([]);
    expect(run({}, { REF: "a${{shared.X}}b" }, ["REF"]).delete).toEqual(["REF"]);
    expect(run({}, { REF: "${{shared.X}}" }, ["REF"], sync, { disableSecretDeletion: true }).managedAfter).toEqual([
      "REF",
    ]);
  });

  it("never writes or deletes a RAILWAY_ name, whatever the case", () => {
    const p = run({ RAILWAY_TOKEN: "t", railway_x: "y" }, {}, []);
    expect(p.upsert).toEqual({});
    expect(p.skipped).toEqual([
      { key: "RAILWAY_TOKEN", reason: "reserved" },
      { key: "railway_x", reason: "reserved" },
    ]);
    expect(run({}, { RAILWAY_A: "a" }, ["RAILWAY_A"]).delete).toEqual([]);
    expect(run({}, { RAILWAY_A: "a" }, ["RAILWAY_A"], sync, { disableSecretDeletion: true }).managedAfter).toEqual([]);
    expect(run({ A: "1" }, { RAILWAYS: "r" }, ["RAILWAYS"]).delete).toEqual(["RAILWAYS"]);
    expect(run({ MY_RAILWAY_X: "1" }, {}, []).upsert).toEqual({ MY_RAILWAY_X: "1" });
  });

  it("maps names through the key schema and leaves other names alone", () => {
    const p = run({ DB: "d", OLD: "o" }, { APP_DB: "x", APP_OLD: "o", DB: "hand", OTHER: "y" }, ["APP_DB"], sync, {
      keySchema: "APP_{{secretKey}}",
    });
    expect(p.upsert).toEqual({ APP_DB: "d" });
    expect(p.skipped).toEqual([{ key: "APP_OLD", reason: "set-by-hand" }]);
    expect(p.delete).toEqual([]);
    expect(p.managedAfter).toEqual(["APP_DB"]);
  });

  it("deletes the old names it wrote when the key schema changes", () => {
    const p = run({ DB: "d" }, { DB: "d" }, ["DB"], sync, { keySchema: "{{environment}}_{{secretKey}}" });
    expect(p.upsert).toEqual({ prod_DB: "d" });
    expect(p.delete).toEqual(["DB"]);
    expect(p.managedAfter).toEqual(["prod_DB"]);
  });

  it("never imports", () => {
    expect(run({}, { A: "1" }, []).imports).toEqual({});
  });
});

describe("the first sync", () => {
  const initial = (behavior: "overwrite-destination" | "import-prioritize-source" | "import-prioritize-destination") =>
    ({ kind: "initial", behavior }) as const;

  it("overwrite-destination: the source wins for names in both, names only in Railway stay as they are", () => {
    const p = run(
      { A: "new", B: "2", SAME: "s" },
      { ...untouchable, A: "old", SAME: "s" },
      [],
      initial("overwrite-destination"),
    );
    expect(p).toEqual({
      upsert: { A: "new", B: "2" },
      delete: [],
      imports: {},
      managedAfter: ["A", "B", "SAME"],
      skipped: [],
    });
  });

  it("import-prioritize-source: names only in Railway are imported, the source wins for names in both", () => {
    const p = run(
      { A: "new", B: "2" },
      { ...untouchable, A: "old", ONLY: "o" },
      [],
      initial("import-prioritize-source"),
    );
    expect(p.upsert).toEqual({ A: "new", B: "2" });
    expect(p.imports).toEqual({ HAND: "h", ONLY: "o" });
    expect(p.delete).toEqual([]);
    expect(p.managedAfter).toEqual(["A", "B", "HAND", "ONLY"]);
  });

  it("import-prioritize-destination: names only in Railway are imported, Railway wins for names in both", () => {
    const p = run(
      { A: "new", B: "2", SAME: "s" },
      { ...untouchable, A: "old", ONLY: "o", SAME: "s" },
      [],
      initial("import-prioritize-destination"),
    );
    expect(p.upsert).toEqual({ B: "2" });
    expect(p.imports).toEqual({ A: "old", HAND: "h", ONLY: "o" });
    expect(p.managedAfter).toEqual(["A", "B", "HAND", "ONLY", "SAME"]);
  });

  it("imports through the key schema, by the secret's own name, and only names that fit it", () => {
    const p = run(
      { DB: "d" },
      { APP_DB: "x", APP_KEY: "k", KEY: "hand", APP_: "e" },
      [],
      initial("import-prioritize-destination"),
      {
        keySchema: "APP_{{secretKey}}",
      },
    );
    expect(p.imports).toEqual({ DB: "x", KEY: "k" });
    expect(p.upsert).toEqual({});
    expect(p.managedAfter).toEqual(["APP_DB", "APP_KEY"]);
  });

  it("never imports a reference or a RAILWAY_ name", () => {
    const p = run({}, { ...untouchable }, [], initial("import-prioritize-source"));
    expect(p.imports).toEqual({ HAND: "h" });
    expect(p.managedAfter).toEqual(["HAND"]);
  });

  it("still deletes what it wrote before when the first sync is run again", () => {
    const p = run({}, { GONE: "g" }, ["GONE"], initial("import-prioritize-source"));
    expect(p.delete).toEqual(["GONE"]);
    expect(p.imports).toEqual({});
  });
});

describe("an import", () => {
  it("prioritize-source: imports names only in Railway, writes nothing, adopts the names in both", () => {
    const p = run({ A: "new", B: "2" }, { ...untouchable, A: "old", ONLY: "o" }, [], {
      kind: "import",
      behavior: "prioritize-source",
    });
    expect(p.upsert).toEqual({});
    expect(p.delete).toEqual([]);
    expect(p.imports).toEqual({ HAND: "h", ONLY: "o" });
    expect(p.managedAfter).toEqual(["A", "HAND", "ONLY"]);
  });

  it("prioritize-destination: Railway's values replace the source's", () => {
    const p = run({ A: "new", SAME: "s" }, { A: "old", SAME: "s" }, ["A"], {
      kind: "import",
      behavior: "prioritize-destination",
    });
    expect(p.imports).toEqual({ A: "old" });
    expect(p.upsert).toEqual({});
    expect(p.managedAfter).toEqual(["A", "SAME"]);
  });

  it("keeps managed names that left the source, deleting nothing", () => {
    const p = run({}, { GONE: "g" }, ["GONE"], { kind: "import", behavior: "prioritize-source" });
    expect(p.delete).toEqual([]);
    expect(p.imports).toEqual({});
    expect(p.managedAfter).toEqual(["GONE"]);
  });
});

describe("remove-secrets", () => {
  it("removes exactly the managed names still in Railway, whatever they hold, and no RAILWAY_ name", () => {
    const destination = { ...untouchable, B: "2", A: "1", RAILWAY_X: "r", LINK: "${{shared.A}}" };
    expect(removal(destination, ["B", "A", "GONE", "RAILWAY_X", "LINK"])).toEqual(["A", "B", "LINK"]);
    expect(removal(destination, [])).toEqual([]);
  });
});

describe("a source value Railway would read as a reference", () => {
  const initial = (behavior: "overwrite-destination" | "import-prioritize-source" | "import-prioritize-destination") =>
    ({ kind: "initial", behavior }) as const;

  it("refuses the whole sync, naming each such secret, in every mode that writes", () => {
    const source = { LEAK: "${{api.DATABASE_URL}}", ALSO: "x${{shared.A}}", OK: "1" };
    for (const mode of [
      sync,
      initial("overwrite-destination"),
      initial("import-prioritize-source"),
      initial("import-prioritize-destination"),
    ]) {
      const p = run(source, { ...untouchable, ONLY: "o", GONE: "g" }, ["GONE"], mode);
      expect(p).toEqual({
        upsert: {},
        delete: [],
        imports: {},
        managedAfter: ["GONE"],
        skipped: [],
        refused: ["ALSO", "LEAK"],
      });
    }
  });

  it("names the secret (not the Railway name) through a key schema; a RAILWAY_ name is never written anyway", () => {
    expect(run({ DB: "${{api.X}}" }, {}, [], sync, { keySchema: "APP_{{secretKey}}" }).refused).toEqual(["DB"]);
    expect(run({ RAILWAY_X: "${{api.X}}" }, {}, []).refused).toBeUndefined();
  });

  it("an import writes nothing to Railway: it is not refused", () => {
    const p = run({ LEAK: "${{api.X}}" }, { ONLY: "o" }, [], { kind: "import", behavior: "prioritize-source" });
    expect(p.refused).toBeUndefined();
    expect(p.imports).toEqual({ ONLY: "o" });
  });

  it("a plain `${` or `{{` is not a Railway reference", () => {
    expect(run({ A: "${B}", C: "{{x}}", D: "$ {{x}}" }, {}, []).upsert).toEqual({
      A: "${B}",
      C: "{{x}}",
      D: "$ {{x}}",
    });
  });
});

describe("an import the secrets store would refuse", () => {
  const odd = {
    "A.B": "1",
    "x y": "2",
    "<img src=x onerror=alert(1)>": "3",
    "a/#b": "4",
    ["L".repeat(200)]: "5",
    BIG: "v".repeat(40_000),
    OK: "ok",
  };

  it.each([
    { kind: "import", behavior: "prioritize-source" },
    { kind: "import", behavior: "prioritize-destination" },
    { kind: "initial", behavior: "import-prioritize-source" },
    { kind: "initial", behavior: "import-prioritize-destination" },
  ] as const)("%o: skips bad names and values, says why, adopts none of them", (mode) => {
    const p = run({}, odd, [], mode);
    expect(p.imports).toEqual({ OK: "ok" });
    expect(p.managedAfter).toEqual(["OK"]);
    expect(p.upsert).toEqual({});
    expect(p.skipped).toEqual([
      { key: "A.B", reason: "invalid-name" },
      { key: "x y", reason: "invalid-name" },
      { key: "<img src=x onerror=alert(1)>", reason: "invalid-name" },
      { key: "a/#b", reason: "invalid-name" },
      { key: "L".repeat(200), reason: "invalid-name" },
      { key: "BIG", reason: "too-large" },
    ]);
  });

  it("checks the secret's own name, after the key schema", () => {
    const p = run(
      {},
      { [`APP_${"k".repeat(128)}`]: "fits", [`APP_${"k".repeat(129)}`]: "long", "APP_A.B": "dot" },
      [],
      { kind: "import", behavior: "prioritize-source" },
      { keySchema: "APP_{{secretKey}}" },
    );
    expect(p.imports).toEqual({ ["k".repeat(128)]: "fits" });
    expect(p.skipped.map((s) => s.key)).toEqual([`APP_${"k".repeat(129)}`, "APP_A.B"]);
  });

  it("a value too large in both: Railway's does not win, the name is not adopted", () => {
    const p = run({ BIG: "small" }, { BIG: "v".repeat(40_000) }, [], {
      kind: "initial",
      behavior: "import-prioritize-destination",
    });
    expect(p.imports).toEqual({});
    expect(p.upsert).toEqual({});
    expect(p.managedAfter).toEqual([]);
    expect(p.skipped).toEqual([{ key: "BIG", reason: "too-large" }]);
  });

  it("a reference at a managed name is never imported, and the name stays managed", () => {
    const p = run({ A: "1" }, { A: "${{api.A}}" }, ["A"], { kind: "import", behavior: "prioritize-destination" });
    expect(p.imports).toEqual({});
    expect(p.managedAfter).toEqual(["A"]);
    expect(p.skipped).toEqual([{ key: "A", reason: "reference" }]);
  });

  it("a value of exactly the limit is imported", () => {
    const p = run({}, { MAX: "v".repeat(32 * 1024) }, [], { kind: "import", behavior: "prioritize-source" });
    expect(Object.keys(p.imports)).toEqual(["MAX"]);
  });
});

describe("a sealed variable (Railway reads it as null)", () => {
  const sealed = (
    source: Record<string, string>,
    destination: Record<string, string | null>,
    managed: string[],
    mode: Mode,
    extra: { keySchema?: string; disableSecretDeletion?: boolean } = {},
  ) =>
    plan({
      source,
      destination,
      managed,
      mode,
      keySchema: parse(extra.keySchema, "prod"),
      disableSecretDeletion: extra.disableSecretDeletion,
    });
  const modes: Mode[] = [
    { kind: "sync" },
    { kind: "initial", behavior: "overwrite-destination" },
    { kind: "initial", behavior: "import-prioritize-source" },
    { kind: "initial", behavior: "import-prioritize-destination" },
    { kind: "import", behavior: "prioritize-source" },
    { kind: "import", behavior: "prioritize-destination" },
  ];

  it("is never written, deleted or imported, in any mode, managed or not, and is named", () => {
    for (const mode of modes) {
      const p = sealed(
        { S: "new", MS: "new", A: "1" },
        { ...untouchable, S: null, MS: null, GONE: null, ONLY: null, A: "1" },
        ["MS", "GONE", "A"],
        mode,
      );
      expect(p.upsert, JSON.stringify(mode)).toEqual({});
      expect(p.delete).toEqual([]);
      expect(Object.keys(p.imports).filter((k) => k !== "HAND")).toEqual([]);
      const named = p.skipped.filter((s) => s.reason === "sealed").map((s) => s.key);
      const importing =
        mode.kind === "import" || (mode.kind === "initial" && mode.behavior !== "overwrite-destination");
      // Sealed names the sync would otherwise act on: wanted, managed, or (importing) importable.
      expect(named.sort()).toEqual(importing ? ["GONE", "MS", "ONLY", "S"] : ["GONE", "MS", "S"]);
    }
  });

  it("a managed name that was sealed is no longer managed (a person took it over)", () => {
    for (const mode of modes)
      expect(sealed({ MS: "new" }, { MS: null, GONE: null }, ["MS", "GONE"], mode).managedAfter).toEqual([]);
    expect(
      sealed({}, { GONE: null }, ["GONE"], { kind: "sync" }, { disableSecretDeletion: true }).managedAfter,
    ).toEqual([]);
  });

  it("a sealed name outside the key schema is not in play", () => {
    const p = sealed(
      {},
      { OTHER: null },
      [],
      { kind: "import", behavior: "prioritize-source" },
      { keySchema: "APP_{{secretKey}}" },
    );
    expect(p.skipped).toEqual([]);
  });

  it("a sealed RAILWAY_ name is Railway's own first", () => {
    const p = sealed({ RAILWAY_X: "1" }, { RAILWAY_X: null }, [], { kind: "sync" });
    expect(p.skipped).toEqual([{ key: "RAILWAY_X", reason: "reserved" }]);
  });

  it("the rest of the plan goes on as without it", () => {
    const p = sealed({ A: "2", S: "x" }, { A: "1", S: null, B: "b" }, ["A", "B"], { kind: "sync" });
    expect(p).toEqual({
      upsert: { A: "2" },
      delete: ["B"],
      imports: {},
      managedAfter: ["A"],
      skipped: [{ key: "S", reason: "sealed" }],
    });
  });

  it("remove-secrets neither removes nor counts a sealed managed name; sealedAmong names it", () => {
    const destination = { A: "1", S: null, HAND: "h" };
    expect(removal(destination, ["A", "S", "MISSING"])).toEqual(["A"]);
    expect(sealedAmong(destination, ["S", "A", "MISSING"])).toEqual(["S"]);
  });
});

describe("the services that read shared variables", () => {
  it("reads each reference in a value, with or without an owner, spaces allowed inside the braces", () => {
    expect(references("${{shared.A}}/x and ${{ shared.B_2 }} ${{api.C}} ${{D}}")).toEqual([
      { owner: "shared", name: "A" },
      { owner: "shared", name: "B_2" },
      { owner: "api", name: "C" },
      { owner: undefined, name: "D" },
    ]);
    expect(references("$shared.A {{shared.A}} ${shared.A}")).toEqual([]);
  });

  it("keeps, in order, the services that reference one of the names, and no other", () => {
    const services: Array<{ name: string; variables: Record<string, string | null> }> = [
      { name: "api", variables: { U: "${{shared.URL}}/api" } },
      { name: "web", variables: { U: "${{ shared.URL }}", S: null } },
      { name: "worker", variables: { K: "${{shared.KEEP}}", U: "${{api.URL}}", V: "shared.URL" } },
      { name: "cron", variables: { URL: "plain", S: null } },
    ];
    expect(readersOf(services, ["URL"]).map((s) => s.name)).toEqual(["api", "web"]);
    expect(readersOf(services, ["URL", "KEEP"]).map((s) => s.name)).toEqual(["api", "web", "worker"]);
    expect(readersOf(services, [])).toEqual([]);
  });

  it("follows references through other variables: of the same service, and of another service by its name", () => {
    const services: Array<{ name: string; variables: Record<string, string | null> }> = [
      { name: "db", variables: { HOST: "${{shared.DB_HOST}}", URL: "postgres://${{HOST}}/app" } },
      { name: "api", variables: { DATABASE_URL: "${{db.URL}}" } },
      { name: "jobs", variables: { DB: "${{ api.DATABASE_URL }}", HOST: "${{shared.OTHER}}" } },
      { name: "web", variables: { HOST: "${{db.PORT}}", X: "${{HOST}}" } },
    ];
    expect(readersOf(services, ["DB_HOST"]).map((s) => s.name)).toEqual(["db", "api", "jobs"]);
    expect(readersOf(services, ["OTHER"]).map((s) => s.name)).toEqual(["jobs"]);
  });

  it("follows a shared variable that reads a changed one", () => {
    const services = [{ name: "api", variables: { URL: "${{shared.PUBLIC_URL}}" } }];
    const shared = { HOST: "h", PUBLIC_URL: "https://${{HOST}}", OTHER: "${{shared.HOST}}" };
    expect(readersOf(services, ["HOST"], shared).map((s) => s.name)).toEqual(["api"]);
    expect(readersOf(services, ["HOST"], { PUBLIC_URL: "https://h" })).toEqual([]);
  });

  it("ends on references that go round in a circle", () => {
    const services: Array<{ name: string; variables: Record<string, string | null> }> = [
      { name: "a", variables: { X: "${{b.Y}}", Z: "${{shared.Q}}" } },
      { name: "b", variables: { Y: "${{a.X}}" } },
    ];
    expect(readersOf(services, ["NONE"])).toEqual([]);
    expect(readersOf(services, ["Q"]).map((s) => s.name)).toEqual(["a"]);
  });
});
