import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test, vi } from "vitest";

/**
 * Runs sst.config.ts and infra/ as `sst deploy` would, with SST's and Pulumi's globals replaced by
 * recorders, and checks what the deployed system relies on. A resource's outputs read as
 * `Type:Name.property` (e.g. `sst.aws.Queue:VerifyJobs.arn`), so a policy can be traced to the
 * resource it names.
 */
const root = join(import.meta.dirname, "..");

type Recorded = { type: string; name: string; args: any; opts: any };
type Statement = {
  actions: string[];
  resources: unknown[];
  conditions?: { test: string; variable: string; values: string[] }[];
};

let recorded: Recorded[] = [];

/** An output that is not known until deploy time: a path that reads as a string wherever it goes. */
const output = (path: string): any =>
  new Proxy(() => {}, {
    get(_target, prop) {
      if (prop === Symbol.toPrimitive || prop === "toString" || prop === "toJSON") return () => path;
      if (typeof prop === "symbol" || prop === "then") return undefined;
      return output(`${path}.${prop}`);
    },
  });

/** A resource class that records its arguments; `members` adds what SST's class has beyond outputs. */
const resource = (type: string, members: (name: string, args: any) => Record<string, unknown> = () => ({})) =>
  class {
    constructor(name: string, args: any = {}, opts: any = {}) {
      recorded.push({ type, name, args, opts });
      const own: Record<string | symbol, unknown> = members(name, args);
      // biome-ignore lint/correctness/noConstructorReturn: a recorder stands in for SST's resource.
      return new Proxy(own, {
        get: (target, prop) =>
          prop in target ? target[prop] : prop === "then" ? undefined : output(`${type}:${name}.${String(prop)}`),
      });
    }
  };

const arn = (type: string, name: string) => `${type}:${name}.arn`;

// What linking grants, and what a queue subscription grants, as in SST 4.17.1's own components
// (platform/src/components/aws/dynamo.ts, queue.ts, queue-lambda-subscriber.ts).
const sqsConsumerActions = [
  "sqs:ChangeMessageVisibility",
  "sqs:DeleteMessage",
  "sqs:GetQueueAttributes",
  "sqs:GetQueueUrl",
  "sqs:ReceiveMessage",
];

const sst = {
  Linkable: resource("sst.Linkable", (_name, definition) => ({ getSSTLink: () => definition })),
  aws: {
    Dynamo: resource("sst.aws.Dynamo", (name) => ({
      subscribe: (subscriberName: string, subscriber: any, args: any = {}) => {
        recorded.push({
          type: "sst.aws.Dynamo.subscribe",
          name,
          args: { subscriberName, subscriber, ...args },
          opts: {},
        });
        return output(`sst.aws.Dynamo:${name}.subscriber`);
      },
      getSSTLink: () => ({
        properties: { name: output(`sst.aws.Dynamo:${name}.name`) },
        include: [
          {
            type: "aws.permission",
            actions: ["dynamodb:*"],
            resources: [arn("sst.aws.Dynamo", name), `${arn("sst.aws.Dynamo", name)}/*`],
          },
        ],
      }),
    })),
    Queue: resource("sst.aws.Queue", (name) => ({
      getSSTLink: () => ({
        properties: { url: output(`sst.aws.Queue:${name}.url`) },
        include: [{ type: "aws.permission", actions: ["sqs:*"], resources: [arn("sst.aws.Queue", name)] }],
      }),
      subscribe: (subscriber: any, args: any = {}) => {
        recorded.push({ type: "sst.aws.Queue.subscribe", name, args: { subscriber, ...args }, opts: {} });
        return output(`sst.aws.Queue:${name}.subscriber`);
      },
    })),
    Function: resource("sst.aws.Function"),
    Router: resource("sst.aws.Router", (name) => ({
      route: (pattern: string, url: unknown) =>
        recorded.push({ type: "sst.aws.Router.route", name, args: { pattern, url: String(url) }, opts: {} }),
      url: output(`sst.aws.Router:${name}.url`),
    })),
    Cron: resource("sst.aws.Cron"),
    SnsTopic: resource("sst.aws.SnsTopic"),
  },
};

