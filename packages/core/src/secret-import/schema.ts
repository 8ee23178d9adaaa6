/** The secret-import API's inputs and answers, shaped like the prior art's `/api/v2/secret-imports`. */
import * as z from "zod/mini";
import { Environment, Path, ProjectID } from "../secret/schema.ts";

/** Where: `projectId`, or `workspaceId` as the SDKs name the project. */
const where = {
  projectId: z.optional(ProjectID),
  workspaceId: z.optional(ProjectID),
  environment: Environment,
  path: z.optional(Path),
};

/** Imports a folder may hold: a change to its order rewrites them in one transaction. */
export const maxPerFolder = 25;

export const CreateBody = z.looseObject({
  ...where,
  import: z.looseObject({ environment: Environment, path: Path }),
  isReplication: z.optional(z.literal(false, { error: "replication is not supported: must be false" })),
});

export const ListQuery = z.looseObject(where);

export const UpdateBody = z.looseObject({
  ...where,
  import: z.looseObject({
    environment: z.optional(Environment),
    path: z.optional(Path),
    position: z.optional(z.int().check(z.minimum(1), z.maximum(maxPerFolder))),
  }),
});

type Environmentish = { id: string; name: string; slug: string };

/** An import as the prior art answers it (environments by slug: their id and name are the slug). */
export type Info = {
  id: string;
  version: number;
  projectId: string;
  environment: Environmentish;
  path: string;
  folderId: string;
  importPath: string;
  importEnv: Environmentish;
  position: number;
  isReplication: false;
  isReplicationSuccess: null;
  replicationStatus: null;
  lastReplicated: null;
  isReserved: false;
  createdAt: string;
  updatedAt: string;
};
