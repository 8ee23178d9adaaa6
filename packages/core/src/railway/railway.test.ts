import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as Railway from "./index.ts";

// The timeout is read once, as the module loads.
vi.hoisted(() => {
  process.env.RAILWAY_TIMEOUT_MS = "50";
});

/** Railway's public schema, as the stand-in vendors it: every document sent must be valid against it. */
const schema = buildSchema(
  readFileSync(new URL("../../../railway-standin/schema/railway.graphql", import.meta.url), "utf8"),
);
const problems = (query: string) => {
  try {
    return validate(schema, parse(query)).map((e) => e.message);
  } catch (err) {
    return [String(err)];
  }
};

// Railway's client without a network: each request is answered by the next function in `answers`.
type Sent = { url: string; headers: Record<string, string>; query: string; variables?: Record<string, unknown> };
const TOKEN = "tok-0123456789";
let sent: Sent[];
let answers: Array<(s: Sent) => Response | Promise<Response>>;
let invalid: string[];
const standIns = ["q", "q1", "q2", "q3"];

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const data = (d: unknown) => () => json({ data: d });
const notAuthorized = () => json({ data: null, errors: [{ message: "Not Authorized" }] });

beforeEach(() => {
  sent = [];
  invalid = [];
  answers = [];
  process.env.RAILWAY_API_URL = "http://railway.test/graphql/v2";
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body));
    const s: Sent = {
      url,
      headers: init.headers as Record<string, string>,
      query: body.query,
      variables: body.variables,
    };
    sent.push(s);
    // The client's own documents, not the tests' stand-ins; collected rather than thrown here,
    // where the client would take a throw for a network error. (The end-to-end check against the
    // stand-in is tests/railway-documents.test.ts.)
    if (!standIns.includes(s.query)) invalid.push(...problems(s.query).map((p) => `${s.query}: ${p}`));
    const next = answers.shift();
    if (!next) throw new Error(`unexpected request: ${body.query}`);
    return next(s);
  });
});
afterEach(() => {
  expect(invalid).toEqual([]);
  vi.unstubAllGlobals();
  delete process.env.RAILWAY_API_URL;
});

