import { randomUUID } from "node:crypto";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { backfill } from "../packages/core/src/project/backfill.ts";
import { environmentKey } from "../packages/core/src/project/item.ts";
import { dynamo } from "./support/aws.ts";
import { ConsoleClient } from "./support/console.ts";
import { useStack } from "./support/stack.ts";

// The Projects pages without a browser (console-projects.browser.test.ts clicks through them):
// which projects a session sees, where a folder's deep link leads, and that no value is in a page.
const ctx = useStack({ worker: false, webhooks: false });

async function signedIn(key = ctx.stack.apiKey) {
  const b = new ConsoleClient(ctx.stack.url);
  await b.signIn(key);
  return b;
}

/** Writes secrets through the raw secrets API, as the SDK would. */
async function put(project: string, environment: string, secrets: Record<string, string>, path = "/", auth?: string) {
  const res = await ctx.api("/api/v3/secrets/batch/raw", {
    ...(auth && { auth }),
    json: {
      workspaceId: project,
      environment,
      secretPath: path,
      secrets: Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
    },
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const values = (tag: string) => [`${tag}-dev-value`, `${tag}-prod-value`, `${tag}-same-value`];

describe("the Projects pages", () => {
  it("list every project of the org with its environments and secret counts, each a link", async () => {
    const project = randomUUID();
    const [dev, prod, same] = values(project);
    await put(project, "production", { DATABASE_URL: prod!, SHARED: same!, ONLY_PROD: "x" });
    await put(project, "development", { DATABASE_URL: dev!, SHARED: same! });
    await put(project, "production", { QUEUE_URL: "q" }, "/api/billing");
    const connected = randomUUID();
    const made = await ctx.api("/api/v1/app-connections/railway", {
      json: {
        name: "projects-page",
        method: "project-token",
        projectId: connected,
        credentials: { apiToken: "demo-project-token" },
      },
    });
    expect(made.status, await made.clone().text()).toBe(202);

    const b = await signedIn();
    for (const path of ["/console/projects", "/console/secrets"]) {
      const res = await b.get(path);
      expect(res.status, path).toBe(200);
      expect(res.html).toContain(`href="/console/projects/${project}"`);
      expect(res.html).toContain(`href="/console/projects/${connected}"`);
      expect(res.html).toContain(`href="/console/projects/${project}/development">development</a>`);
      // Every folder counts: three at the root, one in /api/billing.
      expect(res.html).toMatch(
        new RegExp(`/console/projects/${project}/production">production</a> <span[^>]*>4 secrets<`),
      );
    }

    const page = await b.get(`/console/projects/${project}`);
    expect(page.status).toBe(200);
    // development first, as people promote through them; production's keys compared with it.
    expect(page.html.indexOf(">development</th>")).toBeLessThan(page.html.indexOf(">production</th>"));
    const row = (key: string) => page.html.slice(page.html.indexOf(`>${key}</th>`)).split("</tr>")[0] ?? "";
    expect(row("DATABASE_URL")).toMatch(/cell-present[\s\S]*cell-differs/);
    expect(row("SHARED")).toMatch(/cell-present[\s\S]*cell-same/);
    expect(row("ONLY_PROD")).toMatch(/cell-missing[\s\S]*cell-present/);
    expect(row("ONLY_PROD")).toContain(
      `href="/console/secrets/new?project=${project}&amp;env=development&amp;path=%2F&amp;from=projects&amp;key=ONLY_PROD"`,
    );
    expect(page.html).not.toContain("QUEUE_URL");

    const folder = await b.get(`/console/projects/${project}?path=/api/billing`);
    expect(folder.html).toContain(">QUEUE_URL</th>");

    for (const html of b.pages) for (const value of [dev, prod, same]) expect(html).not.toContain(value);
  });

  it("open a folder by its deep link, with sub-folders and breadcrumbs linked the same way", async () => {
    const project = randomUUID();
    await put(project, "production", { ROOT: "root-value" });
    await put(project, "production", { INVOICE_EMAIL: "billing-value" }, "/api/billing");
    const b = await signedIn();
    const root = await b.get(`/console/projects/${project}/production`);
    expect(root.status).toBe(200);
    expect(root.html).toContain(">ROOT</th>");
    expect(root.html).toContain(`href="/console/projects/${project}/production/api"`);
    expect(root.html).not.toContain("root-value");

    const billing = await b.get(`/console/projects/${project}/production/api/billing`);
    expect(billing.html).toContain(">INVOICE_EMAIL</th>");
    expect(billing.html).toContain(`<a href="/console/projects">Projects</a>`);
    expect(billing.html).toContain(`href="/console/projects/${project}/production/api">api</a>`);
    expect(billing.html).not.toContain("billing-value");

    const revealed = await b.get(`/console/projects/${project}/production/api/billing?reveal=INVOICE_EMAIL`);
    expect(revealed.html).toContain("billing-value");

    // A secret added from a deep folder comes back to it, in a new folder made with it.
    const added = await b.post("/console/secrets/new", {
      project,
      env: "production",
      from: "projects",
      path: "/api/billing/eu",
      key: "VAT_ID",
      value: "vat-value",
      comment: "",
    });
    expect(added.status, added.html).toBe(303);
    expect(added.headers.get("location")).toBe(
      `/console/projects/${project}/production/api/billing/eu?notice=created#secret-VAT_ID`,
    );
    const eu = await b.get(`/console/projects/${project}/production/api/billing/eu?notice=created`);
    expect(eu.html).toContain("Secret added.");
    expect(eu.html).toContain(">VAT_ID</th>");

    expect((await b.get(`/console/projects/${project}/Not-A-Slug`)).status).toBe(400);
    expect((await b.get(`/console/projects/${project}/production/a//b`)).status).toBe(400);
  });

  it("show a limited key's session only its projects, and refuse the others' pages", async () => {
    const ApiKey = await import("@app/core/apikey");
    const mine = randomUUID();
    const empty = randomUUID();
    const theirs = randomUUID();
    await put(mine, "staging", { MINE: "mine-value" });
    await put(theirs, "staging", { THEIRS: "theirs-value" });
    const limited = (await ApiKey.create({ name: "limited", orgId: ctx.stack.orgId, projectIds: [mine, empty] }))
      .secret;
    const b = await signedIn(limited);
    const list = await b.get("/console/projects");
    expect(list.html).toContain(`href="/console/projects/${mine}"`);
    // A project the key is limited to is listed even before it has anything.
    expect(list.html).toContain(`href="/console/projects/${empty}"`);
    expect(list.html).not.toContain(theirs);
    expect((await b.get(`/console/projects/${mine}`)).status).toBe(200);
    expect((await b.get(`/console/projects/${theirs}`)).status).toBe(403);
    expect((await b.get(`/console/projects/${theirs}/staging`)).status).toBe(403);
    for (const html of b.pages) expect(html).not.toContain("theirs-value");
  });

  it("never show another org's projects", async () => {
    const ApiKey = await import("@app/core/apikey");
    const otherKey = (await ApiKey.create({ name: "other org", orgId: randomUUID() })).secret;
    const elsewhere = randomUUID();
    await put(elsewhere, "production", { OTHER: "other-org-value" }, "/", otherKey);
    const ours = await signedIn();
    expect((await ours.get("/console/projects")).html).not.toContain(elsewhere);
    expect((await ours.get(`/console/projects/${elsewhere}`)).html).not.toContain("OTHER");
    const theirs = await signedIn(otherKey);
    const list = await theirs.get("/console/projects");
    expect(list.html).toContain(`href="/console/projects/${elsewhere}"`);
    expect(list.html).toContain(">production</a>");
  });

  it("list an environment made before the index once the backfill has run", async () => {
    const project = randomUUID();
    await put(project, "production", { OLD: "old-value" });
    const key = environmentKey(ctx.stack.orgId, project, "production");
    await dynamo().send(new DeleteCommand({ TableName: ctx.stack.resources.Table.name, Key: key }));
    const b = await signedIn();
    expect((await b.get("/console/projects")).html).not.toContain(project);
    expect(await backfill()).toBeGreaterThan(0);
    expect((await b.get("/console/projects")).html).toContain(`href="/console/projects/${project}/production"`);
  });

  it("send a signed-out visitor to sign in", async () => {
    const visitor = new ConsoleClient(ctx.stack.url);
    for (const path of ["/console/projects", `/console/projects/${randomUUID()}`, `/console/projects/x/dev/a`]) {
      const res = await visitor.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location")).toBe("/console/sign-in");
    }
  });
});
