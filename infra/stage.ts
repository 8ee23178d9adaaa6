/**
 * Stage rules, in one place. A permanent stage keeps its data: `sst remove` refuses to run
 * (protect), resources that hold data are retained if the stack goes anyway, the table has
 * deletion protection and the KMS key outlives the stack. Every other stage (a developer's, a
 * pull request's) is removed whole.
 */
export const permanentStages = ["production"];

export const isPermanent = (stage: string | undefined) => stage !== undefined && permanentStages.includes(stage);

/** The stage settings of `app()` in sst.config.ts. */
export const stageRules = (stage: string | undefined) => ({
  removal: isPermanent(stage) ? ("retain" as const) : ("remove" as const),
  protect: isPermanent(stage),
});
