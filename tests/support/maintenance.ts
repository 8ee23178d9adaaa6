import { DeleteMessageCommand } from "@aws-sdk/client-sqs";
import { receive, sqs } from "./aws.ts";

/**
 * One scheduled maintenance run as the cloud runs it, for tests whose stack runs no workers:
 * starts it (one page per shard) and handles the maintenance queue's pages, the continuations
 * they queue included, until none is left. Returns the pages handled and the items they took.
 */
export async function runMaintenance(task: "reverify" | "sweep", queueUrl: string, before?: Date) {
  const Maintenance = await import("@app/core/maintenance");
  await Maintenance.start(task, Date.now(), before);
  let pages = 0;
  let items = 0;
  for (let messages = await receive(queueUrl); messages.length > 0; messages = await receive(queueUrl))
    for (const m of messages) {
      const job = Maintenance.PageJob.parse(JSON.parse(m.Body ?? ""));
      items += await Maintenance.page(job);
      pages++;
      await sqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  return { pages, items };
}
