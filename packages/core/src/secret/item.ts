/**
 * How secrets lie in the table. One partition per org + project + environment holds its data
 * key, its secrets and their versions, so that a list is one Query:
 * - `DATAKEY`: the KMS-wrapped data key, created once;
 * - `S#<folder>/#<key>`: the current version of each secret (folder `/` or `/a/b/`), so that a
 *   folder and its sub-folders are the prefix `S#/a/b/` and the folder alone `S#/a/b/#`;
 * - `V#<id>#<version>`: every version, by the secret's id, which a rename keeps.
 * Values are sealed with the data key, with the item's identity as associated data.
 *
 * A current item whose value refers to other secrets also lists their addresses (`refs`) and is
 * in the dependency index (gsi3, one partition per project; `dependencyKey`), written in the
 * secret's own transaction at no extra write: the reverse index of references is a query there.
 */
import type { Scope } from "./schema.ts";

export type Where = Omit<Scope, "path">;

export const partition = (w: Where) => `SECRETS#${w.orgId}#${w.projectId}#${w.environment}`;

const folder = (path: string) => (path === "/" ? "/" : `${path}/`);

export const dataKeySk = "DATAKEY";
export const currentSk = (path: string, key: string) => `S#${folder(path)}#${key}`;
/** The prefix of a folder's secrets, with its sub-folders' when `recursive`. */
export const folderPrefix = (path: string, recursive: boolean) => `S#${folder(path)}${recursive ? "" : "#"}`;
export const versionPrefix = (id: string) => `V#${id}#`;
export const versionSk = (id: string, version: number) => `${versionPrefix(id)}${String(version).padStart(9, "0")}`;

export type Item = {
  pk: string;
  sk: string;
  type: "secret" | "secret-version";
  id: string;
  key: string;
  path: string;
  version: number;
  /** `iv ‖ tag ‖ ciphertext` (crypto/envelope). */
  value: Uint8Array;
  comment: string;
  createdAt: string;
  updatedAt: string;
  /** The secrets its value refers to (`addressId`s), on current items that refer to any. */
  refs?: string[];
  gsi3pk?: string;
  gsi3sk?: string;
};

/** The partition of the dependency index (gsi3) that holds a project's references and imports. */
export const dependencyKey = (orgId: string, projectId: string) => `DEPS#${orgId}#${projectId}`;

/** What the sealed value is bound to: a value moved to another item, or another version, does not open. */
export const aad = (w: Where, item: Pick<Item, "id" | "key" | "path" | "version">) =>
  JSON.stringify([w.orgId, w.projectId, w.environment, item.id, item.key, item.path, item.version]);