const aws = {
  kms: { Key: resource("aws.kms.Key"), Alias: resource("aws.kms.Alias") },
  cloudwatch: { MetricAlarm: resource("aws.cloudwatch.MetricAlarm") },
  sns: { TopicSubscription: resource("aws.sns.TopicSubscription") },
};

// Imported by infra/ from SST's platform, where SST's own components get it.
vi.mock("@pulumi/random", () => ({ RandomBytes: resource("random.RandomBytes") }));

async function deploy(stage: string) {
  vi.resetModules();
  recorded = [];
  Object.assign(globalThis, {
    $config: (config: unknown) => config,
    $dev: false,
    $cli: { paths: { root } },
    $interpolate: (strings: TemplateStringsArray, ...values: unknown[]) => String.raw({ raw: strings }, ...values),
    sst,
    aws,
  });
  const config = (await import(/* @vite-ignore */ pathToFileURL(join(root, "sst.config.ts")).href)).default;
  const app = await config.app({ stage });
  Object.assign(globalThis, { $app: { name: app.name, stage, removal: app.removal, protect: app.protect } });
  const outputs = await config.run();
  return { app, outputs, resources: recorded };
}

type Deployed = Awaited<ReturnType<typeof deploy>>;

const one = (d: Deployed, type: string, name?: string) => {
  const found = d.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  expect(found, `${type} ${name ?? ""}`).toHaveLength(1);
  return found[0]!;
};

const subscription = (d: Deployed, queue: string) => one(d, "sst.aws.Queue.subscribe", queue).args;

/** A duration as SST takes it ("360 seconds", "1 minute"), in seconds. */
const seconds = (duration: string) => {
  const m = /^(\d+) (second|minute|hour)s?$/.exec(duration);
  if (!m) throw new Error(`not a duration: ${duration}`);
  return Number(m[1]) * { second: 1, minute: 60, hour: 3600 }[m[2] as "second"];
};

/** Every IAM statement a function's role gets: its own permissions, its links', its subscription's. */
const statements = (fn: any, subscribedTo?: string): Statement[] => [
  ...(fn.permissions ?? []),
  ...(fn.link ?? []).flatMap((l: any) =>
    (l.getSSTLink().include ?? []).filter((i: any) => i.type === "aws.permission"),
  ),
  ...(subscribedTo ? [{ actions: sqsConsumerActions, resources: [arn("sst.aws.Queue", subscribedTo)] }] : []),
];

const actions = (s: Statement[]) => s.flatMap((x) => x.actions);
const on = (s: Statement[], resourceArn: string) => s.filter((x) => x.resources.map(String).includes(resourceArn));
const purposes = (s: Statement) =>
  s.conditions
    ?.filter((c) => c.test === "StringEquals" && c.variable === "kms:EncryptionContext:purpose")
    .flatMap((c) => c.values)
    .sort();

const keyArn = arn("aws.kms.Key", "CredentialsKey");
const jobsArn = arn("sst.aws.Queue", "VerifyJobs");
const webhookJobsArn = arn("sst.aws.Queue", "WebhookJobs");
const maintenancePagesArn = arn("sst.aws.Queue", "MaintenancePages");
const syncJobsArn = arn("sst.aws.Queue", "SyncJobs");
const deadLettersArn = arn("sst.aws.Queue", "VerifyDeadLetters");

let production: Deployed;
let preview: Deployed;

beforeAll(async () => {
  production = await deploy("production");
  preview = await deploy("pr-42");
}, 120_000);

