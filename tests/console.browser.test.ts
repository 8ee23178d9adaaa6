import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { screenshot, useBrowser, watchErrors } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

// A person in a real headless Chromium, against the whole local system. The tests run in order
// and share one signed-in page, as one visit to the console would.
const ctx = useStack();
const chrome = useBrowser();
let page: Page;
let errors: string[];
let world: ReturnType<typeof buildWorld>;

function buildWorld() {
  const ada = ctx.railway.addUser({ name: "Ada Lovelace", email: "ada@example.com" });
  const engines = ctx.railway.addWorkspace(ada.id, { name: "Analytical Engines" });
  const difference = ctx.railway.addProject(engines.id, {
    name: "difference-engine",
    environments: ["production", "staging"],
    services: ["api", "worker"],
  });
  ctx.railway.addProject(engines.id, { name: "analytical-engine", services: ["web"] });
  const grace = ctx.railway.addUser({ name: "Grace Hopper", email: "grace@example.com" });
  return {
    ada,
    engines,
    difference,
    grace,
    projectToken: ctx.railway.createProjectToken(difference.id, difference.environments[0]!.id),
  };
}

const timeout = { timeout: 15_000 };
const focusedId = () => page.evaluate("document.activeElement?.id");
const row = (name: string) => page.locator("tbody tr", { has: page.getByRole("link", { name, exact: true }) });

