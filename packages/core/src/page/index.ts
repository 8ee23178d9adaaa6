/**
 * Cursor pagination over a DynamoDB Query with an opaque cursor. Filters can leave a Query page
 * short, so pages are read until `limit` items are found or the query ends. The cursor is bound
 * to `scope` (the org), so it cannot be replayed against another org's items.
 */
import type { NativeAttributeValue } from "@aws-sdk/lib-dynamodb";
import { invalidRequest } from "../error/index.ts";

type Key = Record<string, NativeAttributeValue>;
type Output = { Items?: Key[]; LastEvaluatedKey?: Key };

export const Limit = { default: 20, max: 100 };

export async function query(
  send: (start: Key | undefined, limit: number) => Promise<Output>,
  opts: { cursor?: string; limit: number; scope: string },
) {
  let start = opts.cursor ? decode(opts.cursor, opts.scope) : undefined;
  const items: Key[] = [];
  for (;;) {
    const out = await send(start, opts.limit - items.length);
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (!start || items.length >= opts.limit) break;
  }
  return { items, cursor: start ? encode(start, opts.scope) : null };
}

const encode = (key: Key, scope: string) => Buffer.from(JSON.stringify({ scope, key })).toString("base64url");

function decode(cursor: string, scope: string): Key {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (parsed?.scope === scope && parsed.key && typeof parsed.key === "object") return parsed.key;
  } catch {}
  throw invalidRequest([{ path: "cursor", message: "not a cursor this API returned for this list" }], "invalid_cursor");
}
