import * as Layout from "../packages/core/src/layout/index.ts";
import { isPermanent } from "./stage";

/** The one table, as packages/core/src/layout describes it (the local run creates the same). */
export const table = new sst.aws.Dynamo("Table", {
  fields: Layout.table.fields,
  primaryIndex: Layout.table.primaryIndex,
  globalIndexes: Layout.table.globalIndexes,
  ttl: Layout.table.ttl,
  stream: Layout.table.stream,
  deletionProtection: isPermanent($app.stage),
  transform: {
    table: (args) => {
      // SST enables it by default today; stated so that the infra test can hold it.
      args.pointInTimeRecovery = { enabled: true };
    },
  },
});
