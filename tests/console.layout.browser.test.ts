import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { screenshot, useBrowser, watchErrors } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

// What a newcomer sees: the offline run's demo tokens added through the form (the README's
// screenshots come from here: .screenshots/docs-console*.png), then a connection with the
// longest name and description there can be, at a desktop and a phone width.
const ctx = useStack({ standin: { seedDemo: true } });
const chrome = useBrowser();
let page: Page;
let errors: string[];
let madeLong = false;

const longName = "a-connection-named-as-long-as-32";
const longDescription =
  `${"Railway-token-for-the-nightly-billing-export-".repeat(4)}and a few more words that wrap. `.padEnd(256, "x");
const widths = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];
const row = (name: string) => page.locator("tbody tr", { has: page.getByRole("link", { name, exact: true }) });

beforeAll(async () => {
  if (!chrome.browser) return;
  const context = await chrome.browser.newContext({ baseURL: ctx.stack.url, viewport: widths[0] });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = watchErrors(page);
});

async function add(name: string, type: string, token: string, description: string, shot?: string) {
  await page.goto("/console/connections/new/railway");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Description").fill(description);
  await page.getByLabel(type).check();
  await page.getByLabel("Token", { exact: true }).fill(token);
  if (shot) await screenshot(page, shot);
  await page.getByRole("button", { name: "Add Connection" }).click();
  await page.waitForURL(/\/console\?notice=created#conn-/);
  await row(name).locator(".badge:not(.pending)").waitFor({ timeout: 15_000 });
}

/**
 * What overflows sideways: the page itself, elements that end past the viewport, and tables or
 * cells wider than their own box (hidden behind a scroll). A phone hides the column headings as
 * .visually-hidden does: they stay for screen readers.
 */
const overflow = () =>
  page.evaluate(`(() => {
    const name = (e) => e.tagName.toLowerCase() + "." + e.className;
    return {
      page: document.documentElement.scrollWidth - window.innerWidth,
      past: [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".visually-hidden, thead"))
        .slice(0, 5)
        .map((e) => name(e) + " ends at " + Math.round(e.getBoundingClientRect().right)),
      clipped: [...document.querySelectorAll(".table-wrap, td, th, .card, .facts dd")]
        .filter((e) => e.scrollWidth > e.clientWidth + 1)
        .map((e) => name(e) + ": " + e.scrollWidth + " > " + e.clientWidth),
    };
  })()`);

describe("the console with the demo tokens, at 1280 and 390 px", () => {
  it("signs in with the run's key and adds the demo tokens as the README says", async () => {
    await page.goto("/console/sign-in");
    await page.getByLabel("API key").fill(ctx.stack.apiKey);
    await page.keyboard.press("Enter");
    await page.waitForURL("**/console");
    await add("ada-account", "Account Token", "demo-account-token", "Ada's account token", "docs-console-add");
    await add("engines-team", "Team Token", "demo-workspace-token", "The Analytical Engines workspace");
    await add("difference-engine-prod", "Project Token", "demo-project-token", "Production of difference-engine");
    await add("wrong-kind", "Account Token", "demo-project-token", "A project token sent as an account token");
    await page.goto("/console");
    expect(await row("ada-account").textContent()).toMatch(/Ada Lovelace's Projects.*Analytical Engines/s);
    expect(await row("wrong-kind").textContent()).toContain('Choose the method "project-token" instead.');
    await screenshot(page, "docs-console");
  });

  for (const viewport of widths) {
    it(`at ${viewport.width} px, nothing overflows sideways and long values wrap with their full text`, async () => {
      if (!madeLong) {
        madeLong = true;
        const res = await ctx.api("/api/v1/app-connections/railway", {
          json: {
            name: longName,
            description: longDescription,
            method: "team-token",
            credentials: { apiToken: "demo-workspace-token" },
          },
        });
        expect(res.status).toBe(202);
      }
      await page.setViewportSize(viewport);
      await page.goto("/console");
      await row(longName).locator(".badge", { hasText: "Active" }).waitFor({ timeout: 15_000 });
      await screenshot(page, `connections-long-${viewport.width}`);
      expect(await overflow()).toEqual({ page: 0, past: [], clipped: [] });
      // The whole name and description are on the page, in the box a person sees.
      const cell = row(longName).locator("td").first();
      expect(await cell.textContent()).toContain(longName);
      expect(await cell.textContent()).toContain(longDescription.trim());
      const box = await cell.boundingBox();
      expect(box && box.x + box.width).toBeLessThanOrEqual(viewport.width);
      const last = row(longName).locator("td").last();
      const lastBox = await last.boundingBox();
      expect(lastBox && lastBox.x + lastBox.width).toBeLessThanOrEqual(viewport.width);

      await row(longName).getByRole("link", { name: longName }).click();
      await page.getByRole("heading", { name: longName, level: 1 }).waitFor();
      await screenshot(page, `connection-long-${viewport.width}`);
      expect(await overflow()).toEqual({ page: 0, past: [], clipped: [] });
    });
  }

  for (const viewport of widths) {
    it(`at ${viewport.width} px, the Projects pages and the environments grid do not overflow sideways`, async () => {
      const project = `${"a-project-id-as-long-as-64-".repeat(3).slice(0, 60)}${viewport.width}`;
      const longKey = "A_SECRET_KEY_AS_LONG_AS_THEY_COME_IN_A_REAL_PROJECT_".repeat(2).slice(0, 100);
      for (const environment of ["development", "staging", "production", "a-long-environment-named-for-a-customer"]) {
        const res = await ctx.api("/api/v3/secrets/batch/raw", {
          json: {
            workspaceId: project,
            environment,
            secretPath: "/a-long-folder-name/and-a-sub-folder",
            secrets: [
              { secretKey: longKey, secretValue: environment },
              { secretKey: `ONLY_IN_${environment.length}`, secretValue: "v" },
            ],
          },
        });
        expect(res.status).toBe(200);
      }
      await page.setViewportSize(viewport);
      const folder = "/a-long-folder-name/and-a-sub-folder";
      // The folder imports another environment's: its page lists the import and the keys it brings.
      const imported = await ctx.api("/api/v2/secret-imports", {
        json: {
          projectId: project,
          environment: "production",
          path: folder,
          import: { environment: "a-long-environment-named-for-a-customer", path: folder },
        },
      });
      expect(imported.status).toBe(200);
      const place = new URLSearchParams({ project, env: "production", path: folder, from: "projects" });
      for (const [path, shot] of [
        ["/console/projects", "projects"],
        [`/console/projects/${project}?path=${folder}`, "project"],
        [`/console/projects/${project}/production${folder}`, "project-folder"],
        [`/console/secrets/imports/new?${place}`, "import-add"],
      ] as const) {
        await page.goto(path);
        await screenshot(page, `${shot}-${viewport.width}`);
        expect(await overflow(), path).toEqual({ page: 0, past: [], clipped: [] });
      }
    });
  }

  it("/docs renders the API reference of both documents with no internet: every request stays on the local run", async () => {
    const offline = await page.context().browser()?.newContext({ baseURL: ctx.stack.url, viewport: widths[0] });
    if (!offline) throw new Error("no browser");
    const elsewhere: string[] = [];
    await offline.route("**/*", (route) => {
      if (new URL(route.request().url()).origin === ctx.stack.url) return route.continue();
      elsewhere.push(route.request().url());
      return route.abort("internetdisconnected");
    });
    const docs = await offline.newPage();
    await docs.goto("/docs");
    await docs.getByRole("heading", { name: "Railway App Connections", level: 1 }).waitFor();
    await docs.getByText("The caller's connections, newest first").first().waitFor();
    await screenshot(docs, "docs-offline");
    // The secrets function's document, the page's second source.
    await docs.goto("/docs?api=secrets");
    await docs.getByRole("heading", { name: "Railway App Connections: secrets and secret syncs", level: 1 }).waitFor();
    await docs.getByText("Create a Railway secret sync").first().waitFor();
    await screenshot(docs, "docs-offline-secrets");
    await offline.close();
    expect(elsewhere).toEqual([]);
  });

  it("no page had a script error or a Content-Security-Policy violation", () => {
    expect(errors).toEqual([]);
  });
});
