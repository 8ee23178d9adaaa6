/**
 * The sync's Source on the secrets store: a folder's secrets with references expanded (Railway
 * cannot resolve ours) and, after them, those of the folders it imports (its own secret wins a
 * name clash, then the first import: secret-import's order), and imports from Railway written
 * as the sync, audited as the system acting for it.
 */
import type * as Audit from "../audit/index.ts";
import * as Secret from "../secret/index.ts";
import * as SecretImport from "../secret-import/index.ts";
import { type Folder, FolderRefused, merged, type Source } from "./source.ts";

const scope = (f: Folder): Secret.Scope => ({
  orgId: f.orgId,
  projectId: f.projectId,
  environment: f.environment,
  path: f.secretPath,
});

/** The org's own reach: a sync acts within the org and project it belongs to. */
const within = (orgId: string, as?: Audit.Actor): Secret.Writer => ({ orgId, keyId: "secret-sync", as });

/** A secret whose references break the store's limits: the sync fails naming it, not retried. */
async function refusing<T>(what: string, f: () => Promise<T>) {
  try {
    return await f();
  } catch (err) {
    if (err instanceof Secret.ReferenceLimit) throw new FolderRefused(`${what}: ${err.reason}.`, { cause: err });
    throw err;
  }
}

const read = (f: Folder) =>
  refusing("Nothing was sent to Railway", async () => {
    const opts = { expand: true, view: true };
    const [own, imported] = await Promise.all([
      Secret.list(within(f.orgId), scope(f), { ...opts, recursive: f.recursive === true }),
      SecretImport.secrets(within(f.orgId), scope(f), opts),
    ]);
    // The folder's own secrets (a recursive sync's sub-folders too: one name in two folders is
    // refused) win over imported ones; of those, the first import wins.
    const secrets: Record<string, string> = {};
    for (const s of [...imported.flatMap((i) => i.secrets)].reverse()) secrets[s.secretKey] = s.secretValue;
    return { ...secrets, ...merged(own.map((s) => ({ path: s.secretPath, key: s.secretKey, value: s.secretValue }))) };
  });

export const store: Source = {
  read,
  write: (f, secrets, by) =>
    refusing("The import was refused", async () => {
      const listed = await Secret.list(within(f.orgId), scope(f), { expand: false, view: false, recursive: false });
      const existing = new Set(listed.map((s) => s.secretKey));
      const entries = Object.entries(secrets);
      const fresh = entries.filter(([key]) => !existing.has(key)).map(([key, value]) => ({ key, value }));
      const changed = entries.filter(([key]) => existing.has(key)).map(([key, value]) => ({ key, value }));
      // In transactions of the store's batch size: an import of many names is several writes.
      for (let i = 0; i < fresh.length; i += Secret.maxBatch)
        await Secret.create(within(f.orgId, by), scope(f), fresh.slice(i, i + Secret.maxBatch));
      for (let i = 0; i < changed.length; i += Secret.maxBatch)
        await Secret.update(within(f.orgId, by), scope(f), changed.slice(i, i + Secret.maxBatch));
    }),
};

let current: Source = store;

/** The source the sync uses: the secrets store unless a test sets another. */
export const source = () => current;
export const use = (s: Source) => {
  current = s;
};
