import { code } from "./bundle";
import { jobQueue, verifyQueue } from "./queue";
import { table } from "./table";

const node = { runtime: "nodejs24.x", architecture: "arm64" } as const;

/**
 * The safety nets of the pipeline (functions/maintenance.ts): every 5 minutes, settle
 * verifications whose job was lost; every hour, queue re-checks of connections last verified
 * over a day ago, spread over 15 minutes. Neither touches a token: they read and write the table
 * and queue jobs, so they get no key permission at all.
 */
const task = (name: string, schedule: `rate(${string})`, which: "sweep" | "reverify", description: string) =>
  new sst.aws.Cron(name, {
    schedule,
    event: { task: which },
    function: {
      ...code("maintenance"),
      ...node,
      description,
      memory: "256 MB",
      timeout: "60 seconds",
      link: [table, verifyQueue],
      permissions: [{ actions: ["sqs:SendMessage"], resources: [jobQueue.arn] }],
    },
  });

export const sweep = task(
  "SweepStale",
  "rate(5 minutes)",
  "sweep",
  "Railway App Connections: settles lost verifications",
);
export const reverify = task(
  "Reverify",
  "rate(1 hour)",
  "reverify",
  "Railway App Connections: re-checks connections verified over a day ago",
);
