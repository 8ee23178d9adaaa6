import { describe, expect, it } from "vitest";
import { maxImportDepth } from "../secret/dependents.ts";
import { importedBy } from "./index.ts";

type Imports = Parameters<typeof importedBy>[0];
const imports = (...edges: [string, string, number][]): Imports =>
  edges.map(([from, to, position], n) => {
    const [environment, path] = from.split(":") as [string, string];
    const [importEnvironment, importPath] = to.split(":") as [string, string];
    return { environment, path, importEnvironment, importPath, position, createdAt: String(n) } as Imports[number];
  });
const ids = (folders: { environment: string; path: string }[]) => folders.map((f) => `${f.environment}:${f.path}`);

describe("the folders a folder reads through its imports", () => {
  it("its own imports by position, then theirs, each once; never itself", () => {
    const read = importedBy(
      imports(
        ["prod:/app", "prod:/b", 2],
        ["prod:/app", "prod:/a", 1],
        ["prod:/a", "dev:/", 1],
        ["prod:/b", "prod:/app", 1],
        ["dev:/", "prod:/b", 1],
      ),
      { environment: "prod", path: "/app" },
    );
    expect(ids(read)).toEqual(["prod:/a", "prod:/b", "dev:/"]);
  });

  it(`follows imports of imports at most ${maxImportDepth} away`, () => {
    const chain = Array.from({ length: maxImportDepth + 3 }, (_, i): [string, string, number] => [
      `prod:/f${i}`,
      `prod:/f${i + 1}`,
      1,
    ]);
    const read = importedBy(imports(...chain), { environment: "prod", path: "/f0" });
    expect(read).toHaveLength(maxImportDepth);
    expect(ids(read).at(-1)).toBe(`prod:/f${maxImportDepth}`);
  });
});