describe("the verification queue", () => {
  test("has a dead-letter queue, with more receives than the worker's own attempts", () => {
    const jobs = one(production, "sst.aws.Queue", "VerifyJobs").args;
    const worker = subscription(production, "VerifyJobs").subscriber;
    expect(String(jobs.dlq.queue)).toBe(deadLettersArn);
    expect(jobs.dlq.retry).toBeGreaterThan(Number(worker.environment.VERIFY_MAX_ATTEMPTS));
    expect(Number(worker.environment.VERIFY_MAX_ATTEMPTS)).toBe(5);
  });

  test("keeps a message hidden at least six times the worker's timeout", () => {
    const jobs = one(production, "sst.aws.Queue", "VerifyJobs").args;
    const worker = subscription(production, "VerifyJobs").subscriber;
    expect(seconds(jobs.visibilityTimeout)).toBeGreaterThanOrEqual(6 * seconds(worker.timeout));
  });

  test("both queues are encrypted at rest", () => {
    for (const name of ["VerifyJobs", "VerifyDeadLetters"])
      expect(one(production, "sst.aws.Queue", name).args.transform.queue.sqsManagedSseEnabled).toBe(true);
  });

  test("the worker reports partial batch failures, and so does the dead-letter worker", () => {
    for (const [queue, handler] of [
      ["VerifyJobs", "verify"],
      ["VerifyDeadLetters", "dead-letter"],
    ] as const) {
      const { subscriber, batch } = subscription(production, queue);
      expect(batch.partialResponses).toBe(true);
      expect(batch.size).toBeGreaterThanOrEqual(1);
      expect(batch.size).toBeLessThanOrEqual(10);
      expect(subscriber.bundle).toBe(join(root, "dist", handler));
    }
  });

  test("the worker may hand a message back to the queue (its backoff)", () => {
    const worker = statements(subscription(production, "VerifyJobs").subscriber, "VerifyJobs");
    expect(actions(on(worker, jobsArn))).toContain("sqs:ChangeMessageVisibility");
  });

  test("the worker may send a job held for Railway's rate limit to its own queue again", () => {
    const worker = statements(subscription(production, "VerifyJobs").subscriber, "VerifyJobs");
    expect(actions(on(worker, jobsArn))).toContain("sqs:SendMessage");
  });
});

describe("the secret sync queue", () => {
  test("has its own dead-letter queue, worker and alarm; both queues encrypted, the message hidden 6× the worker's timeout", () => {
    const jobs = one(production, "sst.aws.Queue", "SyncJobs").args;
    const worker = subscription(production, "SyncJobs");
    expect(String(jobs.dlq.queue)).toBe(arn("sst.aws.Queue", "SyncDeadLetters"));
    expect(jobs.dlq.retry).toBeGreaterThan(5);
    expect(seconds(jobs.visibilityTimeout)).toBeGreaterThanOrEqual(6 * seconds(worker.subscriber.timeout));
    for (const name of ["SyncJobs", "SyncDeadLetters"])
      expect(one(production, "sst.aws.Queue", name).args.transform.queue.sqsManagedSseEnabled).toBe(true);
    for (const [queue, handler] of [
      ["SyncJobs", "sync"],
      ["SyncDeadLetters", "sync-dead-letter"],
    ] as const) {
      const { subscriber, batch } = subscription(production, queue);
      expect(batch.partialResponses).toBe(true);
      expect(subscriber).toMatchObject({ runtime: "nodejs24.x", architecture: "arm64" });
      expect(subscriber.bundle).toBe(join(root, "dist", handler));
    }
    const alarm = one(production, "aws.cloudwatch.MetricAlarm", "SyncDeadLettersAlarm").args;
    expect(String(alarm.dimensions.QueueName)).toBe("sst.aws.Queue:SyncDeadLetters.nodes.queue.name");
  });

  test("the sync worker opens stored credentials and secrets' data keys only, and sends only to its queue and verification", () => {
    const policy = statements(subscription(production, "SyncJobs").subscriber, "SyncJobs");
    const kms = on(policy, keyArn);
    expect(actions(kms).sort()).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    expect(purposes(kms.find((k) => k.actions.includes("kms:Decrypt"))!)).toEqual([
      "app-connection-credentials",
      "secret-data-key",
    ]);
    expect(purposes(kms.find((k) => k.actions.includes("kms:GenerateDataKey"))!)).toEqual(["secret-data-key"]);
    expect(actions(on(policy, syncJobsArn))).toContain("sqs:ChangeMessageVisibility");
    expect(actions(on(policy, syncJobsArn))).toContain("sqs:SendMessage");
    expect(actions(on(policy, jobsArn))).toEqual(["sqs:SendMessage"]);
    // Its events reach webhooks through the table's stream.
    expect(actions(on(policy, webhookJobsArn))).toEqual([]);
  });

  test("the sync dead-letter worker cannot use the key", () => {
    const policy = statements(subscription(production, "SyncDeadLetters").subscriber, "SyncDeadLetters");
    expect(actions(policy).filter((a) => a.startsWith("kms:"))).toEqual([]);
  });
});

