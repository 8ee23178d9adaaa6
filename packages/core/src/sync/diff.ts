/**
 * What one sync changes, as a pure function of what it read: the project's secrets, the Railway
 * destination's variables (unrendered), and the names this sync wrote before. It never writes,
 * deletes or imports a `RAILWAY_*` variable, never writes a value that Railway would read as a
 * `${{...}}` reference, never imports one, never touches a reference it did not write, never
 * deletes a name it did not write, never touches a name outside its key schema, never imports
 * what the secrets store would refuse, and never writes, deletes or imports a sealed variable.
 */
import { Key, Value } from "../secret/schema.ts";
import { type KeySchema, toSecret, toVariable } from "./key-schema.ts";

export type InitialBehavior = "overwrite-destination" | "import-prioritize-source" | "import-prioritize-destination";
export type ImportBehavior = "prioritize-source" | "prioritize-destination";

/**
 * `sync`: keep the names it manages equal to the source. `initial`: the first sync, which may
 * adopt names already in Railway as the behaviour says. `import`: only bring Railway's names
 * into the store.
 */
export type Mode =
  | { kind: "sync" }
  | { kind: "initial"; behavior: InitialBehavior }
  | { kind: "import"; behavior: ImportBehavior };

export type Input = {
  /** The project's secrets by their own names. */
  source: Record<string, string>;
  /** The destination's variables, read with `unrendered: true`; `null` is a sealed variable's. */
  destination: Record<string, string | null>;
  /** Railway names this sync wrote before. */
  managed: readonly string[];
  keySchema: KeySchema;
  disableSecretDeletion?: boolean | undefined;
  mode: Mode;
};

export type Skip = {
  key: string;
  /** `invalid-name`, `too-large`: an import the secrets store would refuse (its `Key`, `Value`). */
  reason: "reserved" | "reference" | "set-by-hand" | "sealed" | "invalid-name" | "too-large";
};

export type Plan = {
  /** Railway name → value, for one collection upsert. */
  upsert: Record<string, string>;
  /** Railway names to delete. */
  delete: string[];
  /** Secret name → value, to write into the store. */
  imports: Record<string, string>;
  /** The Railway names this sync manages once the plan is applied, sorted. */
  managedAfter: string[];
  /** Names in play that the sync left alone, and why (names only, never values). */
  skipped: Skip[];
  /**
   * Secrets whose value holds `${{`: Railway would read it as a reference to other variables,
   * and it offers no escape. Present only then, with an empty plan: the sync must write nothing.
   */
  refused?: string[];
};

export const isReserved = (name: string) => /^RAILWAY_/i.test(name);
export const isReference = (value: string) => value.includes("${{");

/** Secrets whose values a sync may not write (none for an import, which writes nothing to Railway). */
export const refusedValues = (source: Record<string, string>, keySchema: KeySchema, mode: Mode) =>
  mode.kind === "import"
    ? []
    : Object.entries(source)
        .filter(([secret, value]) => isReference(value) && !isReserved(toVariable(keySchema, secret)))
        .map(([secret]) => secret)
        .sort();

/** Why the secrets store would refuse this import, or undefined when it takes it. */
function unimportable(secret: string, value: string): Skip["reason"] | undefined {
  if (!Key.safeParse(secret).success) return "invalid-name";
  if (!Value.safeParse(value).success) return "too-large";
  return undefined;
}

