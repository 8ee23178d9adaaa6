/**
 * Creates an API key and prints it once (only its hash is stored).
 *   npm run create-api-key -- [--name ci] [--local] [--org <org id> | --new-org] [--project <id>]...
 * --local writes to the table of the `npm run dev` running on this machine, found from the file it
 * writes (packages/local/src/state.ts), and by default adds the key to that run's own org.
 * In the cloud, run it inside SST's shell so that it finds the stage's table:
 *   npx sst shell --stage <stage> -- npm run create-api-key -- --name ci
 */
import { parseArgs } from "node:util";
import { emulatorEnvironment } from "@app/local/moto";
import * as LocalRun from "@app/local/state";

const usage =
  "usage: npm run create-api-key -- [--name <what it is for>] [--local] [--org <org id> | --new-org] [--project <id>]...";
const fail = (message: string, code = 1): never => {
  console.error(message);
  process.exit(code);
};

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        name: { type: "string", default: "unnamed" },
        org: { type: "string" },
        "new-org": { type: "boolean", default: false },
        project: { type: "string", multiple: true },
        local: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n${usage}`, 2);
  }
})();
if (values.org && values["new-org"]) fail(`--org and --new-org exclude each other\n${usage}`, 2);

let orgId = values.org;
let where = "the stage's table";
let whose = "";
if (values.local) {
  const found = LocalRun.find();
  if ("missing" in found) fail(found.missing);
  else {
    const { run } = found;
    Object.assign(process.env, emulatorEnvironment(run.motoEndpoint), run.environment);
    if (!values.org && !values["new-org"]) {
      orgId = run.orgId;
      whose = " (the local run's own, where the connections made with its key are)";
    }
    where = `the local run at ${run.url}`;
  }
}

try {
  const ApiKey = await import("@app/core/apikey");
  const Access = await import("@app/core/access");
  const key = await ApiKey.create({ name: values.name, orgId, projectIds: values.project });
  const client = await Access.issueClient(key);
  console.log(
    JSON.stringify(
      { apiKey: key.secret, keyId: key.keyId, orgId: key.orgId, projectIds: key.projectIds, ...client },
      null,
      2,
    ),
  );
  console.error(
    `A key for ${where}, in ${orgId ? "org" : "a new org,"} ${key.orgId}${whose}, with a client id and secret ` +
      "for the SDK's universal-auth login; they are shown only once.",
  );
} catch (error) {
  fail(
    `Could not create the key in ${where}: ${(error as Error).message}` +
      (values.local ? " (is `npm run dev` still running?)" : ""),
  );
}
