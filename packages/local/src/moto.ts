import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as Venv from "./venv.ts";

/** Points the AWS SDK of a process at the emulator. */
export const emulatorEnvironment = (endpoint: string) => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
});

/** A moto server: DynamoDB, SQS and KMS emulated in one local process. */
export class Moto {
  private constructor(
    readonly endpoint: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(port: number, host = "127.0.0.1"): Promise<Moto> {
    Venv.ensure();
    const server = join(import.meta.dirname, "moto_server.py");
    const child = spawn(Venv.bin("python"), [server, "-H", host, "-p", String(port)], {
      stdio: ["ignore", "ignore", process.env.MOTO_VERBOSE ? "inherit" : "ignore"],
    });
    const endpoint = `http://${host}:${port}`;
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`moto_server exited (code ${code}); is port ${port} free?`))),
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await Promise.race([
        fetch(`${endpoint}/moto-api/`).then(
          (r) => r.ok,
          () => false,
        ),
        exited,
      ]);
      if (up) break;
      if (Date.now() > deadline) {
        child.kill();
        throw new Error(`moto_server did not start on ${endpoint}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    exited.catch(() => {});
    return new Moto(endpoint, child);
  }

  async stop() {
    if (this.child.exitCode !== null) return;
    const gone = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    await gone;
  }
}