export function plan(input: Input): Plan {
  const { source, destination, keySchema, mode } = input;
  const refused = refusedValues(source, keySchema, mode);
  if (refused.length > 0)
    return { upsert: {}, delete: [], imports: {}, managedAfter: [...input.managed].sort(), skipped: [], refused };
  const managed = new Set(input.managed);
  const upsert: Record<string, string> = {};
  const imports: Record<string, string> = {};
  const deletions: string[] = [];
  const skipped: Skip[] = [];
  const after = new Set<string>();
  const importing = mode.kind === "import" || (mode.kind === "initial" && mode.behavior !== "overwrite-destination");
  const destinationWins = mode.kind !== "sync" && mode.behavior.endsWith("prioritize-destination");

  const wanted = new Map<string, { secret: string; value: string }>();
  for (const [secret, value] of Object.entries(source)) wanted.set(toVariable(keySchema, secret), { secret, value });

  for (const [name, { secret, value }] of wanted) {
    if (isReserved(name)) {
      skipped.push({ key: name, reason: "reserved" });
      continue;
    }
    const current = Object.hasOwn(destination, name) ? destination[name] : undefined;
    // A person sealed it (Railway shows no value): it is theirs now, even if this sync wrote it.
    if (current === null) {
      skipped.push({ key: name, reason: "sealed" });
      continue;
    }
    if (current === undefined) {
      if (mode.kind === "import") continue;
      upsert[name] = value;
      after.add(name);
      continue;
    }
    // A name this sync wrote stays its own whatever Railway holds now: a reference there is
    // overwritten like any other value, but never imported.
    if (isReference(current) && !managed.has(name)) {
      skipped.push({ key: name, reason: "reference" });
      continue;
    }
    if (mode.kind === "sync" && !managed.has(name)) {
      skipped.push({ key: name, reason: "set-by-hand" });
      continue;
    }
    if (current === value) {
      after.add(name);
      continue;
    }
    if (destinationWins) {
      const why = isReference(current) ? "reference" : unimportable(secret, current);
      if (why) {
        skipped.push({ key: name, reason: why });
        if (managed.has(name)) after.add(name);
        continue;
      }
      imports[secret] = current;
    } else if (mode.kind !== "import") upsert[name] = value;
    after.add(name);
  }

  for (const [name, current] of Object.entries(destination)) {
    if (wanted.has(name) || isReserved(name)) continue;
    if (current === null) {
      if (managed.has(name) || (importing && toSecret(keySchema, name) !== undefined))
        skipped.push({ key: name, reason: "sealed" });
      continue;
    }
    if (managed.has(name)) {
      if (mode.kind === "import" || input.disableSecretDeletion) after.add(name);
      else deletions.push(name);
      continue;
    }
    if (isReference(current)) continue;
    const secret = importing ? toSecret(keySchema, name) : undefined;
    if (secret === undefined) continue;
    const why = unimportable(secret, current);
    if (why) {
      skipped.push({ key: name, reason: why });
      continue;
    }
    imports[secret] = current;
    after.add(name);
  }

  return { upsert, delete: deletions.sort(), imports, managedAfter: [...after].sort(), skipped };
}

/**
 * Remove-secrets: exactly the names this sync wrote that are still in Railway (Railway's own and
 * sealed ones excepted).
 */
export function removal(destination: Record<string, string | null>, managed: readonly string[]): string[] {
  return managed
    .filter((name) => Object.hasOwn(destination, name) && destination[name] !== null && !isReserved(name))
    .sort();
}

/** Of these names, the ones sealed in Railway, sorted. */
export const sealedAmong = (destination: Record<string, string | null>, names: readonly string[]) =>
  names.filter((name) => Object.hasOwn(destination, name) && destination[name] === null).sort();

/**
 * The services that read any of `names` from the environment's shared variables, in the order
 * given: a `${{shared.NAME}}` in one of their values (read with `unrendered: true`), or a
 * reference to a variable that reads one, of their own (`${{NAME}}`) or of another service
 * (`${{<service name>.NAME}}`), as Railway renders them. `shared`: the shared variables, one of
 * which may read another.
 */
export function readersOf<S extends { name: string; variables: Record<string, string | null> }>(
  services: readonly S[],
  names: readonly string[],
  shared: Record<string, string | null> = {},
): S[] {
  const key = (owner: string, name: string) => `${owner}\u0000${name}`;
  const changed = new Set(names.map((name) => key("shared", name)));
  // Until no more variables change: each pass adds at least one, so it ends.
  for (let grew = true; grew; ) {
    grew = false;
    for (const service of [{ name: "shared", variables: shared }, ...services])
      for (const [name, value] of Object.entries(service.variables)) {
        if (value === null || changed.has(key(service.name, name))) continue;
        if (references(value).some((r) => changed.has(key(r.owner ?? service.name, r.name)))) {
          changed.add(key(service.name, name));
          grew = true;
        }
      }
  }
  return services.filter((s) => Object.keys(s.variables).some((name) => changed.has(key(s.name, name))));
}

/** The references in a value, as Railway writes them: `${{owner.NAME}}` or `${{NAME}}`, spaces allowed inside the braces. */
export const references = (value: string) =>
  [...value.matchAll(/\$\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => {
    const reference = m[1] as string;
    const dot = reference.indexOf(".");
    return dot === -1
      ? { owner: undefined, name: reference }
      : { owner: reference.slice(0, dot), name: reference.slice(dot + 1) };
  });

/** True when applying the plan changes nothing in Railway. */
export const isQuiet = (p: Plan) => Object.keys(p.upsert).length === 0 && p.delete.length === 0;

/**
 * The names this sync manages that the plan rewrites or deletes. In a reconcile of a sync that
 * was in line, each is drift: Railway's value (or its absence) no longer matches the source.
 */
export const drifted = (p: Plan, managed: readonly string[]) =>
  managed.filter((name) => Object.hasOwn(p.upsert, name) || p.delete.includes(name)).sort();
