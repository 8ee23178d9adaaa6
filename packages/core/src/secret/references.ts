/**
 * Secret references, as the prior art writes them: `${KEY}` is a secret of the same environment
 * and folder, `${env.KEY}` one at the root of environment `env`, `${env.a.b.KEY}` one in its
 * folder `/a/b`. Pure: the store loads what `references` names, then an `expander` substitutes.
 */
import { maxValueBytes } from "./schema.ts";

export type Address = { environment: string; path: string; key: string };

export const addressId = (a: Address) => `${a.environment}\u0000${a.path}\u0000${a.key}`;

/** How deep a chain of references is followed; beyond it the rest is left as written. */
export const maxDepth = 10;

/** What one request may spend on expansion. Past any of them it stops with a LimitError. */
export const limits = Object.freeze({
  /** Distinct secrets one value may refer to. */
  references: 100,
  /** UTF-8 bytes of one value once expanded: the limit of a stored value. */
  expandedBytes: maxValueBytes,
  /** Characters of text scanned and written by one request's expansions, every value together. */
  work: 16 * 1024 * 1024,
  /** Referenced secrets one request may load (besides those it reads anyway). */
  loads: 1000,
});
export type Limits = typeof limits;

export const describeAddress = (a: Address) => `"${a.key}" at "${a.path}" in "${a.environment}"`;

/** An expansion past one of `limits`: names the secret at fault (`at`), never a value. */
export class LimitError extends Error {
  /** The secret being expanded when `at` went past the limit, once known. */
  root?: Address;
  constructor(
    readonly limit: keyof Limits,
    readonly at: Address,
    message: string,
  ) {
    super(message);
    this.name = "LimitError";
  }
}

export const tooManyReferences = (at: Address, count: number, cap = limits.references) =>
  new LimitError(
    "references",
    at,
    `Secret ${describeAddress(at)} refers to ${count} secrets; a value may refer to at most ${cap}`,
  );

export const tooManyLoads = (at: Address, cap = limits.loads) =>
  new LimitError(
    "loads",
    at,
    `Expanding secret ${describeAddress(at)} would read more than ${cap} referenced secrets in one request`,
  );

const token = /\$\{([^{}\s]+)\}/g;
const part = /^[A-Za-z0-9_-]+$/;

/** What a reference's text points at, from the secret at `from`; undefined if it is not a reference. */
export function resolve(text: string, from: Omit<Address, "key">): Address | undefined {
  const parts = text.split(".");
  if (!parts.every((p) => part.test(p))) return undefined;
  const key = parts.at(-1) as string;
  if (parts.length === 1) return { environment: from.environment, path: from.path, key };
  const [environment, ...folders] = parts.slice(0, -1) as [string, ...string[]];
  return { environment, path: `/${folders.join("/")}`, key };
}

/** The secrets a value refers to, each once. */
export function references(value: string, from: Omit<Address, "key">): Address[] {
  const found = new Map<string, Address>();
  for (const [, text] of value.matchAll(token)) {
    const address = resolve(text as string, from);
    if (address) found.set(addressId(address), address);
  }
  return [...found.values()];
}

/**
 * One expansion: the text, its UTF-8 size, the stack depth it was computed at, how many levels
 * further down it followed a reference (`reach`), and whether `maxDepth` cut it short.
 */
type Entry = { text: string; bytes: number; depth: number; reach: number; cut: boolean };

/**
 * Expands secrets the way the prior art reads them: references replaced by the values they
 * name, themselves expanded; a reference to nothing (`lookup` answers undefined), one that
 * closes a cycle and one past `maxDepth` are left as written.
 *
 * One expander serves one request and remembers each secret's expansion, so a secret referred
 * to many times is expanded once (not once per path to it, which is exponential). An expansion
 * depends on the path only through a cycle that closes on an ancestor, and such an ancestor is in
 * the secret's strongly connected component: the memo key is the secret and the ancestors of its
 * component (none for a secret in no cycle). `limits` bound the rest.
 */
