/**
 * Secret references, as the prior art writes them: `${KEY}` is a secret of the same environment
 * and folder, `${env.KEY}` one at the root of environment `env`, `${env.a.b.KEY}` one in its
 * folder `/a/b`. Pure: the store loads what `references` names, then `expand` substitutes.
 */

export type Address = { environment: string; path: string; key: string };

export const addressId = (a: Address) => `${a.environment}\u0000${a.path}\u0000${a.key}`;

/** How deep a chain of references is followed; beyond it the rest is left as written. */
export const maxDepth = 10;

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
 * The value with its references replaced by the values they name, themselves expanded. A
 * reference to nothing (`lookup` answers undefined), one that closes a cycle and one past
 * `maxDepth` are left as written.
 */
export function expand(
  value: string,
  from: Address,
  lookup: (a: Address) => string | undefined,
  seen: readonly string[] = [addressId(from)],
): string {
  return value.replace(token, (whole, text: string) => {
    const address = resolve(text, from);
    if (!address) return whole;
    const id = addressId(address);
    if (seen.includes(id) || seen.length > maxDepth) return whole;
    const raw = lookup(address);
    return raw === undefined ? whole : expand(raw, address, lookup, [...seen, id]);
  });
}
