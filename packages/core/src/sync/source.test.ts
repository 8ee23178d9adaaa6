import { describe, expect, it } from "vitest";
import { FolderRefused, memory, merged } from "./source.ts";

const at = { orgId: "o", projectId: "p", environment: "prod" };

describe("a folder read with its sub-folders", () => {
  it("is one name → value when each name is in one folder", () => {
    expect(
      merged([
        { path: "/app", key: "A", value: "1" },
        { path: "/app/db", key: "B", value: "2" },
      ]),
    ).toEqual({ A: "1", B: "2" });
  });

  it("is refused, naming each name in two folders and the folders, never a value", () => {
    const read = () =>
      merged([
        { path: "/app/b", key: "DUP", value: "secret-b" },
        { path: "/app/a", key: "DUP", value: "secret-a" },
        { path: "/app", key: "OK", value: "fine" },
      ]);
    expect(read).toThrow(FolderRefused);
    expect(read).toThrow("DUP (in /app/a and /app/b)");
    expect(read).not.toThrow(/secret-/);
  });

  it("in memory: the folder and those below it, not a sibling whose name starts the same", async () => {
    const source = memory();
    source.set({ ...at, secretPath: "/app" }, { TOP: "t" });
    source.set({ ...at, secretPath: "/app/x" }, { X: "x" });
    source.set({ ...at, secretPath: "/apple" }, { APPLE: "a" });
    source.set({ ...at, projectId: "other", secretPath: "/app/y" }, { Y: "y" });
    expect(await source.read({ ...at, secretPath: "/app", recursive: true })).toEqual({ TOP: "t", X: "x" });
    expect(await source.read({ ...at, secretPath: "/app" })).toEqual({ TOP: "t" });
    source.set({ ...at, secretPath: "/app/x/deep" }, { TOP: "again" });
    await expect(source.read({ ...at, secretPath: "/app", recursive: true })).rejects.toThrow(
      "TOP (in /app and /app/x/deep)",
    );
  });
});
