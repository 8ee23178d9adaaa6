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

/** Sub-folders too: where the prior art has it since 2026-09 (`syncOptions.recursive`), and beside `secretPath`. */
const Recursive = z.optional(z.boolean());

/** The options' fields but `recursive`, which answers always state (functions/secrets/syncs.ts). */
export const syncOptionFields = {
  initialSyncBehavior: InitialSyncBehavior,
  keySchema: z.optional(
    z.string().check(
      z.refine((s) => problem(s) === undefined, {
        error: (issue) => problem(String(issue.input)) ?? "invalid key schema",
      }),
    ),
  ),
  disableSecretDeletion: z.optional(z.boolean()),
};
/**
 * Every object a client sends is strict: a field we do not know is a 400 naming it, never dropped
 * in silence (a sync that ignored `recursive` synced one folder while its caller meant a tree).
 */
export const SyncOptions = z.strictObject({ ...syncOptionFields, recursive: Recursive });
export type SyncOptions = z.infer<typeof SyncOptions>;

const RailwayId = z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9-]+$/, "must be a Railway id"));
const Label = z.optional(z.string().check(z.maxLength(128)));
export const DestinationConfig = z.strictObject({
  projectId: RailwayId,
  environmentId: RailwayId,
  serviceId: z.optional(RailwayId),
  projectName: Label,
  environmentName: Label,
  serviceName: Label,
});
export type DestinationConfig = z.infer<typeof DestinationConfig>;

const recursive = Recursive.check(z.meta({ description: "Sub-folders too; a name in two folders fails the sync" }));
/** What the prior art's Terraform provider sends besides its fields: Go's untagged `App` and `ID`. */
const App = z.optional(z.literal("railway"));

/** `recursive` said in both places must say one thing. */
const agree = (i: { recursive?: boolean | undefined; syncOptions?: { recursive?: boolean | undefined } | undefined }) =>
  i.recursive === undefined || i.syncOptions?.recursive === undefined || i.recursive === i.syncOptions.recursive;
const disagreement = { path: ["recursive"], message: "must equal syncOptions.recursive" };

/** A first sync that imports needs one folder to import into: a recursive sync has many. */
export const importsIntoMany = (recursive: boolean | undefined, options: SyncOptions) =>
  recursive === true && options.initialSyncBehavior !== "overwrite-destination";
export const recursiveImportMessage = "needs initialSyncBehavior overwrite-destination (no one folder to import into)";

/** Whether a create or an update asks for sub-folders; undefined: it does not say. */
export const recursiveOf = (i: { recursive?: boolean | undefined; syncOptions?: SyncOptions | undefined }) =>
  i.recursive ?? i.syncOptions?.recursive;

export const CreateInput = z
  .strictObject({
    name: Name,
    projectId: Id,
    description: Description,
    connectionId: z.uuid(),
    environment: Slug,
    secretPath: SecretPath,
    recursive,
    isAutoSyncEnabled: z._default(z.boolean(), true),
    syncOptions: SyncOptions,
    destinationConfig: DestinationConfig,
    App,
  })
  .check(
    z.refine(agree, disagreement),
    z.refine((i) => !importsIntoMany(recursiveOf(i), i.syncOptions), {
      path: ["recursive"],
      message: recursiveImportMessage,
    }),
    z.meta({ id: "CreateRailwaySecretSync" }),
  );
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z
  .strictObject({
    name: z.optional(Name),
    description: Description,
    connectionId: z.optional(z.uuid()),
    environment: z.optional(Slug),
    secretPath: z.optional(SecretPath),
    recursive,
    isAutoSyncEnabled: z.optional(z.boolean()),
    syncOptions: z.optional(SyncOptions),
    destinationConfig: z.optional(DestinationConfig),
    // Sent back by the prior art's clients (its web app and Terraform provider), never a change:
    // anything but the sync's own is refused.
    projectId: z.optional(Id).check(z.meta({ description: "The sync's own: a sync never moves" })),
    App,
    ID: z.optional(z.uuid()).check(z.meta({ description: "The path's syncId" })),
  })
  .check(z.refine(agree, disagreement), z.meta({ id: "UpdateRailwaySecretSync" }));
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
