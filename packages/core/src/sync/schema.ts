/** A Railway secret sync as clients see it, shaped like the prior art's; its inputs and its job. */
import * as z from "zod/mini";
import { Path } from "../secret/schema.ts";
import { problem } from "./key-schema.ts";

const Id = z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/, "must be an id"));
export const Name = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[a-z0-9-]+$/, "must be a slug: lowercase letters, digits and hyphens only"),
  );
const Description = z.nullish(z.string().check(z.maxLength(256)));
const Slug = z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[a-z0-9-]+$/, "must be an environment slug"));
/** The secrets' own folder rule: a sync reads and imports into a folder the secrets API can reach. */
export const SecretPath = Path;

export const InitialSyncBehavior = z.enum([
  "overwrite-destination",
  "import-prioritize-source",
  "import-prioritize-destination",
]);
export const ImportBehavior = z.enum(["prioritize-source", "prioritize-destination"]);
export type ImportBehavior = z.infer<typeof ImportBehavior>;

export const SyncOptions = z.object({
  initialSyncBehavior: InitialSyncBehavior,
  keySchema: z.optional(
    z.string().check(
      z.refine((s) => problem(s) === undefined, {
        error: (issue) => problem(String(issue.input)) ?? "invalid key schema",
      }),
    ),
  ),
  disableSecretDeletion: z.optional(z.boolean()),
});
export type SyncOptions = z.infer<typeof SyncOptions>;

const RailwayId = z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9-]+$/, "must be a Railway id"));
const Label = z.optional(z.string().check(z.maxLength(128)));
export const DestinationConfig = z.object({
  projectId: RailwayId,
  environmentId: RailwayId,
  serviceId: z.optional(RailwayId),
  projectName: Label,
  environmentName: Label,
  serviceName: Label,
});
export type DestinationConfig = z.infer<typeof DestinationConfig>;

export const CreateInput = z
  .object({
    name: Name,
    projectId: Id,
    description: Description,
    connectionId: z.uuid(),
    environment: Slug,
    secretPath: SecretPath,
    isAutoSyncEnabled: z._default(z.boolean(), true),
    syncOptions: SyncOptions,
    destinationConfig: DestinationConfig,
  })
  .check(z.meta({ id: "CreateRailwaySecretSync" }));
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z
  .object({
    name: z.optional(Name),
    description: Description,
    connectionId: z.optional(z.uuid()),
    environment: z.optional(Slug),
    secretPath: z.optional(SecretPath),
    isAutoSyncEnabled: z.optional(z.boolean()),
    syncOptions: z.optional(SyncOptions),
    destinationConfig: z.optional(DestinationConfig),
  })
  .check(z.meta({ id: "UpdateRailwaySecretSync" }));
export type UpdateInput = z.infer<typeof UpdateInput>;

export const Status = z.enum(["pending", "running", "succeeded", "failed"]);
export type Status = z.infer<typeof Status>;

/** What the sync queue carries: ids only, never a value or a token. */
export const Job = z.object({
  orgId: z.string(),
  syncId: z.uuid(),
  jobId: z.uuid(),
  kind: z.enum(["sync", "import", "remove"]),
  /** A sync job's request number: only the latest one runs (bursts coalesce). */
  generation: z.optional(z.int()),
  importBehavior: z.optional(ImportBehavior),
  /** A reconcile's sync of a sync that was in line: what it finds out of line is drift, named as such. */
  reconcile: z.optional(z.boolean()),
});
export type Job = z.infer<typeof Job>;

/** A secret change, as the outbox event of the secrets store says it. */
export const Change = z.object({
  orgId: z.string(),
  projectId: z.string(),
  environment: z.string(),
  path: z.string(),
});
export type Change = z.infer<typeof Change>;
