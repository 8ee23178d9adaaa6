/** The events a connection's changes cause (./transition.ts says which), each carrying it as the API shows it. */
import type { Info } from "./schema.ts";

export const types = [
  "app-connection.created",
  "app-connection.verified",
  "app-connection.failed",
  "app-connection.updated",
  "app-connection.credentials-rotated",
  "app-connection.deleted",
  "app-connection.revoked",
] as const;
export type EventType = (typeof types)[number];
export type Payloads = { [T in EventType]: { appConnection: Info } };
