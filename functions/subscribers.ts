import type * as Event from "@app/core/event";
import * as Dependents from "@app/core/secret/fanout";
import * as Sync from "@app/core/sync";
import * as Webhook from "@app/core/webhook/fanout";

/**
 * Who reacts to an event, for the stream (stream.ts) and the safety sweep (maintenance.ts)
 * alike: an event leaves the outbox once every one of them has succeeded. A new reaction is one
 * line here (and, in infra/, the permissions its work needs in both functions).
 */
export const subscribers: readonly Event.Subscriber[] = [
  Webhook.fanOut,
  Sync.onSecretChange,
  Dependents.onDependencyChange,
];
