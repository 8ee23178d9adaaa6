/** Railway's public GraphQL API: verifying tokens of each kind, and listing what a token reaches. */
import { AsyncLocalStorage } from "node:async_hooks";
import * as z from "zod/mini";
import * as Env from "../env/index.ts";

export const Method = z.enum(["team-token", "account-token", "project-token"]);
export type Method = z.infer<typeof Method>;

const Named = z.object({ id: z.string(), name: z.string() });

export const Identity = z
  .object({
    // Railway's User.name is nullable (an account signed up by email may have none).
    account: z.optional(z.object({ id: z.string(), name: z.nullable(z.string()), email: z.nullable(z.string()) })),
    workspaces: z.optional(z.array(Named)),
    project: z.optional(Named),
    environment: z.optional(Named),
  })
  .check(z.meta({ description: "Non-secret facts Railway reported about what the token reaches." }));
export type Identity = z.infer<typeof Identity>;

export type Verdict = { ok: true; identity: Identity } | { ok: false; message: string };

/** Railway could not give an answer (network, timeout, 5xx, 429): try again later. */
export class Unreachable extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "RailwayUnreachable";
  }
}

/**
 * Railway answered 429, or the job already knows its token's budget is spent: nothing is sent
 * until `until` (an ISO time). A held job waits for it without spending one of its attempts.
 */
export class RateLimited extends Unreachable {
  constructor(
    readonly until: string,
    retryAfterSeconds?: number,
  ) {
    super("Railway's rate limit was reached", retryAfterSeconds);
    this.name = "RailwayRateLimited";
  }
}

/** What one answer said about its token's request budget (times in ms since the epoch). */
export type Budget = { status: number; limit?: number; remaining?: number; resetAt?: number; retryAt?: number };

const count = (text: string | null) => {
  const n = text === null || text.trim() === "" ? Number.NaN : Number(text);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
};

/**
 * The rate-limit headers of an answer. `Retry-After` is whole seconds (Railway's CLI relies on
 * it), or an HTTP date as HTTP allows. `X-RateLimit-Reset`'s format is undocumented: a number
 * above 10¹² is read as epoch milliseconds, above 10⁹ as epoch seconds, else as seconds from
 * now; anything else as a date.
 */
export function budgetOf(header: (name: string) => string | null, status: number, now = Date.now()): Budget {
  const date = (text: string | null) => {
    const at = text ? Date.parse(text) : Number.NaN;
    return Number.isFinite(at) ? at : undefined;
  };
  const resetText = header("x-ratelimit-reset");
  const reset = count(resetText);
  const retryText = header("retry-after");
  const retryAfter = count(retryText);
  const budget: Budget = {
    status,
    limit: count(header("x-ratelimit-limit")),
    remaining: count(header("x-ratelimit-remaining")),
    resetAt:
      reset === undefined ? date(resetText) : reset > 1e12 ? reset : reset > 1e9 ? reset * 1000 : now + reset * 1000,
    retryAt: retryAfter === undefined ? date(retryText) : retryAfter > 0 ? now + retryAfter * 1000 : undefined,
  };
  for (const k of Object.keys(budget) as Array<keyof Budget>) if (budget[k] === undefined) delete budget[k];
  return budget;
}

/**
 * Watches the requests of one job (AsyncLocalStorage, so that every client of Railway's API is
 * covered without passing it through): `before` may refuse a request (throwing RateLimited) when
 * the job knows its budget is spent; `after` sees each answer's budget.
 */
export interface Meter {
  before(): void;
  after(budget: Budget): Promise<void>;
}
const meters = /* @__PURE__ */ new AsyncLocalStorage<Meter>();
export const metered = <T>(meter: Meter, work: () => Promise<T>): Promise<T> => meters.run(meter, work);

const label: Record<Method, string> = {
  "account-token": "account token",
  "team-token": "workspace (team) token",
  "project-token": "project token",
};

const withArticle = (method: Method) => `${method === "account-token" ? "an" : "a"} ${label[method]}`;

const whereToCreate: Record<Method, string> = {
  "account-token": 'create one under Account Settings → Tokens with "No workspace" selected',
  "team-token": "create one under Account Settings → Tokens with the workspace selected",
  "project-token": "create one under Project → Settings → Tokens for the environment to connect",
};

// biome-ignore lint/suspicious/noExplicitAny: Railway's answers are read defensively with optional chaining.
type Data = any;

