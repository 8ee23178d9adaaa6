import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  validate,
} from "graphql";
import { z } from "zod";
import { callerFrom } from "./access.ts";
import { seedDemo } from "./demo.ts";
import { fieldResolver, Rejected, rootValue, schema } from "./schema.ts";
import {
  type Deployment,
  type DeploymentStatus,
  type Named,
  type RailwayDeployment,
  type SharedDeploys,
  type VariableScope,
  World,
} from "./world.ts";

/**
 * How a credential failure reaches the client. Railway's HTTP status for it is undocumented, so
 * clients must cope with each: `graphql-200` is what Railway's CLI test stub models.
 */
export type RejectionStyle = "graphql-200" | "http-401" | "http-403" | "null-data";

export interface BehaviourOptions {
  rejection: RejectionStyle;
  /** Added before every answer. */
  latencyMs: number;
  /** Requests per hour per credential (the headers' values); over it, 429 with Retry-After. */
  rateLimit?: { perHour: number } | undefined;
  /** Faults drawn at random for requests with no queued fault: each `rate` is a probability (0..1). */
  randomFaults?: Array<{ rate: number; fault: Fault }> | undefined;
}

export interface StartOptions extends Partial<BehaviourOptions> {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Build the fixed demo world (see `Demo`). */
  seedDemo?: boolean;
}

/** A token's own request budget (see `limitToken`). */
export type TokenBudget = { requests: number; windowMs: number };

/** One-shot faults, applied in order, one per incoming request. */
export type Fault =
  | { type: "status"; status: number; body?: string }
  | { type: "rateLimited"; retryAfter: number }
  | { type: "delay"; ms: number }
  | { type: "hang" }
  | { type: "drop" };

export interface StandinRequest {
  method: string;
  path: string;
  authorization?: string;
  projectAccessToken?: string;
  query: string;
  variables?: unknown;
  operationName?: string;
  /** Top-level fields the operation selects, fragments expanded (e.g. ["me"]); empty unless it was valid and got as far as execution. */
  fields: string[];
  /** The HTTP status answered; 0 while unanswered or when the fault sent none (hang, drop). */
  status: number;
  /** When it arrived (ms since the epoch). */
  at: number;
}

const ENDPOINT = "/graphql/v2";
const HOUR_MS = 60 * 60 * 1000;
const MAX_BODY_BYTES = 1024 * 1024;

const Body = z.object({
  query: z.string(),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().nullish(),
});

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/** An offline Railway GraphQL API over real HTTP. See this package's README. */
export class RailwayStandin {
  readonly url: string;
  readonly requests: StandinRequest[] = [];
  private world = new World();
  private options: BehaviourOptions;
  private faults: Fault[] = [];
  private readonly rateWindows = new Map<string, { endsAt: number; count: number }>();
  private readonly tokenBudgets = new Map<string, TokenBudget>();
  private readonly closing = new AbortController();

  private constructor(
    private readonly server: Server,
    url: string,
    private readonly startOptions: StartOptions,
  ) {
    this.url = url;
    this.options = RailwayStandin.behaviour(startOptions);
    if (startOptions.seedDemo) seedDemo(this.world);
  }

