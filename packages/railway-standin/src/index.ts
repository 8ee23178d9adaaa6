export { Demo } from "./demo.ts";
export {
  type BehaviourOptions,
  type Fault,
  RailwayStandin,
  type RejectionStyle,
  type StandinRequest,
  type StartOptions,
} from "./standin.ts";
export type { Deployment, VariableScope } from "./world.ts";
