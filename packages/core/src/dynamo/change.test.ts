import { describe, expect, it } from "vitest";
import { change, KeptChanging, refused } from "./index.ts";

type Item = { revision: number; name: string };

/** An item that other writers move on `conflicts` times before this change's write holds. */
function contended(conflicts: number) {
  let stored: Item = { revision: 1, name: "a" };
  const reads: number[] = [];
  const load = async (attempt: number) => {
    reads.push(attempt);
    return { ...stored };
  };
  const write = async (item: Item, name: string, guard: { ExpressionAttributeValues: Record<string, unknown> }) => {
    if (conflicts-- > 0) {
      stored = { ...stored, revision: stored.revision + 1 };
      return refused;
    }
    expect(guard.ExpressionAttributeValues[":revision"]).toBe(item.revision);
    stored = { revision: item.revision + 1, name };
    return stored;
  };
  return { load, write, reads, stored: () => stored };
}

describe("Dynamo.change", () => {
  it("reads again and retries when another write got there first", async () => {
    const item = contended(2);
    const out = await change("thing", item.load, () => "b", item.write);
    expect(out?.before.revision).toBe(3);
    expect(out?.after).toEqual({ revision: 4, name: "b" });
    expect(item.reads).toEqual([0, 1, 2]);
  });

  it("gives up with KeptChanging after eight refused attempts", async () => {
    const item = contended(Number.POSITIVE_INFINITY);
    const out = change("thing", item.load, () => "b", item.write);
    await expect(out).rejects.toBeInstanceOf(KeptChanging);
    await expect(out).rejects.toMatchObject({
      kind: "conflict",
      code: "concurrent_change",
      message: "The thing kept changing while this request ran; try again",
    });
    expect(item.reads).toHaveLength(8);
    expect(item.stored().name).toBe("a");
  });

  it("writes nothing when nothing changes, and is undefined for a missing item", async () => {
    const item = contended(0);
    expect(await change("thing", item.load, () => undefined, item.write)).toEqual({
      before: { revision: 1, name: "a" },
      after: undefined,
    });
    expect(
      await change(
        "thing",
        async () => undefined,
        () => "b",
        item.write,
      ),
    ).toBeUndefined();
    expect(item.stored().revision).toBe(1);
  });
});
