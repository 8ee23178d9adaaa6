/**
 * Lists in the console's Projects pages the environments whose secrets predate its index (one
 * Scan; packages/core/src/project/backfill.ts). Run once per stage after deploying, in SST's shell:
 *   npx sst shell --stage <stage> -- npx tsx scripts/backfill-environments.ts
 */
import { backfill } from "../packages/core/src/project/backfill.ts";

console.log(`${await backfill()} environments listed`);