describe("the credentials key", () => {
  test("rotates, and has an alias", () => {
    const key = one(production, "aws.kms.Key", "CredentialsKey");
    expect(key.args.enableKeyRotation).toBe(true);
    expect(String(one(production, "aws.kms.Alias").args.targetKeyId)).toBe("aws.kms.Key:CredentialsKey.keyId");
  });

  test("is what the code finds as Resource.CredentialsKey.id", () => {
    expect(String(one(production, "sst.Linkable", "CredentialsKey").args.properties.id)).toBe(keyArn);
  });
});

describe("the API function", () => {
  const api = () => one(production, "sst.aws.Function", "Api").args;

  test("runs Node 24 on arm64 behind a URL, from its bundle", () => {
    expect(api()).toMatchObject({ runtime: "nodejs24.x", architecture: "arm64", bundle: join(root, "dist/api") });
    expect(api().url).toBeTruthy();
    expect(existsSync(join(root, "dist/api/index.mjs"))).toBe(true);
  });

  test("can encrypt only job tokens, and decrypt only stored credentials, never a queued job", () => {
    const policy = statements(api());
    expect(actions(policy).filter((a) => a.startsWith("kms:"))).toEqual([
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:DescribeKey",
    ]);
    // Seals job tokens and webhook signing secrets (on create and rotate), and opens neither.
    const encrypts = policy.filter((s) => s.actions.includes("kms:Encrypt"));
    for (const e of encrypts) expect(e.resources.map(String)).toEqual([keyArn]);
    expect(encrypts.map(purposes)).toEqual([["verification-job"], ["webhook-secret"]]);
    // GET /:connectionId/projects asks Railway with the stored token while the caller waits.
    const decrypt = policy.find((s) => s.actions.includes("kms:Decrypt"))!;
    expect(decrypt.resources.map(String)).toEqual([keyArn]);
    expect(purposes(decrypt)).toEqual(["app-connection-credentials"]);
  });

  test("may only send to the queues (and read the job queue's attributes, for /health)", () => {
    const policy = statements(api());
    expect(actions(policy).filter((a) => a.startsWith("sqs:"))).toEqual([
      "sqs:SendMessage",
      "sqs:GetQueueAttributes",
      "sqs:SendMessage",
    ]);
    expect(actions(on(policy, jobsArn))).toEqual(["sqs:SendMessage", "sqs:GetQueueAttributes"]);
    expect(actions(on(policy, webhookJobsArn))).toEqual(["sqs:SendMessage"]);
  });
});

