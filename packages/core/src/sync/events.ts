/** The events a sync's runs cause, each carrying the sync as the API shows it. */
import type { Info } from "./item.ts";

export const types = ["secret-sync.succeeded", "secret-sync.failed"] as const;
export type EventType = (typeof types)[number];
export type Payloads = { [T in EventType]: { secretSync: Info } };

export { write as event } from "../event/index.ts";
