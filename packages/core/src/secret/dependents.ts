/**
 * Who depends on a secret or a folder: the secrets whose values refer to it (through a chain of
 * references, up to references.maxDepth) and the folders that import those folders (through
 * imports of imports, up to `maxImportDepth`). Read from the dependency index (gsi3: one
 * partition per project, addresses only), then walked in memory: one query answers a chain.
 */
import * as Dynamo from "../dynamo/index.ts";
import { dependencyKey } from "./item.ts";
import { type Address, addressId, maxDepth } from "./references.ts";

export type Folder = { environment: string; path: string };

export const folderId = (f: Folder) => `${f.environment}\u0000${f.path}`;

/** How deep imports of imports are followed, in reads and in the fan-out alike. */
export const maxImportDepth = 10;

/** A project's dependencies: who refers to an address, who imports a folder. */
export type Graph = { referrers: Map<string, Address[]>; importers: Map<string, Folder[]> };

/** The index entry of an import (an item of ./imports.ts): the importer in its sort key. */
export const importEntry = (orgId: string, projectId: string, importer: Folder, id: string) => ({
  gsi3pk: dependencyKey(orgId, projectId),
  gsi3sk: `I\u0000${folderId(importer)}\u0000${id}`,
});

type Entry = { gsi3sk: string; refs?: string[]; importEnvironment?: string; importPath?: string };

export function graphOf(entries: Entry[]): Graph {
  const referrers = new Map<string, Address[]>();
  const importers = new Map<string, Folder[]>();
  const add = <T>(map: Map<string, T[]>, id: string, value: T) => map.set(id, [...(map.get(id) ?? []), value]);
  for (const e of entries) {
    const [kind, environment = "", path = "", key = ""] = e.gsi3sk.split("\u0000");
    if (kind === "S") for (const ref of e.refs ?? []) add(referrers, ref, { environment, path, key });
    if (kind === "I" && e.importEnvironment && e.importPath)
      add(importers, folderId({ environment: e.importEnvironment, path: e.importPath }), { environment, path });
  }
  return { referrers, importers };
}

/** The project's dependency index, read in full (addresses only). */
export async function read(orgId: string, projectId: string): Promise<Graph> {
  const entries = await Dynamo.queryAll<Entry>({
    IndexName: "gsi3",
    KeyConditionExpression: "gsi3pk = :pk",
    ExpressionAttributeValues: { ":pk": dependencyKey(orgId, projectId) },
  });
  return graphOf(entries);
}

/**
 * The folders whose secrets, as a sync reads them, a change may have changed: the folders of
 * `changed` (addresses that were written, renamed away or deleted) and `folders` (whose imports
 * changed), of every secret that refers to them through a chain, and of every folder importing
 * any of those. The starting folders are among them.
 */
export function dependents(graph: Graph, changed: Address[], folders: Folder[]): Folder[] {
  const reached = new Map<string, Folder>();
  const reach = (f: Folder) => reached.set(folderId(f), { environment: f.environment, path: f.path });
  for (const f of [...changed, ...folders]) reach(f);
  const seen = new Set(changed.map(addressId));
  let frontier = changed;
  for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
    const next: Address[] = [];
    for (const a of frontier)
      for (const by of graph.referrers.get(addressId(a)) ?? []) {
        if (seen.has(addressId(by))) continue;
        seen.add(addressId(by));
        reach(by);
        next.push(by);
      }
    frontier = next;
  }
  let importing = [...reached.values()];
  for (let depth = 0; depth < maxImportDepth && importing.length; depth++) {
    const next: Folder[] = [];
    for (const f of importing)
      for (const by of graph.importers.get(folderId(f)) ?? []) {
        if (reached.has(folderId(by))) continue;
        reach(by);
        next.push(by);
      }
    importing = next;
  }
  return [...reached.values()];
}
