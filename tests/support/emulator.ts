import { Moto } from "@app/local/moto";
import { freePort } from "@app/local/ports";
import type { TestProject } from "vitest/node";

/** One moto server for the whole run; each test file makes its own resources in it. */
export default async function setup(project: TestProject) {
  const moto = await Moto.start(await freePort());
  project.provide("motoEndpoint", moto.endpoint);
  return () => moto.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}
