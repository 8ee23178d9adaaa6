/** The events a sync's runs cause, each carrying the sync as the API shows it. */
import type { Info } from "./item.ts";

export const types = ["secret-sync.succeeded", "secret-sync.failed", "secret-sync.drift-corrected"] as const;
export type EventType = (typeof types)[number];
export type Payloads = { [T in Exclude<EventType, "secret-sync.drift-corrected">]: { secretSync: Info } } & {
  /** A reconcile found names the sync manages out of line with the source in Railway, and rewrote them (names only). */
  "secret-sync.drift-corrected": { secretSync: Info; keys: string[] };
};

export { write as event } from "../event/index.ts";
