// Runs the stand-in on its own, seeded with the demo world:
//   npx tsx packages/railway-standin/src/main.ts --port 4010 [--host 127.0.0.1] [--rejection graphql-200]
import { parseArgs } from "node:util";
import { z } from "zod";
import { Demo, RailwayStandin } from "./index.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    host: { type: "string", default: "127.0.0.1" },
    rejection: { type: "string", default: "graphql-200" },
  },
});

const standin = await RailwayStandin.start({
  port: z.coerce.number().int().min(0).max(65535).parse(values.port),
  host: values.host,
  rejection: z.enum(["graphql-200", "http-401", "http-403", "null-data"]).parse(values.rejection),
  seedDemo: true,
});

console.log(`Railway stand-in listening on ${standin.url}  (RAILWAY_API_URL=${standin.url})`);
console.log(
  `  account token    Authorization: Bearer ${Demo.tokens.account}   (${Demo.user.name} <${Demo.user.email}>)`,
);
console.log(
  `  workspace token  Authorization: Bearer ${Demo.tokens.workspace}   (workspace "${Demo.workspaces.team.name}")`,
);
console.log(
  `  project token    Project-Access-Token: ${Demo.tokens.project}   (${Demo.projects.differenceEngine.name} / production)`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    standin.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
