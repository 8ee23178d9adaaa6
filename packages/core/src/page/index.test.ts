import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";

process.env.SST_RESOURCE_CursorKey = JSON.stringify({ value: "unit-test-cursor-key" });
let Page: typeof import("./index.ts");
beforeAll(async () => {
  Page = await import("./index.ts");
});

/** A table of `n` items, newest first, of which `match` pass the filter; counts the reads. */
function table(n: number, match: (i: number) => boolean) {
  const rows = Array.from({ length: n }, (_, i) => ({ pk: "P", sk: String(1000 - i), i }));
  const reads: number[] = [];
  const send = async (start: Record<string, unknown> | undefined, limit: number) => {
    reads.push(limit);
    const from = start ? rows.findIndex((r) => r.sk === start.sk) + 1 : 0;
    const slice = rows.slice(from, from + limit);
    const last = slice[slice.length - 1];
    const more = from + limit < rows.length && last;
    return { Items: slice.filter((r) => match(r.i)), LastEvaluatedKey: more ? { pk: "P", sk: last.sk } : undefined };
  };
  return { send, reads };
}

describe("Page.query", () => {
  it("reads at most Page.Reads pages, and returns a short page with a cursor", async () => {
    const { send, reads } = table(1000, () => false);
    const page = await Page.query(send, { limit: 1, scope: "s" });
    expect(page.items).toEqual([]);
    expect(reads).toEqual([1, 100, 100, 100, 100]);
    expect(page.cursor).toEqual(expect.any(String));
  });

  it("resumes after the last item returned when a read found more than the page holds", async () => {
    const { send } = table(300, (i) => i >= 10 && i < 15);
    const first = await Page.query(send, { limit: 3, scope: "s" });
    expect(first.items.map((r) => r.i)).toEqual([10, 11, 12]);
    const second = await Page.query(send, { limit: 3, scope: "s", cursor: first.cursor ?? "" });
    expect(second.items.map((r) => r.i)).toEqual([13, 14]);
  });

  it("stops reading once the page is full", async () => {
    const { send, reads } = table(300, () => true);
    const page = await Page.query(send, { limit: 3, scope: "s" });
    expect(page.items.map((r) => r.i)).toEqual([0, 1, 2]);
    expect(reads).toEqual([3]);
    const next = await Page.query(send, { limit: 3, scope: "s", cursor: page.cursor ?? "" });
    expect(next.items.map((r) => r.i)).toEqual([3, 4, 5]);
  });

  it("fills only the room left when a later read overflows, and resumes after the last item taken", async () => {
    const { send } = table(300, (i) => i === 1 || (i >= 10 && i < 15));
    const first = await Page.query(send, { limit: 3, scope: "s" });
    expect(first.items.map((r) => r.i)).toEqual([1, 10, 11]);
    const second = await Page.query(send, { limit: 3, scope: "s", cursor: first.cursor ?? "" });
    expect(second.items.map((r) => r.i)).toEqual([12, 13, 14]);
  });

  it("a later read that exactly fills the page at the table's end leaves no cursor", async () => {
    const { send, reads } = table(10, (i) => i === 5 || i === 6);
    const page = await Page.query(send, { limit: 2, scope: "s" });
    expect(page.items.map((r) => r.i)).toEqual([5, 6]);
    expect(reads).toEqual([2, 100]);
    expect(page.cursor).toBeNull();
  });

  it("refuses a cursor of another scope, an altered one, and a signed one of the wrong shape", async () => {
    const { send } = table(10, () => true);
    const { cursor } = await Page.query(send, { limit: 2, scope: "s" });
    const [payload = "", mac = ""] = (cursor ?? "").split(".");
    const bad = [
      ["another scope", cursor, "t"],
      ["an altered payload", `${payload}A.${mac}`, "s"],
      ["an altered signature", `${payload}.${mac.slice(0, -1)}`, "s"],
      ["no signature", payload, "s"],
      ["a signature of another length", `${payload}.${mac}${mac}`, "s"],
      ["a non-ASCII signature", `${payload}.${"é".repeat(43)}`, "s"],
    ] as const;
    // Signed with the key, as if it had leaked: the shape is still checked.
    const signed = (value: unknown) => {
      const p = Buffer.from(JSON.stringify(value)).toString("base64url");
      return `${p}.${createHmac("sha256", "unit-test-cursor-key").update(`s\n${p}`).digest("base64url")}`;
    };
    const shapes = [
      {},
      { pk: 5 },
      { pk: "P", sk: 5 },
      { pk: "P", sk: "" },
      [],
      ["a"],
      "ab",
      null,
      5,
      { pk: "" },
      { a: "1", b: "2", c: "3", d: "4", e: "5" },
    ];
    for (const shape of shapes)
      await expect(
        Page.query(send, { limit: 2, scope: "s", cursor: signed(shape) }),
        JSON.stringify(shape),
      ).rejects.toMatchObject({
        code: "invalid_cursor",
        details: [{ path: "cursor", message: "not a cursor this API returned for this list" }],
      });
    expect(
      (await Page.query(send, { limit: 2, scope: "s", cursor: signed({ pk: "P", sk: "998" }) })).items,
    ).toHaveLength(2);
    for (const [what, c, scope] of bad)
      await expect(Page.query(send, { limit: 2, scope, cursor: c ?? "" }), what).rejects.toMatchObject({
        code: "invalid_cursor",
      });
  });
});
