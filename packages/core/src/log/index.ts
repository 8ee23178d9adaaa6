import { Logger } from "@aws-lambda-powertools/logger";

/** One structured JSON logger. Nothing that could hold a secret is ever passed to it. */
export const log = new Logger({ serviceName: "railway-connections" });
