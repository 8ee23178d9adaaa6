import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { screenshot, useBrowser, watchErrors } from "./support/browser.ts";
import { useStack } from "./support/stack.ts";

// A new user in a real headless Chromium: from sign-in to a folder of a project's production
// secrets by links alone (no id typed), then the environments side by side.
const ctx = useStack({ worker: false, webhooks: false });
const chrome = useBrowser();
const project = crypto.randomUUID();
const values = {
  prod: "postgres://prod-value-in-browser",
  dev: "postgres://dev-value-in-browser",
  same: "the-same-in-both-environments",
};
let page: Page;
let errors: string[];

async function put(environment: string, secrets: Record<string, string>, secretPath = "/") {
  const res = await ctx.api("/api/v3/secrets/batch/raw", {
    json: {
      workspaceId: project,
      environment,
      secretPath,
      secrets: Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
    },
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  await put("production", { DATABASE_URL: values.prod, SHARED: values.same, ONLY_PROD: "only-prod-value" });
  await put("production", { API_TOKEN: "api-token-value" }, "/api");
  await put("development", { DATABASE_URL: values.dev, SHARED: values.same });
  if (!chrome.browser) return;
  const context = await chrome.browser.newContext({ baseURL: ctx.stack.url, viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = watchErrors(page);
});

const noValues = async () => {
  const html = await page.content();
  for (const value of [...Object.values(values), "only-prod-value", "api-token-value", "the-new-value"])
    expect(html).not.toContain(value);
};

describe("the Projects pages in a browser", () => {
  it("lead a new user from sign-in to a folder of production, and add a secret there, typing no id", async () => {
    await page.goto("/console/sign-in");
    await page.getByLabel("API key").fill(ctx.stack.apiKey);
    await page.keyboard.press("Enter");
    await page.waitForURL("**/console");
    await page.getByRole("link", { name: "Secrets", exact: true }).click();
    await page.getByRole("heading", { name: "Projects" }).waitFor();
    await page.getByRole("link", { name: project }).click();
    await page.getByRole("heading", { name: project, level: 1 }).waitFor();
    await page.getByRole("link", { name: "production", exact: true }).first().click();
    await page.waitForURL(`**/console/projects/${project}/production`);
    await page.getByRole("link", { name: "api" }).click();
    await page.waitForURL(`**/console/projects/${project}/production/api`);
    await page.getByRole("row", { name: /API_TOKEN/ }).waitFor();
    await noValues();

    await page.getByRole("link", { name: "Add secret" }).click();
    expect(await page.getByLabel("Folder").inputValue()).toBe("/api");
    await page.getByLabel("Key").fill("NEW_KEY");
    await page.getByLabel("Value", { exact: true }).fill("the-new-value");
    await page.getByRole("button", { name: "Add secret" }).click();
    await page.getByText("Secret added.").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/projects/${project}/production/api`);
    await page.getByRole("row", { name: /NEW_KEY/ }).waitFor();
    await noValues();
    await screenshot(page, "projects-folder");

    // Breadcrumbs lead back up, by keyboard too.
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "production" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/console/projects/${project}/production`);
  });

  it("shows a folder's keys side by side: a key missing in one environment, a value that differs, no value", async () => {
    await page.getByRole("link", { name: "Compare environments" }).click();
    const grid = page.getByRole("table", { name: "Keys of / against environments" });
    await grid.waitFor();
    expect(await grid.locator("thead th").allTextContents()).toEqual(["Key", "development", "production"]);
    // What a sighted user reads in each cell (its link also names the key and environment to screen readers).
    const cells = async (key: string) =>
      (
        await grid
          .getByRole("row", { name: new RegExp(`^${key}`) })
          .locator("td")
          .allInnerTexts()
      ).map((t) => t.split("\n")[0]?.trim());
    expect(await cells("ONLY_PROD")).toEqual(["— missing", "● set"]);
    expect(await cells("DATABASE_URL")).toEqual(["● set", "≠ differs"]);
    expect(await cells("SHARED")).toEqual(["● set", "= same"]);
    await noValues();
    await screenshot(page, "projects-compare");

    // A missing key's cell opens the form to add it there.
    await grid.getByRole("link", { name: /in development: add ONLY_PROD/ }).click();
    expect(await page.getByLabel("Key").inputValue()).toBe("ONLY_PROD");
    await page.getByLabel("Value", { exact: true }).fill("dev-only-value");
    await page.getByRole("button", { name: "Add secret" }).click();
    await page.getByText("Secret added.").waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/projects/${project}/development`);
    await page.getByRole("link", { name: "Compare environments" }).click();
    await grid.waitFor();
    expect(await cells("ONLY_PROD")).toEqual(["● set", "≠ differs"]);
  });

  it("no page had a script error or a Content-Security-Policy violation", () => {
    expect(errors).toEqual([]);
  });
});
