import * as Secrets from "../crypto/index.ts";
import * as Dynamo from "../dynamo/index.ts";
import * as Queue from "../queue/index.ts";

const probe = (ping: () => Promise<unknown>) =>
  ping().then(
    () => "ok" as const,
    () => "unreachable" as const,
  );

/** Whether the table, the queue and the key answer. */
export async function check() {
  const [table, queue, key] = await Promise.all([probe(Dynamo.ping), probe(Queue.ping), probe(Secrets.ping)]);
  return { table, queue, key };
}
