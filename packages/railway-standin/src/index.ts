export { Demo } from "./demo.ts";
export { schema as railwaySchema } from "./schema.ts";
export {
  type BehaviourOptions,
  type Fault,
  RailwayStandin,
  type RejectionStyle,
  type StandinRequest,
  type StartOptions,
  type TokenBudget,
} from "./standin.ts";
export type { Deployment, DeploymentStatus, RailwayDeployment, SharedDeploys, VariableScope } from "./world.ts";
