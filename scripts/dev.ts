/**
 * `npm run dev`: the whole system on this machine. Options (environment):
 *   PORT (3000)               the API
 *   MOTO_PORT (5055)          the AWS emulator
 *   DEV_API_KEY               the API key to accept (otherwise a random one is printed)
 *   RAILWAY_OFFLINE=1 or --offline   start the Railway stand-in (port RAILWAY_STANDIN_PORT, 4010)
 *   RAILWAY_API_URL           use this Railway API as given
 *   LOCAL_RUN_FILE            where to say what is running (.local-run.json), for create-api-key --local;
 *                             one run per file: a second run with the same file refuses to start
 */
import { startStack } from "@app/local/stack";
import * as LocalRun from "@app/local/state";

const offline = process.argv.includes("--offline") || /^(1|true|yes)$/i.test(process.env.RAILWAY_OFFLINE ?? "");
const port = (name: string, fallback: number) => Number(process.env[name] || fallback);

// Before anything starts: a second run in this checkout would take over the first one's file.
const claimed = LocalRun.claim(port("PORT", 3000));
if ("taken" in claimed) {
  console.error(claimed.taken);
  process.exit(1);
}

let standin: { url: string; close(): Promise<void> } | undefined;
if (offline && !process.env.RAILWAY_API_URL) {
  const { RailwayStandin } = await import("@app/railway-standin");
  standin = await RailwayStandin.start({ port: port("RAILWAY_STANDIN_PORT", 4010), seedDemo: true });
  process.env.RAILWAY_API_URL = standin.url;
}

const stack = await startStack({
  port: port("PORT", 3000),
  motoPort: port("MOTO_PORT", 5055),
  prefix: "local",
  apiKey: process.env.DEV_API_KEY || undefined,
});

LocalRun.publish({
  url: stack.url,
  motoEndpoint: process.env.AWS_ENDPOINT_URL ?? "",
  environment: Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name.startsWith("SST_RESOURCE_")),
  ) as Record<string, string>,
  orgId: stack.orgId,
});

console.error(`
Railway connections are running locally.
  API        ${stack.url}   (health: ${stack.url}/health, OpenAPI: ${stack.url}/openapi.json and /openapi/secrets.json, shown at /docs)
  Console    ${stack.url}/   (sign in with the API key below)
  API key    ${process.env.DEV_API_KEY ? "the one in DEV_API_KEY" : stack.apiKey}   (org ${stack.orgId}; more: npm run create-api-key -- --name <name> --local)
  SDK login  client id ${stack.client.clientId}, client secret ${stack.client.clientSecret}   (the same key, as @infisical/sdk's universalAuth.login takes it)
  Railway    ${process.env.RAILWAY_API_URL || "https://backboard.railway.com/graphql/v2"}${standin ? " (offline stand-in)" : ""}
  Webhooks   may go to http(s)://127.0.0.1 or [::1] on any port but ${stack.ownPorts.join(", ")} (this run's own)
${standin ? "  Demo tokens: demo-account-token, demo-workspace-token, demo-project-token\n" : ""}
Press Ctrl-C to stop.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  LocalRun.withdraw();
  await stack.stop();
  await standin?.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
