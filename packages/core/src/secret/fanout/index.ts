/**
 * The dependents' sync trigger, an event subscriber: a secret's change (or an import's) queues
 * the syncs of the other folders it reaches through references and imports (./dependents.ts),
 * each through Sync.triggered as a change of that folder; the changed folder's own syncs are
 * Sync.onSecretChange's. Within a batch a project's syncs and its dependency index are read
 * once, and a folder is triggered once; a project without auto-syncs costs no read of its own
 * (its syncs' read is the one Sync.onSecretChange makes at the same time).
 */
import * as Event from "../../event/index.ts";
import * as SecretImportEvents from "../../secret-import/events.ts";
import * as Sync from "../../sync/index.ts";
import * as SyncStore from "../../sync/store.ts";
import { dependents, type Folder, folderId, type Graph, read } from "../dependents.ts";
import * as SecretEvents from "../events.ts";
import type { Address } from "../references.ts";

type Changed = { orgId: string; projectId: string; addresses: Address[]; folder: Folder; own: boolean };

/** What an event changed: addresses, and whether its folder's own syncs are another subscriber's. */
function changed(event: Event.Item): Changed | undefined {
  if (Event.isOneOf(event, SecretImportEvents.types)) {
    // What the importer reads changed: its own syncs are this subscriber's, with its importers'.
    const { projectId, environment, path } = Event.payload(event).secretImport;
    return { orgId: event.orgId, projectId, addresses: [], folder: { environment, path }, own: false };
  }
  if (!Event.isOneOf(event, SecretEvents.types)) return undefined;
  const { projectId, environment, path, key, previousKey } = Event.payload(event).secret;
  const addresses = [key, ...(previousKey !== undefined ? [previousKey] : [])].map((k) => ({
    environment,
    path,
    key: k,
  }));
  return { orgId: event.orgId, projectId, addresses, folder: { environment, path }, own: true };
}

export const onDependencyChange: Event.Subscriber = {
  name: "dependents",
  batch() {
    const syncs = new Map<string, Promise<boolean>>();
    const graphs = new Map<string, Promise<Graph>>();
    const queued = new Map<string, Promise<number>>();
    const once = <T>(map: Map<string, Promise<T>>, id: string, f: () => Promise<T>) => {
      if (!map.has(id)) map.set(id, f());
      return map.get(id) as Promise<T>;
    };
    return async (event) => {
      const change = changed(event);
      if (!change) return undefined;
      const { orgId, projectId } = change;
      const project = JSON.stringify([orgId, projectId]);
      const watched = await once(syncs, project, async () =>
        (await SyncStore.list(orgId, projectId)).some((s) => s.isAutoSyncEnabled && !s.deleting),
      );
      if (!watched) return undefined;
      const graph = await once(graphs, project, () => read(orgId, projectId));
      const own = folderId(change.folder);
      const folders = dependents(graph, change.addresses, [change.folder]).filter(
        (f) => !change.own || folderId(f) !== own,
      );
      if (!folders.length) return undefined;
      return () =>
        Promise.all(
          folders.map((f) =>
            once(queued, JSON.stringify([orgId, projectId, f.environment, f.path]), () =>
              Sync.triggered({ orgId, projectId, environment: f.environment, path: f.path }),
            ),
          ),
        );
    };
  },
};
