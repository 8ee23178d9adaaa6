import { isPermanent } from "./stage";

/**
 * The one table. `gsi1` lists an org's connections; `gsi2` is for maintenance (connections with
 * a verification in flight, active ones by last verification). packages/local/src/bootstrap.ts
 * creates the same table in the emulator.
 */
export const table = new sst.aws.Dynamo("Table", {
  fields: { pk: "string", sk: "string", gsi1pk: "string", gsi1sk: "string", gsi2pk: "string", gsi2sk: "string" },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: {
    gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk", projection: "all" },
    gsi2: { hashKey: "gsi2pk", rangeKey: "gsi2sk", projection: "all" },
  },
  ttl: "expiresAt",
  deletionProtection: isPermanent($app.stage),
  transform: {
    table: (args) => {
      // SST enables it by default today; stated so that the infra test can hold it.
      args.pointInTimeRecovery = { enabled: true };
    },
  },
});