describe("the workers", () => {
  test("run Node 24 on arm64", () => {
    for (const queue of ["VerifyJobs", "VerifyDeadLetters"])
      expect(subscription(production, queue).subscriber).toMatchObject({
        runtime: "nodejs24.x",
        architecture: "arm64",
      });
  });

  test("the verification worker opens job tokens and stored credentials, and seals only credentials", () => {
    const policy = statements(subscription(production, "VerifyJobs").subscriber, "VerifyJobs");
    const kms = on(policy, keyArn);
    expect(actions(kms).sort()).toEqual(["kms:Decrypt", "kms:Encrypt"]);
    expect(purposes(kms.find((s) => s.actions.includes("kms:Decrypt"))!)).toEqual([
      "app-connection-credentials",
      "verification-job",
    ]);
    expect(purposes(kms.find((s) => s.actions.includes("kms:Encrypt"))!)).toEqual(["app-connection-credentials"]);
  });

  test("the schedules sweep every 5 minutes, re-verify hourly, sweep the outbox every 15 minutes and reconcile the syncs hourly, with no key and only SendMessage on the jobs (the outbox's sweep also on the webhook and sync jobs; the reconcile only on the maintenance pages)", () => {
    const crons = production.resources.filter((r) => r.type === "sst.aws.Cron");
    expect(crons.map((c) => [c.name, c.args.schedule, c.args.event.task])).toEqual([
      ["SweepStale", "rate(5 minutes)", "sweep"],
      ["Reverify", "rate(1 hour)", "reverify"],
      ["RelayWebhooks", "rate(15 minutes)", "relay-webhooks"],
      ["Reconcile", "rate(1 hour)", "reconcile"],
    ]);
    for (const cron of crons) {
      expect(cron.args.function).toMatchObject({
        runtime: "nodejs24.x",
        architecture: "arm64",
        handler: "index.handler",
      });
      const policy = statements(cron.args.function);
      const sweepsOutbox = cron.name === "RelayWebhooks";
      const reconciles = cron.name === "Reconcile";
      expect(actions(policy).filter((a) => a.startsWith("kms:"))).toEqual([]);
      expect(actions(policy).filter((a) => a.startsWith("sqs:"))).toEqual(
        Array(sweepsOutbox ? 4 : reconciles ? 1 : 2).fill("sqs:SendMessage"),
      );
      // The reconcile's run queues its pages and nothing else; its pages queue the syncs.
      expect(actions(on(policy, jobsArn))).toEqual(reconciles ? [] : ["sqs:SendMessage"]);
      if (reconciles) expect(actions(policy).filter((a) => a.startsWith("dynamodb:"))).toEqual([]);
      expect(actions(on(policy, maintenancePagesArn))).toEqual(["sqs:SendMessage"]);
      // Only the outbox's sweep queues deliveries and syncs (of events the stream left behind).
      expect(actions(on(policy, webhookJobsArn))).toEqual(sweepsOutbox ? ["sqs:SendMessage"] : []);
      expect(actions(on(policy, syncJobsArn))).toEqual(sweepsOutbox ? ["sqs:SendMessage"] : []);
    }
  });

  test("a run's pages run on the maintenance queue, with the schedules' rights and no key", () => {
    const { subscriber, batch } = subscription(production, "MaintenancePages");
    expect(subscriber).toMatchObject({ runtime: "nodejs24.x", architecture: "arm64", timeout: "60 seconds" });
    expect(batch).toMatchObject({ partialResponses: true });
    const policy = statements(subscriber, "MaintenancePages");
    expect(actions(policy).filter((a) => a.startsWith("kms:"))).toEqual([]);
    expect(actions(on(policy, jobsArn))).toEqual(["sqs:SendMessage"]);
    expect(actions(on(policy, maintenancePagesArn))).toEqual(expect.arrayContaining(["sqs:SendMessage"]));
    // A reconcile's page queues the syncs' jobs.
    expect(actions(on(policy, syncJobsArn))).toEqual(["sqs:SendMessage"]);
    // Its own dead-letter queue, after a few receives.
    const queue = one(production, "sst.aws.Queue", "MaintenancePages").args;
    expect(queue.dlq).toMatchObject({ retry: 5 });
  });

  test("the webhook worker opens signing secrets only, on Node 24 and arm64, with partial batch responses", () => {
    const { subscriber, batch } = subscription(production, "WebhookJobs");
    expect(subscriber).toMatchObject({ runtime: "nodejs24.x", architecture: "arm64" });
    expect(batch).toMatchObject({ partialResponses: true });
    const kms = on(statements(subscriber, "WebhookJobs"), keyArn);
    expect(actions(kms)).toEqual(["kms:Decrypt"]);
    expect(purposes(kms[0]!)).toEqual(["webhook-secret"]);
  });

  test("the stream relay gets only outbox inserts, reports partial batch failures and may only queue webhook and sync jobs", () => {
    const table = one(production, "sst.aws.Dynamo", "Table").args;
    expect(table.stream).toBe("new-image");
    const { subscriberName, subscriber, filters, transform } = one(
      production,
      "sst.aws.Dynamo.subscribe",
      "Table",
    ).args;
    expect(subscriberName).toBe("StreamRelay");
    expect(subscriber).toMatchObject({
      runtime: "nodejs24.x",
      architecture: "arm64",
      bundle: join(root, "dist/stream"),
    });
    expect(filters).toEqual([{ eventName: ["INSERT"], dynamodb: { NewImage: { type: { S: ["webhook-event"] } } } }]);
    const mapping: any = {};
    transform.eventSourceMapping(mapping);
    expect(mapping.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(mapping.maximumRetryAttempts).toBeGreaterThan(0);
    const policy = statements(subscriber);
    expect(actions(policy).filter((a) => a.startsWith("kms:"))).toEqual([]);
    expect(actions(policy).filter((a) => a.startsWith("sqs:"))).toEqual(["sqs:SendMessage", "sqs:SendMessage"]);
    expect(actions(on(policy, webhookJobsArn))).toEqual(["sqs:SendMessage"]);
    // A secret's change queues the syncs that watch its folder.
    expect(actions(on(policy, syncJobsArn))).toEqual(["sqs:SendMessage"]);
  });

  test("the dead-letter worker cannot use the key", () => {
    const policy = statements(subscription(production, "VerifyDeadLetters").subscriber, "VerifyDeadLetters");
    expect(actions(policy).filter((a) => a.startsWith("kms:"))).toEqual([]);
  });
});

describe("the secrets function", () => {
  const fn = () => one(production, "sst.aws.Function", "Secrets").args;

  test("runs Node 24 on arm64 from its bundle, behind the one URL with the API", () => {
    expect(fn()).toMatchObject({ runtime: "nodejs24.x", architecture: "arm64", bundle: join(root, "dist/secrets") });
    const routes = production.resources.filter((r) => r.type === "sst.aws.Router.route").map((r) => r.args);
    expect(one(production, "sst.aws.Router", "Url")).toBeTruthy();
    expect(routes).toEqual([
      { pattern: "/", url: "sst.aws.Function:Api.url" },
      { pattern: "/api/v3/secrets", url: "sst.aws.Function:Secrets.url" },
      { pattern: "/api/v2/secret-imports", url: "sst.aws.Function:Secrets.url" },
      { pattern: "/api/v1/auth", url: "sst.aws.Function:Secrets.url" },
      { pattern: "/api/v1/secret-syncs", url: "sst.aws.Function:Secrets.url" },
      { pattern: "/openapi/secrets.json", url: "sst.aws.Function:Secrets.url" },
      { pattern: "/console/secrets", url: "sst.aws.Function:Console.url" },
      { pattern: "/console/projects", url: "sst.aws.Function:Console.url" },
      { pattern: "/console/syncs", url: "sst.aws.Function:Console.url" },
    ]);
    expect(one(production, "sst.aws.Function", "Console").args).toMatchObject({
      runtime: "nodejs24.x",
      architecture: "arm64",
      bundle: join(root, "dist/console"),
    });
  });

  // The console's Secrets and sync pages, a function of their own, may do what the secrets API does.
  const both = () => [fn(), one(production, "sst.aws.Function", "Console").args];

  test("generates and unwraps only secrets' data keys, and encrypts nothing with the key itself", () => {
    for (const f of both()) {
      const kms = statements(f).filter((s) => s.actions.some((a) => a.startsWith("kms:")));
      expect(kms.map((s) => s.actions)).toEqual([["kms:GenerateDataKey"], ["kms:Decrypt"]]);
      for (const s of kms) {
        expect(s.resources.map(String)).toEqual([keyArn]);
        expect(purposes(s)).toEqual(["secret-data-key"]);
      }
    }
    // No other function may unwrap a secrets' data key.
    for (const other of [
      one(production, "sst.aws.Function", "Api").args,
      subscription(production, "VerifyJobs").subscriber,
      subscription(production, "WebhookJobs").subscriber,
    ])
      for (const s of statements(other)) expect(purposes(s) ?? []).not.toContain("secret-data-key");
  });

  test("may send only sync jobs (the sync routes); its writes' events reach webhooks through the stream", () => {
    for (const f of both()) {
      const policy = statements(f);
      expect(actions(policy).filter((a) => a.startsWith("sqs:"))).toEqual(["sqs:SendMessage"]);
      expect(actions(on(policy, webhookJobsArn))).toEqual([]);
      expect(actions(on(policy, syncJobsArn))).toEqual(["sqs:SendMessage"]);
    }
  });
});

describe("every function's policy", () => {
  const functions = (d: Deployed) => [
    statements(one(d, "sst.aws.Function", "Api").args),
    statements(one(d, "sst.aws.Function", "Secrets").args),
    statements(one(d, "sst.aws.Function", "Console").args),
    statements(subscription(d, "VerifyJobs").subscriber, "VerifyJobs"),
    statements(subscription(d, "VerifyDeadLetters").subscriber, "VerifyDeadLetters"),
    ...d.resources.filter((r) => r.type === "sst.aws.Cron").map((r) => statements(r.args.function)),
    statements(subscription(d, "WebhookJobs").subscriber, "WebhookJobs"),
    statements(subscription(d, "SyncJobs").subscriber, "SyncJobs"),
    statements(subscription(d, "SyncDeadLetters").subscriber, "SyncDeadLetters"),
    statements(one(d, "sst.aws.Dynamo.subscribe", "Table").args.subscriber),
  ];

  test("only the stream relay, the outbox's sweep and the API (a redelivery) may send to the webhook queue", () => {
    const senders = (d: Deployed) =>
      [
        ["Api", one(d, "sst.aws.Function", "Api").args],
        ["Secrets", one(d, "sst.aws.Function", "Secrets").args],
        ["Console", one(d, "sst.aws.Function", "Console").args],
        ...["VerifyJobs", "VerifyDeadLetters", "WebhookJobs", "SyncJobs", "SyncDeadLetters", "MaintenancePages"].map(
          (queue) => [queue, subscription(d, queue).subscriber],
        ),
        ...d.resources.filter((r) => r.type === "sst.aws.Cron").map((r) => [r.name, r.args.function]),
        ["StreamRelay", one(d, "sst.aws.Dynamo.subscribe", "Table").args.subscriber],
      ]
        .filter(([, fn]) => actions(on(statements(fn), webhookJobsArn)).includes("sqs:SendMessage"))
        .map(([name]) => name);
    for (const stage of [production, preview]) expect(senders(stage)).toEqual(["Api", "RelayWebhooks", "StreamRelay"]);
  });

  test("names only this app's resources, never `*`", () => {
    const resources = functions(production).flatMap((p) => p.flatMap((s) => s.resources.map(String)));
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources) {
      expect(r).not.toBe("*");
      // An ARN output of a resource defined here; `/*` only for the table's own indexes.
      expect(r).toMatch(/^[\w.]+:\w+\.arn$|^sst\.aws\.Dynamo:Table\.arn\/\*$/);
    }
  });

  test("has no wildcard action but the table link's own", () => {
    for (const policy of functions(production))
      for (const s of policy.filter((s) => s.actions.some((a) => a.includes("*"))))
        expect(s).toMatchObject({
          actions: ["dynamodb:*"],
          resources: [arn("sst.aws.Dynamo", "Table"), `${arn("sst.aws.Dynamo", "Table")}/*`],
        });
  });

  test("links only the resources the code reads, with the properties it reads", () => {
    const links = [
      ...one(production, "sst.aws.Function", "Api").args.link,
      ...one(production, "sst.aws.Function", "Secrets").args.link,
      ...one(production, "sst.aws.Function", "Console").args.link,
      ...subscription(production, "VerifyJobs").subscriber.link,
      ...subscription(production, "VerifyDeadLetters").subscriber.link,
      ...subscription(production, "SyncJobs").subscriber.link,
      ...subscription(production, "SyncDeadLetters").subscriber.link,
      ...production.resources.filter((r) => r.type === "sst.aws.Cron").flatMap((r) => r.args.function.link),
    ].map((l: any) => Object.keys(l.getSSTLink().properties).join(","));
    expect(new Set(links)).toEqual(new Set(["name", "url", "id", "value"]));
    const names = production.resources
      .filter((r) => r.type === "sst.Linkable" || r.type === "sst.aws.Dynamo")
      .map((r) => r.name)
      .sort();
    expect(names).toEqual([
      "CredentialsKey",
      "CursorKey",
      "MaintenanceQueue",
      "SyncQueue",
      "Table",
      "VerifyQueue",
      "WebhookQueue",
    ]);
  });
});

