import { describe, expect, it } from "vitest";
import { dependents, graphOf } from "./dependents.ts";
import { addressId, maxDepth } from "./references.ts";

const at = (environment: string, path: string, key: string) => ({ environment, path, key });
const referring = (from: ReturnType<typeof at>, ...to: ReturnType<typeof at>[]) => ({
  gsi3sk: `S\u0000${addressId(from)}`,
  refs: to.map(addressId),
});
const importing = (importer: [string, string], imported: [string, string]) => ({
  gsi3sk: `I\u0000${importer[0]}\u0000${importer[1]}\u0000id-${importer.join("")}`,
  importEnvironment: imported[0],
  importPath: imported[1],
});
const ids = (folders: { environment: string; path: string }[]) =>
  folders.map((f) => `${f.environment}:${f.path}`).sort();

describe("dependents", () => {
  it("follows references across folders and environments, through chains", () => {
    const graph = graphOf([
      referring(at("prod", "/app", "DATABASE_URL"), at("prod", "/db", "DB_HOST")),
      referring(at("prod", "/net", "ZONE"), at("shared", "/", "REGION")),
      referring(at("prod", "/app", "PLACEMENT"), at("prod", "/net", "ZONE")),
      referring(at("dev", "/other", "X"), at("prod", "/db", "OTHER")),
    ]);
    expect(ids(dependents(graph, [at("prod", "/db", "DB_HOST")], []))).toEqual(["prod:/app", "prod:/db"]);
    expect(ids(dependents(graph, [at("shared", "/", "REGION")], []))).toEqual(["prod:/app", "prod:/net", "shared:/"]);
  });

  it("stops a chain at the references' depth, and a cycle ends", () => {
    const chain = Array.from({ length: maxDepth + 2 }, (_, i) => at("prod", `/f${i}`, "K"));
    const graph = graphOf([
      ...chain.slice(1).map((a, i) => referring(a, chain[i] as ReturnType<typeof at>)),
      referring(at("prod", "/f0", "K"), at("prod", "/f1", "K")),
    ]);
    const reached = ids(dependents(graph, [at("prod", "/f0", "K")], []));
    expect(reached).toHaveLength(maxDepth + 1);
    expect(reached).not.toContain(`prod:/f${maxDepth + 1}`);
  });

  it("adds the folders that import a reached folder, and theirs", () => {
    const graph = graphOf([
      referring(at("prod", "/app", "URL"), at("prod", "/db", "HOST")),
      importing(["prod", "/web"], ["prod", "/app"]),
      importing(["staging", "/"], ["prod", "/web"]),
      importing(["prod", "/app"], ["staging", "/"]),
    ]);
    expect(ids(dependents(graph, [at("prod", "/db", "HOST")], []))).toEqual([
      "prod:/app",
      "prod:/db",
      "prod:/web",
      "staging:/",
    ]);
    expect(ids(dependents(graph, [], [{ environment: "prod", path: "/web" }]))).toEqual([
      "prod:/app",
      "prod:/web",
      "staging:/",
    ]);
  });
});
