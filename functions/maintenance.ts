import { Verification } from "@app/core/verification";

/** On a schedule: resolve verifications whose job was lost. */
export const sweep = () => Verification.sweepStale();

/** On a schedule: re-check active connections whose last verification is old. */
export const reverify = () => Verification.reverifyDue();

/** The deployed entry point: one bundle, the schedule says which task (infra/maintenance.ts). */
export const handler = (event: { task?: "sweep" | "reverify" }) => (event.task === "reverify" ? reverify() : sweep());