describe("the cursor key", () => {
  test("is 32 random bytes made by the stage, what the code finds as Resource.CursorKey.value", () => {
    for (const stage of [production, preview]) {
      expect(one(stage, "random.RandomBytes", "CursorKeyBytes").args).toEqual({ length: 32 });
      expect(String(one(stage, "sst.Linkable", "CursorKey").args.properties.value)).toBe(
        "random.RandomBytes:CursorKeyBytes.base64",
      );
    }
  });

  test("is linked to the API, the one function that pages, and to no other", () => {
    const named = (fn: any) => (fn.link ?? []).map((l: any) => l.getSSTLink().properties);
    const api = one(production, "sst.aws.Function", "Api").args;
    expect(named(api).map((p: any) => String(p.value))).toContain("random.RandomBytes:CursorKeyBytes.base64");
    const others = [
      subscription(production, "VerifyJobs").subscriber,
      subscription(production, "VerifyDeadLetters").subscriber,
      subscription(production, "WebhookJobs").subscriber,
      ...production.resources.filter((r) => r.type === "sst.aws.Cron").map((r) => r.args.function),
    ];
    for (const fn of others) expect(named(fn).some((p: any) => "value" in p)).toBe(false);
  });
});

describe("the table", () => {
  test("has the keys, the listing index, TTL and point-in-time recovery", () => {
    const table = one(production, "sst.aws.Dynamo", "Table").args;
    expect(table.primaryIndex).toEqual({ hashKey: "pk", rangeKey: "sk" });
    expect(table.globalIndexes.gsi1).toEqual({ hashKey: "gsi1pk", rangeKey: "gsi1sk", projection: "all" });
    for (const field of ["pk", "sk", "gsi1pk", "gsi1sk"]) expect(table.fields[field]).toBe("string");
    expect(table.ttl).toBe("expiresAt");
    const args: any = {};
    table.transform.table(args);
    expect(args.pointInTimeRecovery).toEqual({ enabled: true });
  });
});