export function expander(lookup: (a: Address) => string | undefined, caps: Limits = limits) {
  const memo = new Map<string, Entry[]>();
  const refs = new Map<string, Address[]>();
  let work = 0;

  // What each reference's text names, from each folder: a value's references are read once.
  const names = new Map<string, [Address, string] | undefined>();
  const resolved = (text: string, from: Address) => {
    const at = `${from.environment}\u0000${from.path}\u0000${text}`;
    if (names.has(at)) return names.get(at);
    const address = resolve(text, from);
    const found: [Address, string] | undefined = address && [address, addressId(address)];
    names.set(at, found);
    return found;
  };

  const referencesOf = (a: Address, id: string, value: string) => {
    const found = refs.get(id) ?? references(value, a);
    refs.set(id, found);
    return found;
  };

  // Tarjan's strongly connected components, iterative (a chain of thousands must not overflow
  // the stack), over the secrets `lookup` knows, run from each root as it comes.
  const component = new Map<string, Set<string>>();
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const open: string[] = [];
  const onOpen = new Set<string>();
  function classify(start: Address) {
    if (order.has(addressId(start))) return;
    const frames: { id: string; next: Address[]; i: number }[] = [];
    const enter = (a: Address) => {
      const id = addressId(a);
      order.set(id, order.size);
      low.set(id, order.size - 1);
      open.push(id);
      onOpen.add(id);
      const value = lookup(a);
      const next = value === undefined ? [] : referencesOf(a, id, value).filter((r) => lookup(r) !== undefined);
      frames.push({ id, next, i: 0 });
    };
    enter(start);
    while (frames.length) {
      const top = frames[frames.length - 1] as (typeof frames)[number];
      const next = top.next[top.i++];
      if (next) {
        const id = addressId(next);
        if (!order.has(id)) enter(next);
        else if (onOpen.has(id)) low.set(top.id, Math.min(low.get(top.id) as number, order.get(id) as number));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id) as number, low.get(top.id) as number));
      if (low.get(top.id) !== order.get(top.id)) continue;
      const members = new Set<string>();
      for (let id = open.pop(); id !== undefined; id = open.pop()) {
        onOpen.delete(id);
        members.add(id);
        if (id === top.id) break;
      }
      if (members.size > 1) for (const id of members) component.set(id, members);
    }
  }

  /** The expansion of the secret `id` at `a`, reached from the secrets on `above`. */
  function node(a: Address, id: string, value: string, above: string[]): Entry {
    const cycle = component.get(id);
    const key = cycle ? [id, ...above.filter((s) => cycle.has(s)).sort()].join("\u0001") : id;
    const depth = above.length + 1;
    const kept = memo.get(key);
    const found = kept?.find((e) => e.depth === depth || (!e.cut && depth + e.reach <= maxDepth));
    if (found) return found;
    const entry = scan(a, id, value, [...above, id]);
    if (kept) kept.push(entry);
    else memo.set(key, [entry]);
    return entry;
  }

  function scan(a: Address, id: string, value: string, stack: string[]): Entry {
    const depth = stack.length;
    const named = referencesOf(a, id, value);
    if (named.length > caps.references) throw tooManyReferences(a, named.length, caps.references);
    const tooLarge = () =>
      new LimitError(
        "expandedBytes",
        a,
        `Secret ${describeAddress(a)} expands to more than ${caps.expandedBytes} bytes of UTF-8 (the limit of a value)`,
      );
    let text = "";
    let bytes = 0;
    let last = 0;
    let reach = Number.NEGATIVE_INFINITY;
    let cut = false;
    if (named.length)
      for (const m of value.matchAll(token)) {
        const found = resolved(m[1] as string, a);
        if (!found) continue;
        const [address, target] = found;
        if (stack.includes(target)) continue;
        const raw = lookup(address);
        if (raw === undefined) continue;
        if (depth > maxDepth) {
          cut = true;
          continue;
        }
        const child = node(address, target, raw, stack);
        reach = Math.max(reach, 0, child.reach + 1);
        cut ||= child.cut;
        const before = value.slice(last, m.index);
        text += before + child.text;
        bytes += Buffer.byteLength(before) + child.bytes;
        last = m.index + m[0].length;
        if (bytes > caps.expandedBytes) throw tooLarge();
      }
    if (last === 0) text = value;
    else text += value.slice(last);
    bytes = last === 0 ? Buffer.byteLength(value) : bytes + Buffer.byteLength(value.slice(last));
    if (bytes > caps.expandedBytes && last !== 0) throw tooLarge();
    if (last !== 0) {
      work += value.length + text.length;
      if (work > caps.work)
        throw new LimitError(
          "work",
          a,
          `Expanding the references of the secrets read went past ${caps.work} characters of work at secret ${describeAddress(a)}`,
        );
    }
    return { text, bytes, depth, reach, cut };
  }

  /** The expanded value of the secret at `from` (what `lookup` answers for it, expanded). */
  return (from: Address): string | undefined => {
    const value = lookup(from);
    if (value === undefined) return undefined;
    classify(from);
    const id = addressId(from);
    return node(from, id, value, []).text;
  };
}

/** One value expanded on its own, as the secret at `from` (which it may differ from in `lookup`). */
export function expand(value: string, from: Address, lookup: (a: Address) => string | undefined, caps = limits) {
  const self = addressId(from);
  return expander((a) => (addressId(a) === self ? value : lookup(a)), caps)(from) as string;
}