const checks: Record<Method, { query: string; identity: (data: Data) => Identity | undefined }> = {
  "account-token": {
    query: "query VerifyAccountToken { me { id name email workspaces { id name } } }",
    identity: (d) =>
      d.me?.id
        ? {
            account: { id: d.me.id, name: d.me.name ?? null, email: d.me.email ?? null },
            workspaces: d.me.workspaces?.map(named) ?? [],
          }
        : undefined,
  },
  "team-token": {
    query: "query VerifyWorkspaceToken { apiToken { workspaces { id name } } }",
    identity: (d) => (d.apiToken?.workspaces?.length ? { workspaces: d.apiToken.workspaces.map(named) } : undefined),
  },
  "project-token": {
    query:
      "query VerifyProjectToken { projectToken { projectId environmentId project { id name } environment { id name } } }",
    identity: (d) =>
      d.projectToken?.projectId
        ? { project: named(d.projectToken.project), environment: named(d.projectToken.environment) }
        : undefined,
  },
};

const named = (x: { id: string; name: string }) => ({ id: x.id, name: x.name });

export const apiUrl = () => process.env.RAILWAY_API_URL || "https://backboard.railway.com/graphql/v2";
const timeoutMs = /* @__PURE__ */ Env.number("RAILWAY_TIMEOUT_MS", 10_000);

/** Account and workspace tokens are Bearer tokens; project tokens have a header of their own. */
export const headers = (method: Method, token: string): Record<string, string> =>
  method === "project-token" ? { "Project-Access-Token": token } : { Authorization: `Bearer ${token}` };

type Answer = { ok: true; data: unknown } | { ok: false; reason: string };

