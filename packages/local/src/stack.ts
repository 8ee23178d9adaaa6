import { randomUUID } from "node:crypto";
import { createServer, STATUS_CODES } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import * as Layout from "@app/core/layout";
import * as Policy from "@app/core/policy";
import * as ReconcilePolicy from "@app/core/sync/policy";
import { getRequestListener, RequestError } from "@hono/node-server";
import { bootstrap } from "./bootstrap.ts";
import { consume } from "./consumer.ts";
import { serveReferenceScript } from "./docs.ts";
import { emulatorEnvironment, Moto } from "./moto.ts";
import { freePort } from "./ports.ts";
import { consumeStream } from "./stream.ts";

export type StackOptions = {
  /** The port of the API; 0 picks a free one. */
  port: number;
  /** Resource names are prefixed with this, so several stacks can share one emulator. */
  prefix: string;
  /** An emulator that is already running; otherwise one is started on `motoPort`. */
  motoEndpoint?: string;
  motoPort?: number;
  /**
   * KMS and SQS each in a moto of its own (started here), as each is its own service in AWS:
   * one moto answers one request at a time (Python's lock), so a create's Encrypt and its
   * transaction, independent calls, could not overlap in it. The bench uses this.
   */
  servicesApart?: boolean;
  /** Registers this API key (as DEV_API_KEY does); otherwise a random one is made. */
  apiKey?: string;
  /** How long the local consumer long-polls; short in tests so that it stops promptly. */
  pollSeconds?: number;
  /** The verification queue's visibility timeout in seconds (the worker's timeout): how soon a crashed worker's jobs return. */
  visibilityTimeout?: number;
  /** How many local consumers feed the worker (1), as Lambda scales out its pollers. */
  consumers?: number;
  /** Whether to run the worker on the queue (tests that inspect queued jobs turn it off). */
  worker?: boolean;
  /** Whether to deliver webhooks and relay them from the table's stream (true, also when `worker` is off). */
  webhooks?: boolean;
};

/** What Node's HTTP parser refuses (its codes), and the status it would have answered. */
const clientErrors: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, "headers_too_large", "The request line and headers (query string included) exceed 64 KiB"],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, "payload_too_large", "The request's chunk extensions are too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "request_timeout", "The request was not received in time"],
};

/** Sends each request to the function that serves its path (packages/core/src/layout `routes`). */
const byPath =
  (functions: Record<ReturnType<typeof Layout.serves>, (request: Request) => Response | Promise<Response>>) =>
  (request: Request) =>
    functions[Layout.serves(new URL(request.url).pathname)](request);

/**
 * The whole system on this machine: emulator, resources, the API served over HTTP and the
 * worker fed by the real queue. The same handlers as in the cloud, wired to the emulator.
 */
