import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { bootstrap } from "./bootstrap.ts";
import { consume } from "./consumer.ts";
import { serveReferenceScript } from "./docs.ts";
import { emulatorEnvironment, Moto } from "./moto.ts";

export type StackOptions = {
  /** The port of the API; 0 picks a free one. */
  port: number;
  /** Resource names are prefixed with this, so several stacks can share one emulator. */
  prefix: string;
  /** An emulator that is already running; otherwise one is started on `motoPort`. */
  motoEndpoint?: string;
  motoPort?: number;
  /** Registers this API key (as DEV_API_KEY does); otherwise a random one is made. */
  apiKey?: string;
  /** How long the local consumer long-polls; short in tests so that it stops promptly. */
  pollSeconds?: number;
  /** The verification queue's visibility timeout in seconds (60): how soon a crashed worker's jobs return. */
  visibilityTimeout?: number;
  /** How many local consumers feed the worker (1), as Lambda scales out its pollers. */
  consumers?: number;
  /** Whether to run the worker on the queue (tests that inspect queued jobs turn it off). */
  worker?: boolean;
  /** Whether to deliver webhooks and run their relay (true, also when `worker` is off). */
  webhooks?: boolean;
  /** How often the webhook relay picks up events a crash left in the outbox (2 s here). */
  relayIntervalMs?: number;
};

/**
 * The whole system on this machine: emulator, resources, the API served over HTTP and the
 * worker fed by the real queue. The same handlers as in the cloud, wired to the emulator.
 */
export async function startStack(opts: StackOptions) {
  const moto = opts.motoEndpoint ? undefined : await Moto.start(opts.motoPort ?? 5055);
  Object.assign(process.env, emulatorEnvironment(moto?.endpoint ?? opts.motoEndpoint ?? ""));
  // Lets a developer (and the tests) receive webhooks on http://127.0.0.1; private and
  // link-local addresses stay refused.
  process.env.WEBHOOKS_ALLOW_LOOPBACK ??= "1";
  const { resources, environment } = await bootstrap(opts.prefix, { visibilityTimeout: opts.visibilityTimeout });
  Object.assign(process.env, environment);

  // Imported only now: the AWS clients and SST links read the environment set above.
  const { app } = await import("../../../functions/api/app.ts");
  const { handler } = await import("../../../functions/verify.ts");
  const deadLetter = await import("../../../functions/dead-letter.ts");
  const maintenance = await import("../../../functions/maintenance.ts");
  const webhookDelivery = await import("../../../functions/webhook-delivery.ts");
  const ApiKey = await import("@app/core/apikey");

  const key = await ApiKey.create({ name: "local", secret: opts.apiKey });
  const waitSeconds = opts.pollSeconds ?? 10;
  const consumers =
    opts.worker === false
      ? []
      : [
          ...Array.from({ length: opts.consumers ?? 1 }, () =>
            consume(resources.VerifyQueue.url ?? "", handler, { waitSeconds }),
          ),
          consume(resources.VerifyDeadLetterQueue.url ?? "", deadLetter.handler, { waitSeconds }),
        ];
  const webhooks =
    opts.webhooks === false
      ? []
      : [consume(resources.WebhookQueue.url ?? "", webhookDelivery.handler, { waitSeconds })];
  const relay =
    opts.webhooks === false
      ? undefined
      : setInterval(() => maintenance.relayWebhooks().catch(() => {}), opts.relayIntervalMs ?? 2000);
  // What the cloud's schedules do, at the same pace: every 5 minutes and every hour.
  const schedules =
    opts.worker === false
      ? []
      : [
          setInterval(() => maintenance.sweep().catch(() => {}), 5 * 60_000),
          setInterval(() => maintenance.reverify().catch(() => {}), 60 * 60_000),
        ];
  // Node's default 16 KiB header limit would answer a long query string with a bare 431
  // before the API could say which parameter is too long.
  const server = serve({
    fetch: serveReferenceScript(app.fetch),
    hostname: "127.0.0.1",
    port: opts.port,
    serverOptions: { maxHeaderSize: 65_536 },
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: key.secret,
    orgId: key.orgId,
    resources,
    async stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      (server as import("node:http").Server).closeAllConnections();
      await closed;
      for (const schedule of schedules) clearInterval(schedule);
      clearInterval(relay);
      await Promise.all([...consumers, ...webhooks].map((c) => c.stop()));
      await moto?.stop();
    },
  };
}
