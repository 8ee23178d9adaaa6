import { Resource as Linked } from "sst/resource";

/**
 * The names of the AWS resources this code talks to. In the cloud SST injects them as
 * `SST_RESOURCE_<Name>` variables; the local run and the tests set the same variables, so one
 * code path serves both.
 */
export const Resource = Linked as unknown as {
  App: { name: string; stage: string };
  Table: { name: string };
  VerifyQueue: { url: string };
  WebhookQueue: { url: string };
  SyncQueue: { url: string };
  MaintenanceQueue: { url: string };
  CredentialsKey: { id: string };
  /** Signs list cursors (packages/core/src/page): random per stage, never shown. */
  CursorKey: { value: string };
};