describe("one request", () => {
  it("goes to RAILWAY_API_URL as JSON, Bearer for account and workspace tokens, its own header for project tokens", async () => {
    answers.push(data({}), data({}), data({}));
    await Railway.query("account-token", "t1", "q1", { x: 1 });
    await Railway.query("team-token", "t2", "q2");
    await Railway.query("project-token", "t3", "q3");
    expect(sent.map((s) => s.url)).toEqual(Array(3).fill("http://railway.test/graphql/v2"));
    expect(sent[0]?.headers).toEqual({ "Content-Type": "application/json", Authorization: "Bearer t1" });
    expect(sent[0]?.variables).toEqual({ x: 1 });
    expect(sent[1]?.headers).toEqual({ "Content-Type": "application/json", Authorization: "Bearer t2" });
    expect(sent[2]?.headers).toEqual({ "Content-Type": "application/json", "Project-Access-Token": "t3" });
  });

  it("defaults to Railway's .com endpoint", async () => {
    delete process.env.RAILWAY_API_URL;
    expect(Railway.apiUrl()).toBe("https://backboard.railway.com/graphql/v2");
  });

  it.each([401, 403])("HTTP %i is a rejection, not an outage", async (status) => {
    answers.push(() => new Response("no", { status }));
    await expect(Railway.query("team-token", TOKEN, "q")).resolves.toEqual({ ok: false, reason: `HTTP ${status}` });
  });

  it("'Not Authorized' and 'project token not found' in errors are rejections, in any case, as substrings", async () => {
    answers.push(
      () => json({ data: null, errors: [{ message: "Oops: NOT AUTHORIZED here" }] }),
      () => json({ errors: [{ message: "Project Token Not Found" }] }),
      () => json({ data: { me: null }, errors: [{ message: "other" }, { message: "Not Authorized" }] }),
    );
    expect(await Railway.query("team-token", TOKEN, "q")).toEqual({ ok: false, reason: "Oops: NOT AUTHORIZED here" });
    expect(await Railway.query("project-token", TOKEN, "q")).toEqual({ ok: false, reason: "Project Token Not Found" });
    expect(await Railway.query("team-token", TOKEN, "q")).toEqual({ ok: false, reason: "Not Authorized" });
  });

  it("a 200 with data null and no errors is a rejection, not a success", async () => {
    answers.push(
      () => json({ data: null }),
      () => json({}),
    );
    expect(await Railway.query("team-token", TOKEN, "q")).toEqual({ ok: false, reason: "no data for this token" });
    expect(await Railway.query("team-token", TOKEN, "q")).toEqual({ ok: false, reason: "no data for this token" });
  });

  it("other errors without data mean Railway could not answer; with data they are an answer", async () => {
    answers.push(
      () => json({ data: null, errors: [{ message: "Problem processing request" }] }),
      () => json({ data: { ok: 1 }, errors: [{ message: "partial" }] }),
    );
    await expect(Railway.query("team-token", TOKEN, "q")).rejects.toMatchObject({
      name: "RailwayUnreachable",
      message: "Railway reported an error: Problem processing request",
    });
    expect(await Railway.query("team-token", TOKEN, "q")).toEqual({ ok: true, data: { ok: 1 } });
  });

  it("an error without a message is still an error, and an empty entry does not break the reading", async () => {
    answers.push(
      () => json({ data: null, errors: [{}] }),
      () => json({ data: { ok: 1 }, errors: [null] }),
    );
    await expect(Railway.query("team-token", TOKEN, "q")).rejects.toMatchObject({
      message: "Railway reported an error: ",
    });
    expect(await Railway.query("team-token", TOKEN, "q")).toEqual({ ok: true, data: { ok: 1 } });
  });

  it("429 is an outage that carries Retry-After when it is a positive number", async () => {
    answers.push(
      () => json({}, 429, { "retry-after": "7" }),
      () => json({}, 429, { "retry-after": "soon" }),
      () => json({}, 429, { "retry-after": "0" }),
      () => json({}, 429),
    );
    const retryAfter = async () => {
      const err = await Railway.query("team-token", TOKEN, "q").catch((e) => e);
      expect(err).toBeInstanceOf(Railway.Unreachable);
      expect(err.message).toBe("Railway's rate limit was reached");
      return err.retryAfterSeconds;
    };
    expect(await retryAfter()).toBe(7);
    expect(await retryAfter()).toBeUndefined();
    expect(await retryAfter()).toBeUndefined();
    expect(await retryAfter()).toBeUndefined();
    answers.push(() => json({}, 429, { "retry-after": "Infinity" }));
    expect(await retryAfter()).toBeUndefined();
  });

  it("a 429 is a rate limit held until the later of Retry-After and the reset, or a minute when neither says", async () => {
    const reset = Math.ceil(Date.now() / 1000) + 30;
    answers.push(
      () => json({}, 429, { "retry-after": "7", "x-ratelimit-reset": String(reset) }),
      () => json({}, 429, { "retry-after": "7" }),
      () => json({}, 429),
    );
    const until = async () => {
      const started = Date.now();
      const err = await Railway.query("team-token", TOKEN, "q").catch((e) => e);
      expect(err).toBeInstanceOf(Railway.RateLimited);
      return Math.round((Date.parse(err.until) - started) / 1000);
    };
    expect(await until()).toBeGreaterThanOrEqual(29);
    expect(await until()).toBe(7);
    expect(await until()).toBe(Railway.defaultHoldSeconds);
  });

  it("reads the budget headers in each format Railway might use for the reset", () => {
    const now = Date.parse("2026-12-06T05:00:00.000Z");
    const of = (headers: Record<string, string>, status = 200) =>
      Railway.budgetOf((name) => headers[name] ?? null, status, now);
    const epochSeconds = String(now / 1000 + 90);
    expect(of({ "x-ratelimit-limit": "100", "x-ratelimit-remaining": "7", "x-ratelimit-reset": epochSeconds })).toEqual(
      {
        status: 200,
        limit: 100,
        remaining: 7,
        resetAt: now + 90_000,
      },
    );
    expect(of({ "x-ratelimit-reset": String(now + 90_000) }).resetAt).toBe(now + 90_000);
    expect(of({ "x-ratelimit-reset": "90" }).resetAt).toBe(now + 90_000);
    expect(of({ "x-ratelimit-reset": "2026-12-06T05:01:30Z" }).resetAt).toBe(now + 90_000);
    expect(of({ "retry-after": "5" }, 429)).toEqual({ status: 429, retryAt: now + 5000 });
    expect(of({ "retry-after": "Sun, 06 Dec 2026 05:00:09 GMT" }, 429).retryAt).toBe(now + 9000);
    // Nonsense is no information.
    expect(
      of({ "x-ratelimit-remaining": "-1", "x-ratelimit-reset": "soon", "retry-after": "0", "x-ratelimit-limit": "" }),
    ).toEqual({ status: 200 });
  });

  it("a meter sees every answer's budget and may refuse a request before it is sent", async () => {
    const seen: Railway.Budget[] = [];
    let refuse = false;
    const meter: Railway.Meter = {
      before() {
        if (refuse) throw new Railway.RateLimited("2026-12-06T05:10:00.000Z");
      },
      async after(budget) {
        seen.push(budget);
      },
    };
    answers.push(
      () => json({ data: { ok: 1 } }, 200, { "x-ratelimit-remaining": "1" }),
      () => json({}, 429, { "retry-after": "3" }),
    );
    await Railway.metered(meter, async () => {
      expect(await Railway.query("team-token", TOKEN, "q")).toEqual({ ok: true, data: { ok: 1 } });
      await expect(Railway.query("team-token", TOKEN, "q")).rejects.toBeInstanceOf(Railway.RateLimited);
      refuse = true;
      await expect(Railway.query("team-token", TOKEN, "q")).rejects.toMatchObject({
        until: "2026-12-06T05:10:00.000Z",
      });
    });
    expect(seen.map((b) => [b.status, b.remaining])).toEqual([
      [200, 1],
      [429, undefined],
    ]);
    expect(sent).toHaveLength(2);
    // Outside the meter nothing watches.
    answers.push(data({ ok: 2 }));
    expect(await Railway.query("team-token", TOKEN, "q")).toEqual({ ok: true, data: { ok: 2 } });
    expect(seen).toHaveLength(2);
  });

  it("5xx, non-JSON, JSON that is not an object, network errors and timeouts are outages", async () => {
    answers.push(
      () => new Response("busy", { status: 503 }),
      () => new Response("<html>", { status: 200 }),
      () => json(null),
      () => json("a string"),
      () => json(5),
      () => {
        throw new TypeError("fetch failed");
      },
      () => {
        throw Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" });
      },
    );
    const message = async () => {
      const err = await Railway.query("team-token", TOKEN, "q").catch((e) => e);
      expect(err).toBeInstanceOf(Railway.Unreachable);
      return err.message;
    };
    expect(await message()).toBe("Railway answered HTTP 503");
    for (let i = 0; i < 4; i++) expect(await message()).toBe("Railway's answer was not JSON");
    expect(await message()).toBe("could not connect to Railway's API");
    expect(await message()).toBe("Railway did not answer within 0.05 s");
  });

  it("each request carries a timeout signal of RAILWAY_TIMEOUT_MS", async () => {
    let signal: AbortSignal | undefined;
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      signal = init.signal ?? undefined;
      return new Promise<Response>((_, reject) =>
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      );
    });
    await expect(Railway.query("team-token", TOKEN, "q")).rejects.toMatchObject({
      message: "Railway did not answer within 0.05 s",
    });
    expect(signal?.aborted).toBe(true);
  });

  it("never lets the token through in an error's text, and keeps it short", async () => {
    answers.push(() => json({ data: null, errors: [{ message: "bad token sekrit-123 (sekrit-123)" }] }));
    await expect(Railway.query("team-token", "sekrit-123", "q")).rejects.toMatchObject({
      message: "Railway reported an error: bad token [redacted] ([redacted])",
    });
    expect(Railway.redact("x".repeat(400), "")).toBe("x".repeat(300));
    expect(Railway.redact("no token here", "")).toBe("no token here");
    expect(Railway.redact("a Not Authorized: tok", "tok")).toBe("a Not Authorized: [redacted]");
  });
});

