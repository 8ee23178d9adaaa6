import { createServer } from "node:net";
import { Moto } from "@app/local/moto";
import type { TestProject } from "vitest/node";

/** One moto server for the whole run; each test file makes its own resources in it. */
export default async function setup(project: TestProject) {
  const moto = await Moto.start(await freePort());
  project.provide("motoEndpoint", moto.endpoint);
  return () => moto.stop();
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}
