/**
 * Where a sync reads the project's secrets: one org, project, environment and folder as
 * name → value, and where imports are written: the secrets store (./secrets.ts, which also holds
 * the seam that picks one); tests may use the in-memory one.
 */
import type * as Audit from "../audit/index.ts";

/** `recursive`: its sub-folders too, read as one (`write` goes to the folder itself). */
export type Folder = { orgId: string; projectId: string; environment: string; secretPath: string; recursive?: boolean };

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

/**
 * A folder and its sub-folders' secrets as one name → value, or FolderRefused naming each name
 * that two folders hold (and the folders): neither can win, so nothing is sent.
 */
export function merged(secrets: readonly { path: string; key: string; value: string }[]) {
  const where = new Map<string, string[]>();
  for (const s of secrets) where.set(s.key, [...(where.get(s.key) ?? []), s.path]);
  const clashes = [...where].filter(([, paths]) => paths.length > 1).sort(([a], [b]) => (a < b ? -1 : 1));
  if (clashes.length) {
    const named = clashes.slice(0, 20).map(([key, paths]) => `${key} (in ${[...paths].sort().join(" and ")})`);
    const more = clashes.length > 20 ? ` and ${clashes.length - 20} more` : "";
    throw new FolderRefused(
      `Nothing was sent to Railway: ${clashes.length === 1 ? "a name is" : "names are"} in more than one folder of the sync: ${named.join(", ")}${more}. Each name may be in one folder only; rename or remove the others, then sync again.`,
    );
  }
  return Object.fromEntries(secrets.map((s) => [s.key, s.value]));
}

const at = (f: Pick<Folder, "orgId" | "projectId" | "environment" | "secretPath">) =>
  JSON.stringify([f.orgId, f.projectId, f.environment, f.secretPath]);

/** Secrets held in this process; `onChange` plays the secrets store's outbox event. */
export function memory(onChange?: (folder: Folder) => void) {
  const folders = new Map<string, Record<string, string>>();
  return {
    async read(folder: Folder) {
      if (!folder.recursive) return { ...folders.get(at(folder)) };
      const below = folder.secretPath === "/" ? "/" : `${folder.secretPath}/`;
      const paths = [...folders.keys()]
        .map((k) => JSON.parse(k) as string[])
        .filter(([o, p, e]) => o === folder.orgId && p === folder.projectId && e === folder.environment)
        .map((k) => k[3] as string)
        .filter((p) => p === folder.secretPath || p.startsWith(below));
      return merged(
        paths.flatMap((path) =>
          Object.entries(folders.get(at({ ...folder, secretPath: path })) ?? {}).map(([key, value]) => ({
            path,
            key,
            value,
          })),
        ),
      );
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
