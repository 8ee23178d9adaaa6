/**
 * Creates an API key and prints it once (only its hash is stored).
 *   npm run create-api-key -- --name ci [--org <org id>] [--project <id>]... [--local]
 * --local writes to the table of a running `npm run dev` (emulator on MOTO_PORT, 5055).
 * In the cloud, run it inside SST's shell so that it finds the stage's table:
 *   npx sst shell --stage <stage> -- npm run create-api-key -- --name ci
 */
import { parseArgs } from "node:util";
import { emulatorEnvironment } from "@app/local/moto";

const { values } = parseArgs({
  options: {
    name: { type: "string" },
    org: { type: "string" },
    project: { type: "string", multiple: true },
    local: { type: "boolean", default: false },
  },
});
if (!values.name) {
  console.error(
    "usage: npm run create-api-key -- --name <what it is for> [--org <org id>] [--project <id>]... [--local]",
  );
  process.exit(2);
}
if (values.local) {
  Object.assign(process.env, emulatorEnvironment(`http://127.0.0.1:${process.env.MOTO_PORT || 5055}`), {
    SST_RESOURCE_App: JSON.stringify({ name: "railway-connections", stage: "local" }),
    SST_RESOURCE_Table: JSON.stringify({ name: "local-table" }),
  });
}

const ApiKey = await import("@app/core/apikey");
const key = await ApiKey.create({ name: values.name, orgId: values.org, projectIds: values.project });
console.log(
  JSON.stringify({ apiKey: key.secret, keyId: key.keyId, orgId: key.orgId, projectIds: key.projectIds }, null, 2),
);