describe("stages", () => {
  test("production is protected and keeps its data", () => {
    expect(production.app).toMatchObject({ protect: true, removal: "retain" });
    expect(one(production, "sst.aws.Dynamo", "Table").args.deletionProtection).toBe(true);
    expect(one(production, "aws.kms.Key", "CredentialsKey").opts.retainOnDelete).toBe(true);
  });

  test("any other stage is removed whole", () => {
    expect(preview.app).toMatchObject({ protect: false, removal: "remove" });
    expect(one(preview, "sst.aws.Dynamo", "Table").args.deletionProtection).toBe(false);
    expect(one(preview, "aws.kms.Key", "CredentialsKey").opts.retainOnDelete).toBe(false);
  });
});

test("an alarm fires when a dead-letter queue (verification, sync, maintenance) holds a message, and notifies", () => {
  for (const [name, queue] of [
    ["VerifyDeadLettersAlarm", "VerifyDeadLetters"],
    ["SyncDeadLettersAlarm", "SyncDeadLetters"],
    ["MaintenanceDeadLettersAlarm", "MaintenanceDeadLetters"],
  ]) {
    const alarm = one(production, "aws.cloudwatch.MetricAlarm", name).args;
    expect(alarm).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
    });
    expect(String(alarm.dimensions.QueueName)).toBe(`sst.aws.Queue:${queue}.nodes.queue.name`);
    expect(alarm.alarmActions.map(String)).toEqual(["sst.aws.SnsTopic:Alerts.arn"]);
  }
  expect(production.resources.filter((r) => r.type === "aws.cloudwatch.MetricAlarm")).toHaveLength(3);
});

test("the stack outputs the API's URL, and the one URL that serves the API and the secrets API", () => {
  expect(String(production.outputs.api)).toBe("sst.aws.Function:Api.url");
  expect(String(production.outputs.url)).toBe("sst.aws.Router:Url.url");
});
