/**
 * Where a sync reads the project's secrets: one org, project, environment and folder as
 * name → value, and where imports are written: the secrets store (./secrets.ts); tests may use
 * the in-memory one.
 */
import type * as Audit from "../audit/index.ts";
import { store } from "./secrets.ts";

export type Folder = { orgId: string; projectId: string; environment: string; secretPath: string };

export interface Source {
  read(folder: Folder): Promise<Record<string, string>>;
  /** Creates or replaces these names in the folder, as `by`. */
  write(folder: Folder, secrets: Record<string, string>, by: Audit.Actor): Promise<void>;
}

/**
 * The source refused the folder for a reason its owner must fix (a secret whose references
 * cannot be expanded within the limits): the sync fails with this message, which names the
 * secret and never a value, instead of being retried.
 */
export class FolderRefused extends Error {
  override name = "FolderRefused";
}

const at = (f: Folder) => JSON.stringify([f.orgId, f.projectId, f.environment, f.secretPath]);

/** Secrets held in this process; `onChange` plays the secrets store's outbox event. */
export function memory(onChange?: (folder: Folder) => void) {
  const folders = new Map<string, Record<string, string>>();
  return {
    async read(folder: Folder) {
      return { ...folders.get(at(folder)) };
    },
    async write(folder: Folder, secrets: Record<string, string>) {
      folders.set(at(folder), { ...folders.get(at(folder)), ...secrets });
      onChange?.(folder);
    },
    /** Test helpers: set or remove names as a person would. */
    set(folder: Folder, secrets: Record<string, string>) {
      folders.set(at(folder), { ...folders.get(at(folder)), ...secrets });
    },
    remove(folder: Folder, ...names: string[]) {
      const kept = { ...folders.get(at(folder)) };
      for (const name of names) delete kept[name];
      folders.set(at(folder), kept);
    },
  } satisfies Source & Record<string, unknown>;
}

let current: Source = store;

/** The source the sync uses: the secrets store unless a test sets another. */
export const source = () => current;
export const use = (s: Source) => {
  current = s;
};