describe("verifying a token", () => {
  it("an account token asks `me`, and reports the account and its workspaces", async () => {
    answers.push(data({ me: { id: "u1", name: "Ada", email: null, workspaces: [{ id: "w1", name: "W", extra: 1 }] } }));
    expect(await Railway.verifyToken("account-token", TOKEN)).toEqual({
      ok: true,
      identity: { account: { id: "u1", name: "Ada", email: null }, workspaces: [{ id: "w1", name: "W" }] },
    });
    expect(sent[0]?.query).toMatch(/\bme\s*\{/);
    expect(sent).toHaveLength(1);
  });

  it("an account without workspaces is still an account", async () => {
    answers.push(data({ me: { id: "u1", name: null, email: "a@b.c" } }));
    expect(await Railway.verifyToken("account-token", TOKEN)).toEqual({
      ok: true,
      identity: { account: { id: "u1", name: null, email: "a@b.c" }, workspaces: [] },
    });
  });

  it("a workspace token asks `apiToken { workspaces }`, never `me`", async () => {
    answers.push(data({ apiToken: { workspaces: [{ id: "w1", name: "W" }] } }));
    expect(await Railway.verifyToken("team-token", TOKEN)).toEqual({
      ok: true,
      identity: { workspaces: [{ id: "w1", name: "W" }] },
    });
    expect(sent[0]?.query).toMatch(/apiToken\s*\{\s*workspaces/);
    expect(sent[0]?.query).not.toMatch(/\bme\b/);
  });

  it("a project token asks `projectToken`, and reports its project and environment", async () => {
    answers.push(
      data({
        projectToken: {
          projectId: "p1",
          environmentId: "e1",
          project: { id: "p1", name: "P" },
          environment: { id: "e1", name: "E" },
        },
      }),
    );
    expect(await Railway.verifyToken("project-token", TOKEN)).toEqual({
      ok: true,
      identity: { project: { id: "p1", name: "P" }, environment: { id: "e1", name: "E" } },
    });
    expect(sent[0]?.headers["Project-Access-Token"]).toBe(TOKEN);
  });

  it.each([
    ["account-token", { me: null }],
    ["account-token", { me: { name: "no id" } }],
    ["team-token", { apiToken: null }],
    ["team-token", { apiToken: {} }],
    ["team-token", { apiToken: { workspaces: [] } }],
    ["project-token", { projectToken: null }],
    ["project-token", { projectToken: { environmentId: "e1" } }],
  ] as const)("%s: an answer without the token's object (%j) is a rejection", async (method, answer) => {
    answers.push(data(answer), notAuthorized, notAuthorized);
    const verdict = await Railway.verifyToken(method, TOKEN);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.message).toContain("(no data for this token)");
  });

  it("a rejected account token is probed as a workspace token first, and the message names the right method", async () => {
    answers.push(notAuthorized, data({ apiToken: { workspaces: [{ id: "w", name: "W" }] } }));
    expect(await Railway.verifyToken("account-token", TOKEN)).toEqual({
      ok: false,
      message:
        'Railway rejected this token as an account token, but it is a valid workspace (team) token. Choose the method "team-token" instead.',
    });
    expect(sent.map((s) => Object.keys(s.headers))).toEqual([
      ["Content-Type", "Authorization"],
      ["Content-Type", "Authorization"],
    ]);
  });

  it("a rejected project token is probed as an account token, then a workspace token", async () => {
    answers.push(notAuthorized, notAuthorized, data({ apiToken: { workspaces: [{ id: "w", name: "W" }] } }));
    expect(await Railway.verifyToken("project-token", TOKEN)).toEqual({
      ok: false,
      message:
        'Railway rejected this token as a project token, but it is a valid workspace (team) token. Choose the method "team-token" instead.',
    });
    expect(sent[1]?.query).toMatch(/\bme\b/);
    expect(sent[2]?.query).toMatch(/apiToken/);
  });

  it("a rejected workspace token is probed only as a project token (a Bearer token failing it cannot pass `me`)", async () => {
    answers.push(
      notAuthorized,
      data({ projectToken: { projectId: "p", project: { id: "p", name: "P" }, environment: { id: "e", name: "E" } } }),
    );
    expect(await Railway.verifyToken("team-token", TOKEN)).toEqual({
      ok: false,
      message:
        'Railway rejected this token as a workspace (team) token, but it is a valid project token. Choose the method "project-token" instead.',
    });
    expect(sent).toHaveLength(2);
  });

  it.each([
    ["account-token", 3, "account token", 'Account Settings → Tokens with "No workspace" selected'],
    ["team-token", 2, "workspace (team) token", "Account Settings → Tokens with the workspace selected"],
    ["project-token", 3, "project token", "Project → Settings → Tokens for the environment to connect"],
  ] as const)(
    "a %s no kind accepts: one request per kind, and where to make a new one",
    async (method, requests, label, where) => {
      answers.push(notAuthorized, notAuthorized, notAuthorized);
      const verdict = await Railway.verifyToken(method, TOKEN);
      expect(verdict).toEqual({
        ok: false,
        message: `Railway rejected this ${label} (Not Authorized). Check that it was copied in full and has not been revoked or expired; create one under ${where}.`,
      });
      expect(sent).toHaveLength(requests);
    },
  );

  it("a probe Railway does not answer throws like the check itself, so the job is tried again", async () => {
    answers.push(notAuthorized, () => new Response("down", { status: 502 }));
    await expect(Railway.verifyToken("account-token", TOKEN)).rejects.toBeInstanceOf(Railway.Unreachable);
  });
});

describe("listing what a token reaches", () => {
  const page = (nodes: Array<{ id: string; name: string }>, endCursor: string | null = null) => ({
    edges: nodes.map((node) => ({ node })),
    pageInfo: { hasNextPage: endCursor !== null, endCursor },
  });
  const project = (id: string, envs = page([{ id: `${id}-e`, name: "production" }]), svcs = page([])) => ({
    id,
    name: id,
    environments: envs,
    services: svcs,
  });

  it("an account token's projects across its workspaces, every page of projects, environments and services", async () => {
    answers.push(
      data({ me: { workspaces: [{ id: "w1" }, { id: "w2" }] } }),
      data({ projects: page([], "c1") }),
      data({
        projects: page([project("a", page([{ id: "e1", name: "E1" }], "ec"), page([{ id: "s1", name: "S1" }], "sc"))]),
      }),
      data({ project: { environments: page([{ id: "e2", name: "E2" }]) } }),
      data({ project: { services: page([{ id: "s2", name: "S2" }]) } }),
      data({ projects: page([]) }),
    );
    expect(await Railway.listProjects("account-token", TOKEN)).toEqual([
      {
        id: "a",
        name: "a",
        environments: [
          { id: "e1", name: "E1" },
          { id: "e2", name: "E2" },
        ],
        services: [
          { id: "s1", name: "S1" },
          { id: "s2", name: "S2" },
        ],
      },
    ]);
    expect(sent[1]?.variables).toEqual({ workspaceId: "w1", after: null });
    expect(sent[2]?.variables).toEqual({ workspaceId: "w1", after: "c1" });
    expect(sent[3]?.variables).toEqual({ id: "a", after: "ec" });
    expect(sent[4]?.variables).toEqual({ id: "a", after: "sc" });
    expect(sent[5]?.variables).toEqual({ workspaceId: "w2", after: null });
    expect(sent).toHaveLength(6);
  });

  it("a workspace token's projects come from `apiToken { workspaces }`", async () => {
    answers.push(data({ apiToken: { workspaces: [{ id: "w1" }] } }), data({ projects: page([project("b")]) }));
    expect(await Railway.listProjects("team-token", TOKEN)).toEqual([
      { id: "b", name: "b", environments: [{ id: "b-e", name: "production" }], services: [] },
    ]);
    expect(sent[0]?.query).toMatch(/apiToken/);
  });

  it("a project token's one project and environment, with every page of services", async () => {
    answers.push(
      data({
        projectToken: {
          project: { id: "p", name: "P", services: page([{ id: "s1", name: "S1" }], "n") },
          environment: { id: "e", name: "E" },
        },
      }),
      data({ project: { services: page([{ id: "s2", name: "S2" }]) } }),
    );
    expect(await Railway.listProjects("project-token", TOKEN)).toEqual([
      {
        id: "p",
        name: "P",
        environments: [{ id: "e", name: "E" }],
        services: [
          { id: "s1", name: "S1" },
          { id: "s2", name: "S2" },
        ],
      },
    ]);
  });

  it("stops at a last page that still names its end cursor, and at a page without pageInfo", async () => {
    const last = <T>(nodes: T[]) => ({
      edges: nodes.map((node) => ({ node })),
      pageInfo: { hasNextPage: false, endCursor: "end" },
    });
    answers.push(
      data({ apiToken: { workspaces: [{ id: "w1" }] } }),
      data({
        projects: last([{ ...project("c"), environments: last([{ id: "e", name: "E" }]), services: { edges: [] } }]),
      }),
    );
    expect(await Railway.listProjects("team-token", TOKEN)).toEqual([
      { id: "c", name: "c", environments: [{ id: "e", name: "E" }], services: [] },
    ]);
    expect(sent).toHaveLength(2);
  });

  it("a rejection is thrown as Rejected, never an empty list", async () => {
    answers.push(notAuthorized);
    await expect(Railway.listProjects("team-token", TOKEN)).rejects.toMatchObject({
      name: "RailwayRejected",
      message: "Not Authorized",
    });
  });
});
