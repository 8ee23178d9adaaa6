import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { receive, sqsRecord } from "./support/aws.ts";
import { useStack } from "./support/stack.ts";

// Bugs a mutation probe slipped past every other test. The worker is off: each test hands the
// queued job to a Lambda handler itself, so it can choose which path settles it.
const ctx = useStack({ worker: false });
const base = "/api/v1/app-connections/railway";
type Conn = Record<string, any>;

let n = 0;
const uniqueName = () => `regression-${++n}-${Math.random().toString(36).slice(2, 7)}`;
const get = async (id: string, auth?: string): Promise<Conn> =>
  ((await (await ctx.api(`${base}/${id}`, { auth })).json()) as { appConnection: Conn }).appConnection;

async function submit(json: Record<string, unknown>, auth?: string) {
  const res = await ctx.api(base, { json: { name: uniqueName(), ...json }, auth });
  expect(res.status).toBe(202);
  return ((await res.json()) as { appConnection: Conn }).appConnection;
}

/** The one job the last request queued, as Lambda would hand it over. */
async function nextJob() {
  const messages = await receive(ctx.stack.resources.VerifyQueue.url ?? "");
  expect(messages).toHaveLength(1);
  return sqsRecord(messages[0]!);
}

const verify = async (record: ReturnType<typeof sqsRecord>) => {
  const { handler } = await import("../functions/verify.ts");
  return handler({ Records: [record] }, {} as Context);
};

describe("a Railway answer without the token's object is not a valid token", () => {
  const kinds = () => {
    const user = ctx.railway.addUser();
    const workspace = ctx.railway.addWorkspace(user.id);
    const project = ctx.railway.addProject(workspace.id);
    return [
      { method: "account-token", token: user.accountToken, field: "me" },
      { method: "team-token", token: workspace.workspaceToken, field: "apiToken" },
      {
        method: "project-token",
        token: ctx.railway.createProjectToken(project.id, project.environments[0]!.id),
        field: "projectToken",
      },
    ];
  };

  it.each([0, 1, 2])("a 200 whose data holds null for the checked field, no errors (kind %i)", async (index) => {
    const { method, token, field } = kinds()[index]!;
    const conn = await submit({ method, credentials: { apiToken: token } });
    const job = await nextJob();
    // Only the first request (the check itself) gets the empty answer; the probes that follow
    // are answered truthfully and find the token is not of another kind either.
    ctx.railway.injectFaults({ type: "status", status: 200, body: JSON.stringify({ data: { [field]: null } }) });
    expect((await verify(job)).batchItemFailures).toEqual([]);
    const settled = await get(conn.id);
    expect(settled.status).toBe("failed");
    expect(settled.railway).toBeNull();
    expect(settled.statusMessage).toMatch(/rejected/);
  });
});

describe("an old job never settles a connection whose newer credentials are being verified", () => {
  it("the dead-letter handler, given the create's job during a rotation, changes nothing", async () => {
    const user = ctx.railway.addUser();
    const conn = await submit({ method: "account-token", credentials: { apiToken: user.accountToken } });
    const createJob = await nextJob();
    expect((await verify(createJob)).batchItemFailures).toEqual([]);
    expect((await get(conn.id)).status).toBe("active");

    const workspace = ctx.railway.addWorkspace(user.id);
    const rotated = await ctx.api(`${base}/${conn.id}`, {
      method: "PATCH",
      json: { method: "team-token", credentials: { apiToken: workspace.workspaceToken } },
    });
    expect(rotated.status).toBe(200);
    const rotationJob = await nextJob();
    const during = await get(conn.id);
    expect(during.rotation?.status).toBe("pending");

    const deadLetter = await import("../functions/dead-letter.ts");
    expect((await deadLetter.handler({ Records: [createJob] }, {} as Context)).batchItemFailures).toEqual([]);
    expect(await get(conn.id)).toEqual(during);

    expect((await verify(rotationJob)).batchItemFailures).toEqual([]);
    const after = await get(conn.id);
    expect(after).toMatchObject({ status: "active", method: "team-token", rotation: null, pendingVerification: null });
  });

  it("the dead-letter handler, given a superseded create job, leaves the new pending one alone", async () => {
    const user = ctx.railway.addUser();
    const conn = await submit({ method: "account-token", credentials: { apiToken: "not-a-token" } });
    const firstJob = await nextJob();
    const resent = await ctx.api(`${base}/${conn.id}`, {
      method: "PATCH",
      json: { credentials: { apiToken: user.accountToken } },
    });
    expect(resent.status).toBe(200);
    const secondJob = await nextJob();
    const pending = await get(conn.id);
    expect(pending.status).toBe("pending");

    const deadLetter = await import("../functions/dead-letter.ts");
    await deadLetter.handler({ Records: [firstJob] }, {} as Context);
    expect(await get(conn.id)).toEqual(pending);

    await verify(secondJob);
    expect((await get(conn.id)).status).toBe("active");
  });
});

describe("a project-limited key sees nothing of a project it does not reach", () => {
  it("naming that project in ?projectId= lists none of its connections", async () => {
    const ApiKey = await import("@app/core/apikey");
    const mine = crypto.randomUUID();
    const theirs = crypto.randomUUID();
    const limited = await ApiKey.create({ name: "limited", orgId: ctx.stack.orgId, projectIds: [mine] });
    const inTheirs = await submit({ projectId: theirs, method: "team-token", credentials: { apiToken: "x" } });
    await nextJob();
    const inMine = await submit(
      { projectId: mine, method: "team-token", credentials: { apiToken: "x" } },
      limited.secret,
    );
    await nextJob();

    const list = async (query: string) =>
      ((await (await ctx.api(`${base}${query}`, { auth: limited.secret })).json()) as { appConnections: Conn[] })
        .appConnections;
    expect(await list(`?projectId=${theirs}&limit=100`)).toEqual([]);
    expect((await list(`?projectId=${mine}&limit=100`)).map((c) => c.id)).toEqual([inMine.id]);
    // The org key does see the other project's connection: the filter is the key's, not the data's.
    const orgView = (await (await ctx.api(`${base}?projectId=${theirs}&limit=100`)).json()) as {
      appConnections: Conn[];
    };
    expect(orgView.appConnections.map((c) => c.id)).toEqual([inTheirs.id]);
  });
});
