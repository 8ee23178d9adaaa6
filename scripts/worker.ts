/**
 * The verification worker alone, on the queue named by the environment (SST_RESOURCE_* and the
 * AWS variables, as `npm run dev` sets them). The crash test runs it as a process it can kill.
 */

import { Resource } from "@app/core/resource";
import { consume } from "@app/local/consumer";
import { handler } from "../functions/verify.ts";

const consumer = consume(Resource.VerifyQueue.url, handler, { waitSeconds: 1 });
console.error("worker: consuming", Resource.VerifyQueue.url.split("/").pop());
const stop = async () => {
  await consumer.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