export async function startStack(opts: StackOptions) {
  const moto = opts.motoEndpoint ? undefined : await Moto.start(opts.motoPort ?? 5055);
  Object.assign(process.env, emulatorEnvironment(moto?.endpoint ?? opts.motoEndpoint ?? ""));
  const apart: [string, Moto][] = [];
  for (const service of opts.servicesApart ? ["KMS", "SQS"] : []) {
    const own = await Moto.start(await freePort());
    apart.push([service, own]);
    process.env[`AWS_ENDPOINT_URL_${service}`] = own.endpoint;
  }
  // Lets a developer (and the tests) receive webhooks on http://127.0.0.1, on any port but this
  // run's own services (set below, once the API has its port); private and link-local
  // addresses stay refused.
  process.env.WEBHOOKS_ALLOW_LOOPBACK ??= "1";
  const { resources, environment, streamArn } = await bootstrap(opts.prefix, {
    visibilityTimeout: opts.visibilityTimeout,
  });
  Object.assign(process.env, environment);

  // Imported only now: the AWS clients and SST links read the environment set above.
  const { app } = await import("@app/functions/api/app");
  const secrets = await import("@app/functions/secrets/app");
  const consolePages = await import("@app/functions/console/app");
  const { errorBody } = await import("@app/functions/http/status");
  const { handler } = await import("@app/functions/verify");
  const deadLetter = await import("@app/functions/dead-letter");
  const maintenance = await import("@app/functions/maintenance");
  const webhookDelivery = await import("@app/functions/webhook-delivery");
  const sync = await import("@app/functions/sync");
  const syncDeadLetter = await import("@app/functions/sync-dead-letter");
  const stream = await import("@app/functions/stream");
  const ApiKey = await import("@app/core/apikey");
  const Access = await import("@app/core/access");

  const key = await ApiKey.create({ name: "local", secret: opts.apiKey });
  const client = await Access.issueClient(key);
  const waitSeconds = opts.pollSeconds ?? 10;
  const consumers =
    opts.worker === false
      ? []
      : [
          ...Array.from({ length: opts.consumers ?? 1 }, () =>
            consume(resources.VerifyQueue.url ?? "", handler, { waitSeconds }),
          ),
          consume(resources.VerifyDeadLetterQueue.url ?? "", deadLetter.handler, { waitSeconds }),
          ...Array.from({ length: opts.consumers ?? 1 }, () =>
            consume(resources.SyncQueue.url ?? "", sync.handler, { waitSeconds }),
          ),
          consume(resources.SyncDeadLetterQueue.url ?? "", syncDeadLetter.handler, { waitSeconds }),
          consume(resources.MaintenanceQueue.url ?? "", maintenance.pages, { waitSeconds }),
        ];
  const webhooks =
    opts.webhooks === false
      ? []
      : [consume(resources.WebhookQueue.url ?? "", webhookDelivery.handler, { waitSeconds })];
  // The table's stream feeds the relay as the event source mapping does in AWS (infra/stream.ts).
  const relayFromStream = () => consumeStream(streamArn, stream.handler, { filter: Layout.streamFilter });
  let relay = opts.webhooks === false ? undefined : await relayFromStream();
  // The safety sweep of what the stream lost, at the cloud's pace (infra/maintenance.ts).
  const sweepOutbox =
    opts.webhooks === false
      ? undefined
      : setInterval(() => maintenance.relayWebhooks().catch(() => {}), Layout.outboxSweep.everyMinutes * 60_000);
  // What the cloud's schedules do, at the same pace: every 5 minutes, every hour, and each
  // reconciliation period (SYNC_RECONCILE_SECONDS, as infra/ reads it).
  const schedules =
    opts.worker === false
      ? []
      : [
          setInterval(() => maintenance.sweep().catch(() => {}), Policy.sweepEveryMinutes * 60_000),
          setInterval(() => maintenance.reverify().catch(() => {}), Policy.reverifyEveryMinutes * 60_000),
          setInterval(() => maintenance.reconcile().catch(() => {}), ReconcilePolicy.everyMinutes() * 60_000),
        ];
  // Node's default 16 KiB header limit would answer a long query string with a bare 431
  // before the API could say which parameter is too long. What Node or the adapter refuse
  // before the app sees a request is answered in the API's JSON error body all the same.
  const server = createServer(
    { maxHeaderSize: 65_536, requireHostHeader: false },
    // One URL, several Lambdas, as the router in front of them in AWS (infra/router.ts).
    getRequestListener(
      serveReferenceScript(byPath({ api: app.fetch, secrets: secrets.app.fetch, console: consolePages.app.fetch })),
      {
        errorHandler: (err) => {
          const [status, code, message] =
            err instanceof RequestError
              ? ([400, "bad_request", `Bad request: ${err.message}`] as const)
              : ([500, "internal_error", "Internal error"] as const);
          const id = randomUUID();
          return Response.json(errorBody(id, status, code, message), { status, headers: { "X-Request-Id": id } });
        },
      },
    ),
  );
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === "ECONNRESET" || !socket.writable) return socket.destroy();
    const [status, code, message] = clientErrors[err.code ?? ""] ?? [400, "bad_request", "Malformed HTTP request"];
    const id = randomUUID();
    const body = JSON.stringify(errorBody(id, status, code, message));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.on("checkExpectation", (req, res) => {
    const id = randomUUID();
    const message = `Expect: ${req.headers.expect} is not supported`;
    res.writeHead(417, { "Content-Type": "application/json", "X-Request-Id": id, Connection: "close" });
    res.end(JSON.stringify(errorBody(id, 417, "expectation_failed", message)));
  });
  server.listen(opts.port, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const port = (server.address() as AddressInfo).port;

  // The loopback ports a webhook may not reach: the emulator, the Railway API when it is served
  // on this machine (the stand-in), and this API.
  const loopbackPort = (url: string | undefined) => {
    const u = URL.parse(url ?? "");
    return u && /^(127\.|localhost$|\[::1\]$)/.test(u.hostname) ? [Number(u.port) || 80] : [];
  };
  const ownPorts = [
    ...new Set([
      ...[moto?.endpoint ?? opts.motoEndpoint, ...apart.map(([, own]) => own.endpoint)].flatMap(loopbackPort),
      ...loopbackPort(process.env.RAILWAY_API_URL),
      port,
    ]),
  ];
  process.env.WEBHOOKS_LOOPBACK_REFUSED_PORTS = ownPorts.join(",");

  return {
    url: `http://127.0.0.1:${port}`,
    /** The loopback ports webhooks may not reach. */
    ownPorts,
    apiKey: key.secret,
    /** The key's client id and secret, for the SDK's universal-auth login. */
    client,
    orgId: key.orgId,
    resources,
    /** Stops reading the stream: what is written meanwhile is lost to it, as a record past its retention. */
    async pauseStream() {
      await relay?.stop();
      relay = undefined;
    },
    /** Resolves once the stream's consumer has handled every record written before the call. */
    streamCaughtUp: async () => {
      await relay?.caughtUp();
    },
    /** Reads the stream again, from its latest record. */
    async resumeStream() {
      relay ??= await relayFromStream();
    },
    async stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      (server as import("node:http").Server).closeAllConnections();
      await closed;
      for (const schedule of schedules) clearInterval(schedule);
      clearInterval(sweepOutbox);
      await Promise.all([...consumers, ...webhooks, ...(relay ? [relay] : [])].map((c) => c.stop()));
      await Promise.all([moto, ...apart.map(([, own]) => own)].map((m) => m?.stop()));
      for (const [service] of apart) delete process.env[`AWS_ENDPOINT_URL_${service}`];
    },
  };
}