/** One GraphQL request. Rejections come back as values; anything that is not an answer throws. */
export async function query(
  method: Method,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
  sent: readonly string[] = [],
): Promise<Answer> {
  const meter = meters.getStore();
  meter?.before();
  let res: Response;
  try {
    res = await fetch(apiUrl(), {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers(method, token) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    throw new Unreachable(
      timedOut ? `Railway did not answer within ${timeoutMs / 1000} s` : "could not connect to Railway's API",
    );
  }
  const now = Date.now();
  const budget = budgetOf((name) => res.headers.get(name), res.status, now);
  await meter?.after(budget);
  if (res.status === 401 || res.status === 403) return { ok: false, reason: `HTTP ${res.status}` };
  if (res.status === 429) {
    const retryAfter = Number(res.headers.get("retry-after"));
    throw new RateLimited(
      new Date(limitedUntil(budget, now)).toISOString(),
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
  if (!res.ok) throw new Unreachable(`Railway answered HTTP ${res.status}`);
  const body = (await res.json().catch(() => undefined)) as
    | { data?: unknown; errors?: Array<{ message?: unknown }> }
    | undefined;
  if (!body || typeof body !== "object") throw new Unreachable("Railway's answer was not JSON");
  const messages = (body.errors ?? []).map((e) => String(e?.message ?? ""));
  const denial = messages.find((m) => /not authorized|project token not found/i.test(m));
  if (denial) return { ok: false, reason: redact(denial, token, sent) };
  if (messages.length > 0 && body.data == null)
    throw new Unreachable(`Railway reported an error: ${redact(messages[0] ?? "", token, sent)}`);
  if (body.data == null) return { ok: false, reason: "no data for this token" };
  return { ok: true, data: body.data };
}

/** Railway gives no time with a 429 (it documents Retry-After on each): the job waits this long. */
export const defaultHoldSeconds = 60;

/** When a 429's budget is back: the later of Retry-After and the reset, or a default wait. */
export const limitedUntil = (budget: Budget, now: number) =>
  budget.retryAt === undefined && (budget.resetAt === undefined || budget.resetAt <= now)
    ? now + defaultHoldSeconds * 1000
    : Math.max(budget.retryAt ?? 0, budget.resetAt ?? 0);

async function check(method: Method, token: string): Promise<Identity | string> {
  const answer = await query(method, token, checks[method].query);
  if (!answer.ok) return answer.reason;
  return checks[method].identity(answer.data) ?? "no data for this token";
}

/**
 * Checks a token as the kind the user chose. When Railway rejects it, the other kinds are
 * probed (one request each) so the message can say which method the token really is.
 */
export async function verifyToken(method: Method, token: string): Promise<Verdict> {
  const result = await check(method, token);
  if (typeof result !== "string") return { ok: true, identity: result };

  for (const other of probeOrder[method]) {
    // A probe Railway does not answer throws like the check itself: the job is tried again
    // later rather than settling without the hint.
    const probe = await check(other, token);
    if (typeof probe !== "string")
      return {
        ok: false,
        message: `Railway rejected this token as ${withArticle(method)}, but it is a valid ${label[other]}. Choose the method "${other}" instead.`,
      };
  }
  return {
    ok: false,
    message: `Railway rejected this ${label[method]} (${result}). Check that it was copied in full and has not been revoked or expired; ${whereToCreate[method]}.`,
  };
}

// Account tokens also pass the workspace check, so `me` is probed first; a Bearer token that
// fails the workspace check cannot pass `me`, so that probe is skipped.
const probeOrder: Record<Method, Method[]> = {
  "account-token": ["team-token", "project-token"],
  "team-token": ["project-token"],
  "project-token": ["account-token", "team-token"],
};

/** Railway refused the token: invalid, revoked, or out of its scope. */
export class Rejected extends Error {
  override name = "RailwayRejected";
}

export const Project = z
  .object({ id: z.string(), name: z.string(), environments: z.array(Named), services: z.array(Named) })
  .check(z.meta({ id: "RailwayProject" }));
export type Project = z.infer<typeof Project>;

const nodes = `edges { node { id name } } pageInfo { hasNextPage endCursor }`;
const projectFields = `id name environments(first: 100) { ${nodes} } services(first: 100) { ${nodes} }`;
type Nodes = {
  edges: Array<{ node: { id: string; name: string } }>;
  pageInfo?: { hasNextPage: boolean; endCursor: string | null };
};

/**
 * Every project the token reaches, with its environments and services, following Railway's
 * pagination: an account token's across all its workspaces, a workspace token's in its
 * workspace, a project token's one project and environment. Throws Rejected or Unreachable.
 */
export async function listProjects(method: Method, token: string): Promise<Project[]> {
  const ask = async (q: string, variables?: Record<string, unknown>): Promise<Data> => {
    const answer = await query(method, token, q, variables);
    if (!answer.ok) throw new Rejected(answer.reason);
    return answer.data;
  };
  const all = async (projectId: string, field: "environments" | "services", page: Nodes) => {
    const found = page.edges.map((e) => named(e.node));
    let info = page.pageInfo;
    while (info?.hasNextPage) {
      const d = await ask(
        `query More($id: String!, $after: String) { project(id: $id) { ${field}(first: 100, after: $after) { ${nodes} } } }`,
        { id: projectId, after: info.endCursor },
      );
      const next: Nodes = d.project[field];
      found.push(...next.edges.map((e) => named(e.node)));
      info = next.pageInfo;
    }
    return found;
  };

  if (method === "project-token") {
    const d = await ask(
      `query { projectToken { project { id name services(first: 100) { ${nodes} } } environment { id name } } }`,
    );
    const { project, environment } = d.projectToken;
    return [
      {
        ...named(project),
        environments: [named(environment)],
        services: await all(project.id, "services", project.services),
      },
    ];
  }

  const workspaces: Array<{ id: string }> =
    method === "account-token"
      ? (await ask("query { me { workspaces { id } } }")).me.workspaces
      : (await ask("query { apiToken { workspaces { id } } }")).apiToken.workspaces;
  const projects: Project[] = [];
  for (const workspace of workspaces) {
    let after: string | null = null;
    do {
      const d = await ask(
        `query Projects($workspaceId: String, $after: String) { projects(workspaceId: $workspaceId, first: 50, after: $after) { edges { node { ${projectFields} } } pageInfo { hasNextPage endCursor } } }`,
        { workspaceId: workspace.id, after },
      );
      for (const { node } of d.projects.edges as Array<{ node: Data }>)
        projects.push({
          ...named(node),
          environments: await all(node.id, "environments", node.environments),
          services: await all(node.id, "services", node.services),
        });
      after = d.projects.pageInfo.hasNextPage ? d.projects.pageInfo.endCursor : null;
    } while (after);
  }
  return projects;
}

/**
 * Railway errors may echo what they were sent (a GraphQL coercion error quotes its input): the
 * token is cut out, and a text that quotes any `sent` value (a secret's) is withheld whole, since
 * a short value cannot be cut out of a sentence reliably.
 */
export const redact = (text: string, token: string, sent: readonly string[] = []) =>
  sent.some((v) => v !== "" && text.includes(v))
    ? "its message quoted a value that was sent, so it is withheld"
    : (token ? text.split(token).join("[redacted]") : text).slice(0, 300);