beforeAll(async () => {
  world = buildWorld();
  if (!chrome.browser) return; // every test then fails saying how to install Chromium
  const context = await chrome.browser.newContext({ baseURL: ctx.stack.url, viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = watchErrors(page);
});

async function addConnection(opts: { name: string; type: string; token: string; description?: string; shot?: string }) {
  await page.getByRole("link", { name: "Add Connection" }).first().click();
  await page.getByRole("link", { name: /Railway Connection/ }).click();
  await page.getByLabel("Name").fill(opts.name);
  if (opts.description) await page.getByLabel("Description").fill(opts.description);
  await page.getByLabel(opts.type).check();
  await page.getByLabel("Token", { exact: true }).fill(opts.token);
  if (opts.shot) await screenshot(page, opts.shot);
  await page.getByRole("button", { name: "Add Connection" }).click();
  await page.waitForURL(/\/console\?notice=created#conn-/);
}

describe("the console in a browser", () => {
  it("asks for an API key, and keeps the session only in an HttpOnly cookie", async () => {
    await page.goto("/");
    await page.waitForURL("**/console/sign-in");
    await screenshot(page, "sign-in");
    await page.getByLabel("API key").fill(ctx.stack.apiKey);
    await page.keyboard.press("Enter");
    await page.waitForURL("**/console");
    await page.getByRole("heading", { name: "App Connections" }).waitFor();
    await page.getByText("No connections yet").waitFor();

    expect(await page.evaluate("[document.cookie, localStorage.length, sessionStorage.length]")).toEqual(["", 0, 0]);
    const [session] = (await page.context().cookies()).filter((c) => c.name === "rwc_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    expect(await page.content()).not.toContain(ctx.stack.apiKey);
  });

  it("adds one connection of each token type; each shows pending, then active, without a reload", async () => {
    // Railway answers slowly here, so the pending state is there to be seen.
    ctx.railway.setOptions({ latencyMs: 400 });
    const added = [
      { name: "engines-team", type: "Team Token", token: world.engines.workspaceToken, reach: "Analytical Engines" },
      { name: "ada-account", type: "Account Token", token: world.ada.accountToken, reach: "ada@example.com" },
      { name: "difference-prod", type: "Project Token", token: world.projectToken, reach: "difference-engine" },
    ];
    for (const [i, c] of added.entries()) {
      await addConnection({
        ...c,
        description: `The ${c.type.toLowerCase()} of the demo`,
        ...(i === 0 ? { shot: "add-connection" } : {}),
      });
      await page.evaluate("window.stillThisPage = true");
      await row(c.name).locator(".badge", { hasText: "Pending" }).waitFor();
      await row(c.name).locator(".badge", { hasText: "Active" }).waitFor(timeout);
      expect(await row(c.name).textContent()).toContain(c.reach);
      expect(await page.evaluate("window.stillThisPage")).toBe(true);
    }
    ctx.railway.setOptions({ latencyMs: 0 });
    expect(await row("ada-account").textContent()).toMatch(/Ada Lovelace.*ada@example\.com/s);
    expect(await row("difference-prod").textContent()).toMatch(/difference-engine.*production/s);
    expect(await row("engines-team").textContent()).toContain("Team Token");
    await page.locator("#announcer", { hasText: "difference-prod is now active" }).waitFor();
  });

  it("a token of the wrong kind fails, with the hint to choose the right method", async () => {
    await addConnection({ name: "wrong-kind", type: "Account Token", token: world.projectToken });
    await row("wrong-kind").locator(".badge", { hasText: "Failed" }).waitFor(timeout);
    expect(await row("wrong-kind").textContent()).toContain(
      'Railway rejected this token as an account token, but it is a valid project token. Choose the method "project-token" instead.',
    );
    await page.goto("/console");
    await screenshot(page, "connections");
  });

  it("flags an invalid name before sending anything, and works from the keyboard alone", async () => {
    await page.goto("/console/connections/new/railway");
    const posts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST") posts.push(r.url());
    });
    const name = page.getByLabel("Name");
    await name.focus();
    await page.keyboard.type("Not A Slug");
    await page.keyboard.press("Tab");
    expect(await page.locator("#name-error").textContent()).toBe(
      "must be a slug: lowercase letters, digits and hyphens only",
    );
    expect(await name.getAttribute("aria-invalid")).toBe("true");
    await page.getByRole("button", { name: "Add Connection" }).click();
    expect(page.url()).toMatch(/\/new\/railway$/);
    expect(posts).toEqual([]);
    expect(await focusedId()).toBe("name");
    expect(await page.locator("#method-error").textContent()).toBe("Choose a token type");

    // Keyboard only: fix the name, Tab through the fields, choose with the arrow keys, Enter submits.
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type("keyboard-made");
    expect(await page.locator("#name-error").textContent()).toBe("");
    await page.keyboard.press("Tab"); // description
    await page.keyboard.press("Tab"); // the token type group
    expect(await focusedId()).toBe("method-team-token");
    expect(await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")).toBe("solid");
    await page.keyboard.press("Space");
    await page.keyboard.press("Tab");
    expect(await focusedId()).toBe("token");
    await page.keyboard.type(world.engines.workspaceToken);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/console\?notice=created/);
    await row("keyboard-made").locator(".badge", { hasText: "Active" }).waitFor(timeout);
  });

  it("rotates a token: the connection stays active, then shows what the new token reaches", async () => {
    await page.getByRole("link", { name: "engines-team", exact: true }).click();
    await page.getByRole("heading", { name: "engines-team" }).waitFor();
    ctx.railway.setOptions({ latencyMs: 700 });
    await page.getByLabel("Account Token").check();
    await page.getByLabel("New token").fill(world.grace.accountToken);
    await page.getByRole("button", { name: "Rotate token" }).click();
    await page.getByText("New token received.").waitFor();
    const summary = page.locator("#summary");
    expect(await summary.locator(".badge").textContent()).toContain("Active");
    await summary.getByText("Verifying a new Account Token").waitFor();
    await summary.getByText("grace@example.com").waitFor(timeout);
    ctx.railway.setOptions({ latencyMs: 0 });
    expect(await summary.textContent()).toMatch(/Method\s*Account Token/);
    expect(await page.getByLabel("New token").inputValue()).toBe("");
    expect(await page.content()).not.toContain(world.grace.accountToken);
    await screenshot(page, "connection");
  });

  it("renames the connection and changes its description", async () => {
    await page.getByLabel("Name").fill("grace-account");
    await page.getByLabel("Description").fill("Grace's account, rotated from the team token");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Changes saved.").waitFor();
    await page.getByRole("heading", { name: "grace-account", level: 1 }).waitFor();
    await page.getByText("Grace's account, rotated from the team token").first().waitFor();
  });

  it("re-verifies, and browses the Railway projects of an active connection", async () => {
    await page.getByRole("button", { name: "Re-verify" }).click();
    await page.getByText("Verifying the stored token with Railway again.").waitFor();
    await page.locator("#summary:not([data-poll])").waitFor(timeout);
    expect(await page.getByRole("button", { name: "Re-verify" }).isEnabled()).toBe(true);

    await page.goto("/console");
    await row("ada-account").getByRole("link").click();
    await page.getByRole("link", { name: "Browse Railway projects" }).click();
    await page.getByRole("heading", { name: "Railway projects" }).waitFor();
    const projects = page.getByRole("list", { name: "Railway projects" });
    expect(await projects.textContent()).toMatch(/difference-engine.*production.*staging.*api.*worker/s);
    expect(await projects.textContent()).toContain("analytical-engine");
    await screenshot(page, "projects");
  });

  it("deletes a connection after asking to confirm", async () => {
    await page.goto("/console");
    await row("wrong-kind").getByRole("link").click();
    await page.getByRole("link", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Delete “wrong-kind”?" }).waitFor();
    await page.getByRole("button", { name: "Delete connection" }).click();
    await page.getByText("Connection deleted.").waitFor();
    expect(await row("wrong-kind").count()).toBe(0);
    expect(await page.locator("tbody tr").count()).toBe(4);
  });

  it("keeps a project's secrets: add, reveal, edit, versions, folders, delete", async () => {
    const project = crypto.randomUUID();
    await page.getByRole("link", { name: "Secrets", exact: true }).click();
    await page.getByLabel("Project ID").fill(project);
    await page.getByLabel("Environment").fill("prod");
    await page.getByRole("button", { name: "Open" }).click();
    await page.getByText("No secrets here yet").waitFor();

    const addSecret = async (key: string, value: string, folder?: string) => {
      await page.getByRole("link", { name: "Add secret" }).click();
      if (folder) await page.getByLabel("Folder").fill(folder);
      await page.getByLabel("Key").fill(key);
      await page.getByLabel("Value", { exact: true }).fill(value);
      await page.getByRole("button", { name: "Add secret" }).click();
      await page.getByText("Secret added.").waitFor();
    };
    await addSecret("STRIPE_KEY", "sk_browser_first");
    await addSecret("INVOICE_EMAIL", "billing@example.com", "/billing");
    await page.getByRole("link", { name: "prod", exact: true }).click();
    await page.getByRole("link", { name: "billing" }).waitFor();
    expect(await page.content()).not.toContain("sk_browser_first");
    await screenshot(page, "secrets");

    await page.getByRole("link", { name: "Reveal STRIPE_KEY" }).click();
    await page.getByText("sk_browser_first").waitFor();
    await page.getByRole("link", { name: "Edit STRIPE_KEY" }).click();
    await page.getByLabel("New value").fill("sk_browser_second");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Secret saved as a new version.").waitFor();
    expect(await page.content()).not.toContain("sk_browser_second");

    await page.getByRole("link", { name: "Versions of STRIPE_KEY" }).click();
    await page.getByRole("link", { name: "Reveal version 1" }).click();
    await page.getByText("sk_browser_first").waitFor();
    expect(await page.content()).not.toContain("sk_browser_second");

    await page.getByRole("link", { name: "prod", exact: true }).click();
    await page.getByRole("link", { name: "Delete STRIPE_KEY" }).click();
    await page.getByRole("button", { name: "Delete secret" }).click();
    await page.getByText("Secret deleted.").waitFor();
    await page.getByText("No secrets here yet").waitFor();
    await page.getByRole("link", { name: "Connections", exact: true }).click();
    await page.getByRole("heading", { name: "App Connections" }).waitFor();
  });

  it("adds a secret sync from a connection's page; its status turns to Succeeded without a reload", async () => {
    const project = crypto.randomUUID();
    const batch = {
      workspaceId: project,
      environment: "prod",
      secretPath: "/",
      secrets: [{ secretKey: "SYNCED_KEY", secretValue: "synced-browser-value" }],
    };
    expect((await ctx.api("/api/v3/secrets/batch/raw", { json: batch })).status).toBe(200);
    await page.goto("/console");
    await row("ada-account").getByRole("link").click();
    await page.getByRole("link", { name: "Secret syncs" }).click();
    await page.getByLabel("Project ID").fill(project); // an org-wide connection: which project's secrets
    await page.getByRole("button", { name: "Show syncs" }).click();
    await page.getByText("No syncs yet").waitFor();
    await page.getByLabel("Name").fill("difference-api");
    await page.getByLabel("Source environment").fill("prod");
    await page.getByLabel("Railway destination").selectOption({ label: "difference-engine / production / api" });
    await page.getByRole("button", { name: "Add sync" }).click();
    await page.getByText("Sync added.").waitFor();
    await page.locator("#sync-status .card-head .badge", { hasText: "Succeeded" }).waitFor(timeout);
    await page.getByText("SYNCED_KEY").waitFor();
    expect(await page.content()).not.toContain("synced-browser-value");
    await screenshot(page, "secret-sync");
    const difference = world.difference;
    const api = difference.services.find((s) => s.name === "api")!;
    const scope = { projectId: difference.id, environmentId: difference.environments[0]!.id, serviceId: api.id };
    expect(ctx.railway.getVariables(scope).SYNCED_KEY).toBe("synced-browser-value");
  });

  it("signs out; the console then asks for the API key again", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You have signed out.").waitFor();
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain("rwc_session");
    await page.goto("/console");
    await page.waitForURL("**/console/sign-in");
    await page.getByLabel("API key").waitFor();
  });

  it("no page had a script error or a Content-Security-Policy violation", () => {
    expect(errors).toEqual([]);
  });
});
