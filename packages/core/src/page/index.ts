/**
 * Cursor pagination over a DynamoDB Query. A filter can leave a Query page short, so a request
 * reads on, but at most `Reads` times: the first read asks for `limit` items, the others for
 * `Limit.max` each. A filter that matches little thus costs the caller more requests (each
 * answered with a short page and a `nextCursor`), never one request a read per item.
 *
 * A cursor is the key to resume after, signed (HMAC-SHA256 with the deployment's cursor key)
 * together with `scope` (the org and the list), so that it can be neither made up nor replayed
 * against another org's or another list's items.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { NativeAttributeValue } from "@aws-sdk/lib-dynamodb";
import { invalidRequest } from "../error/index.ts";
import { Resource } from "../resource/index.ts";

type Key = Record<string, NativeAttributeValue>;
type Output = { Items?: Key[]; LastEvaluatedKey?: Key };

export const Limit = { default: 20, max: 100 };

/** DynamoDB queries one page may make: at most `limit` + (Reads − 1) × Limit.max items read. */
export const Reads = 5;

export async function query(
  send: (start: Key | undefined, limit: number) => Promise<Output>,
  opts: { cursor?: string; limit: number; scope: string },
) {
  let start = opts.cursor ? decode(opts.cursor, opts.scope) : undefined;
  const items: Key[] = [];
  for (let read = 0; read < Reads && items.length < opts.limit; read++) {
    const out = await send(start, read === 0 ? opts.limit : Limit.max);
    const found = out.Items ?? [];
    const room = opts.limit - items.length;
    if (found.length > room && start) {
      // LastEvaluatedKey lies past the items left out: resume after the last one returned. Only
      // reads after the first can overflow, so `start` is a LastEvaluatedKey and names the keys.
      items.push(...found.slice(0, room));
      const last = items[items.length - 1] ?? {};
      start = Object.fromEntries(Object.keys(start).map((name) => [name, last[name]]));
      break;
    }
    items.push(...found);
    start = out.LastEvaluatedKey;
    if (!start) break;
  }
  return { items, cursor: start ? encode(start, opts.scope) : null };
}

const sign = (payload: string, scope: string) =>
  createHmac("sha256", Resource.CursorKey.value).update(`${scope}\n${payload}`).digest("base64url");

function encode(key: Key, scope: string) {
  const payload = Buffer.from(JSON.stringify(key)).toString("base64url");
  return `${payload}.${sign(payload, scope)}`;
}

function decode(cursor: string, scope: string): Key {
  const dot = cursor.lastIndexOf(".");
  const payload = cursor.slice(0, dot);
  try {
    // timingSafeEqual throws, as JSON.parse does, on what no cursor of ours holds.
    if (timingSafeEqual(Buffer.from(cursor.slice(dot + 1)), Buffer.from(sign(payload, scope)))) {
      const key = JSON.parse(Buffer.from(payload, "base64url").toString());
      const values = Object.values(key);
      // The shape of the keys this module writes: one to four attributes, each a non-empty string.
      if (
        key.constructor === Object &&
        values.length &&
        values.length < 5 &&
        values.every((v) => v && typeof v === "string")
      )
        return key;
    }
  } catch {}
  throw invalidRequest([{ path: "cursor", message: "not a cursor this API returned for this list" }], "invalid_cursor");
}