  static async start(options: StartOptions = {}): Promise<RailwayStandin> {
    const host = options.host ?? "127.0.0.1";
    let standin: RailwayStandin | undefined;
    const server = createServer((req, res) => {
      standin?.handle(req, res).catch((error: unknown) => {
        console.error("railway-standin: request failed", error);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const urlHost = host.includes(":") ? `[${host}]` : host;
    standin = new RailwayStandin(server, `http://${urlHost}:${port}${ENDPOINT}`, options);
    return standin;
  }

  private static behaviour(options: Partial<BehaviourOptions>): BehaviourOptions {
    return {
      rejection: options.rejection ?? "graphql-200",
      latencyMs: options.latencyMs ?? 0,
      rateLimit: options.rateLimit,
      randomFaults: options.randomFaults,
    };
  }

  // ---- world building ----

  /** `name: null` makes a user without a name, as Railway allows. */
  addUser(user: { name?: string | null; email?: string } = {}) {
    const id = randomUUID();
    const created = this.world.addUser({
      id,
      name: user.name === undefined ? `User ${this.world.users.size + 1}` : user.name,
      email: user.email ?? `user-${id.slice(0, 8)}@example.com`,
    });
    return { ...created, accountToken: this.createAccountToken(id) };
  }

  /** A workspace with the user as its member, and a workspace token for it. */
  addWorkspace(userId: string, workspace: { name?: string } = {}) {
    const { id, name } = this.world.addWorkspace({
      id: randomUUID(),
      name: workspace.name ?? `Workspace ${this.world.workspaces.size + 1}`,
      memberIds: [userId],
    });
    return { id, name, workspaceToken: this.createWorkspaceToken(id) };
  }

  /**
   * Environments default to ["production"], as in a new Railway project; services to none. Each
   * service has one successful deployment in every environment, unless it is named in `undeployed`.
   */
  addProject(
    workspaceId: string,
    project: { name?: string; environments?: string[]; services?: string[]; undeployed?: string[] } = {},
  ) {
    const named = (name: string): Named => ({ id: randomUUID(), name });
    const { id, name, environments, services } = this.world.addProject({
      id: randomUUID(),
      name: project.name ?? `project-${this.world.projects.size + 1}`,
      workspaceId,
      environments: (project.environments ?? ["production"]).map(named),
      services: (project.services ?? []).map(named),
    });
    for (const service of services) {
      if (project.undeployed?.includes(service.name)) continue;
      for (const environment of environments) {
        this.world.addDeployment({ projectId: id, environmentId: environment.id, serviceId: service.id });
      }
    }
    return { id, name, workspaceId, environments: [...environments], services: [...services] };
  }

  createAccountToken(userId: string): string {
    return this.world.addToken(randomUUID(), { kind: "account", userId });
  }

  createWorkspaceToken(workspaceId: string): string {
    return this.world.addToken(randomUUID(), { kind: "workspace", workspaceId });
  }

  createProjectToken(projectId: string, environmentId: string): string {
    return this.world.addToken(randomUUID(), { kind: "project", projectId, environmentId });
  }

  /**
   * Gives one token a request budget of its own: `requests` per window of `windowMs` (from its
   * first request), answered with Railway's rate-limit headers, and 429 with Retry-After past it.
   */
  limitToken(token: string, budget: TokenBudget): void {
    this.tokenBudgets.set(token, budget);
  }

  revokeToken(token: string): void {
    this.world.tokens.delete(token);
  }

  /** Sets variables directly (merging, no redeploy), e.g. ones "the user manages by hand". */
  setVariables(scope: VariableScope, variables: Record<string, string>): void {
    if (!this.world.resolveScope(scope)) throw new Error("no such project, environment or service");
    this.world.writeVariables(scope, variables, { skipDeploys: true });
  }

  /** Variables as stored, references unrendered; a sealed one's value too (which `variables` answers as null). */
  getVariables(scope: VariableScope): Record<string, string> {
    return this.world.storedVariables(scope, { unrendered: true });
  }

  /**
   * Seals existing variables, as a person does in Railway's dashboard: `variables` answers `null`
   * for them from then on. Railway's API has no mutation for it (only `Variable.isSealed`).
   */
  sealVariables(scope: VariableScope, names: string[]): void {
    if (!this.world.resolveScope(scope)) throw new Error("no such project, environment or service");
    this.world.seal(scope, names);
  }

  /** The names sealed in a scope, sorted. */
  sealedVariables(scope: VariableScope): string[] {
    return [...this.world.sealedIn(scope)].sort();
  }

  /** Which services a change to shared variables without `skipDeploys` redeploys (see `SharedDeploys`); reset restores the default. */
  setSharedDeploys(mode: SharedDeploys): void {
    this.world.sharedDeploys = mode;
  }

  /**
   * Deploys that requests started, in order: one per affected (deployed) service for a variable
   * change without `skipDeploys: true` (always for `variableDelete`), one per `deploymentRedeploy`.
   */
  get deployments(): readonly Deployment[] {
    return this.world.deployments;
  }

  /** Seeds a deployment (no deploy is counted), e.g. a failed one on top of a successful one. */
  addDeployment(at: Deployment, options: { status?: DeploymentStatus } = {}): RailwayDeployment {
    return { ...this.world.addDeployment(at, options.status) };
  }

  /** A service's deployments in one environment, newest first. */
  listDeployments(at: Deployment): RailwayDeployment[] {
    return this.world.deploymentsOf(at).map((d) => ({ ...d }));
  }

  /** How many requests executed an operation selecting this top-level field (e.g. "variableDelete"). */
  count(field: string): number {
    return this.requests.filter((r) => r.fields.includes(field)).length;
  }

  // ---- behaviour ----

  setOptions(options: Partial<BehaviourOptions>): void {
    this.options = { ...this.options, ...options };
  }

  injectFaults(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Back to how it started: the world (re-seeded if `seedDemo`), options, faults, request log, rate counters. */
  reset(): void {
    this.world = new World();
    if (this.startOptions.seedDemo) seedDemo(this.world);
    this.options = RailwayStandin.behaviour(this.startOptions);
    this.faults = [];
    this.requests.length = 0;
    this.rateWindows.clear();
    this.tokenBudgets.clear();
  }

  async close(): Promise<void> {
    this.closing.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ---- HTTP ----

  private randomFault(): Fault | undefined {
    let draw = Math.random();
    for (const { rate, fault } of this.options.randomFaults ?? []) {
      if (draw < rate) return fault;
      draw -= rate;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = this.faults.shift() ?? this.randomFault();
    const record: StandinRequest = {
      method: req.method ?? "",
      path: (req.url ?? "").split("?")[0] ?? "",
      authorization: headerOf(req, "authorization"),
      projectAccessToken: headerOf(req, "project-access-token"),
      query: "",
      fields: [],
      status: 0,
      at: Date.now(),
    };
    this.requests.push(record);
    const parsedBody = Body.safeParse(parseJson(await readBody(req)));
    if (parsedBody.success) {
      record.query = parsedBody.data.query;
      record.variables = parsedBody.data.variables ?? undefined;
      record.operationName = parsedBody.data.operationName ?? undefined;
    }

    if (!(await this.wait(this.options.latencyMs))) return;
    if (fault?.type === "delay" && !(await this.wait(fault.ms))) return;
    if (fault?.type === "drop") return void req.socket.destroy();
    if (fault?.type === "hang") {
      await this.wait(Number.POSITIVE_INFINITY);
      return void req.socket.destroy();
    }
    if (fault?.type === "status") {
      const text = fault.body ?? `${fault.status} error`;
      return this.send(res, record, { status: fault.status, body: text });
    }
    if (fault?.type === "rateLimited") {
      const limit = this.options.rateLimit?.perHour;
      return this.send(
        res,
        record,
        tooManyRequests({
          "Retry-After": String(fault.retryAfter),
          ...(limit === undefined ? {} : { "X-RateLimit-Limit": String(limit) }),
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": String(Math.ceil(Date.now() / 1000) + fault.retryAfter),
        }),
      );
    }

    if (record.path !== ENDPOINT) return this.send(res, record, errorReply(404, "Not Found"));
    const rate =
      this.countTokenBudget(record) ??
      this.countRate(`${record.authorization ?? ""}\n${record.projectAccessToken ?? ""}`);
    if (rate?.limited) return this.send(res, record, tooManyRequests(rate.headers));
    const reply = await this.graphql(req, record, parsedBody);
    this.send(res, record, { ...reply, headers: { ...rate?.headers, ...reply.headers } });
  }

  private async graphql(
    req: IncomingMessage,
    record: StandinRequest,
    parsedBody: ReturnType<typeof Body.safeParse>,
  ): Promise<Reply> {
    if (req.method !== "POST") return errorReply(400, "Use POST with a JSON body");
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
      return errorReply(400, "Content-Type must be application/json");
    }
    if (!parsedBody.success) {
      return errorReply(400, 'Body must be JSON: {"query": "...", "variables"?: {...}, "operationName"?: "..."}');
    }
    let document: DocumentNode;
    try {
      document = parse(parsedBody.data.query);
    } catch (error) {
      return { status: 400, body: { errors: [error instanceof GraphQLError ? error : { message: String(error) }] } };
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return { status: 400, body: { errors: invalid } };
    record.fields = topLevelFields(document, record.operationName);

    const result: ExecutionResult = await execute({
      schema,
      document,
      rootValue: rootValue(this.world, callerFrom(this.world, record)),
      fieldResolver,
      variableValues: parsedBody.data.variables ?? undefined,
      operationName: record.operationName,
    });
    // No `data` at all means the request itself was bad (variables that don't fit, unknown operation).
    if (!("data" in result)) {
      record.fields = [];
      return { status: 400, body: result };
    }
    const rejected = result.errors?.some((e) => e.originalError instanceof Rejected) ?? false;
    if (!rejected) return { status: 200, body: result };
    switch (this.options.rejection) {
      case "graphql-200":
        return { status: 200, body: result };
      case "http-401":
        return { status: 401, body: { errors: result.errors } };
      case "http-403":
        return { status: 403, body: { errors: result.errors } };
      case "null-data":
        return { status: 200, body: { data: null } };
    }
  }

  private countTokenBudget(record: StandinRequest) {
    const token = record.projectAccessToken ?? record.authorization?.replace(/^Bearer /, "");
    const budget = token === undefined ? undefined : this.tokenBudgets.get(token);
    if (!budget || token === undefined) return undefined;
    return this.countWindow(`budget\n${token}`, budget.requests, budget.windowMs);
  }

  private countRate(key: string): { limited: boolean; headers: Record<string, string> } | undefined {
    const limit = this.options.rateLimit?.perHour;
    if (limit === undefined) return undefined;
    return this.countWindow(key, limit, HOUR_MS);
  }

  private countWindow(key: string, limit: number, windowMs: number) {
    const now = Date.now();
    let window = this.rateWindows.get(key);
    if (!window || now >= window.endsAt) {
      window = { endsAt: now + windowMs, count: 0 };
      this.rateWindows.set(key, window);
    }
    window.count += 1;
    const limited = window.count > limit;
    // Railway documents neither the reset header's format nor its presence; this uses epoch seconds.
    const headers: Record<string, string> = {
      "X-RateLimit-Limit": String(limit),
      "X-RateLimit-Remaining": String(Math.max(0, limit - window.count)),
      "X-RateLimit-Reset": String(Math.ceil(window.endsAt / 1000)),
    };
    if (limited) headers["Retry-After"] = String(Math.max(1, Math.ceil((window.endsAt - now) / 1000)));
    return { limited, headers };
  }

  /** Resolves false when the stand-in closed meanwhile. */
  private async wait(ms: number): Promise<boolean> {
    if (this.closing.signal.aborted) return false;
    if (ms <= 0) return true;
    if (ms === Number.POSITIVE_INFINITY) {
      await new Promise((resolve) => this.closing.signal.addEventListener("abort", resolve, { once: true }));
      return false;
    }
    return sleep(ms, true, { signal: this.closing.signal }).catch(() => false);
  }

  private send(res: ServerResponse, record: StandinRequest, reply: Reply): void {
    record.status = reply.status;
    if (res.destroyed) return;
    const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      "Content-Type": typeof reply.body === "string" ? "text/plain; charset=utf-8" : "application/json",
      ...reply.headers,
    });
    res.end(text);
  }
}

function errorReply(status: number, message: string): Reply {
  return { status, body: { errors: [{ message }] } };
}

function tooManyRequests(headers: Record<string, string>): Reply {
  return { ...errorReply(429, "Rate limit exceeded"), headers };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function topLevelFields(document: DocumentNode, operationName: string | undefined): string[] {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation =
    operationName === undefined
      ? operations.length === 1
        ? operations[0]
        : undefined
      : operations.find((o) => o.name?.value === operationName);
  if (!operation) return [];
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const fields = new Set<string>();
  const expanded = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!expanded.has(selection.name.value)) {
        expanded.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return [...fields];
}
