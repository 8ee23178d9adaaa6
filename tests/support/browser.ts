import { existsSync, mkdirSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach } from "vitest";

/** Debian's chromium package; `.ci/run` installs it when it is missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Screenshots of the main screens, for a person to look at; git-ignored. */
export const SCREENSHOTS = ".screenshots";

const missing =
  `Chromium is not installed at ${CHROMIUM}, so the console's browser tests cannot run. ` +
  "Install Debian's package: apt-get update && apt-get install -y --no-install-recommends chromium " +
  "(.ci/run does this before npm test), or set CHROMIUM_PATH.";

/**
 * One headless Chromium for a test file. Without the browser every test of the file fails with
 * a message saying how to install it (a failing beforeAll would report them as skipped).
 */
export function useBrowser() {
  const ctx = {} as { browser: Browser };
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) return;
    ctx.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  beforeEach(() => {
    if (!ctx.browser) throw new Error(missing);
  });
  afterAll(async () => {
    await ctx.browser?.close();
  });
  return ctx;
}

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });

/**
 * Collects what the page reports that a person would not want: script errors and console
 * errors (a CSP violation shows up as one).
 */
export function watchErrors(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}
