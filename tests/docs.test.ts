import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { docs, scalar } from "../functions/api/docs.tsx";
import pkg from "../package.json" with { type: "json" };
import { scriptFile } from "../packages/local/src/docs.ts";

// The local run serves the reference's script from the devDependency; deployed, /docs loads it
// from jsDelivr with Subresource Integrity. Both must be the same file, or one of them breaks.
describe("/docs: the same Scalar script locally and deployed", () => {
  const installed = JSON.parse(readFileSync(join(scriptFile, "../../../package.json"), "utf8")).version as string;

  it("the devDependency is pinned exactly to the version the deployed page loads", () => {
    expect(pkg.devDependencies["@scalar/api-reference"]).toBe(installed);
    expect(scalar.src).toContain(`/@scalar/api-reference@${installed}/dist/browser/standalone.js`);
  });

  it("deployed (no local server to serve it), /docs loads the pinned script from jsDelivr with its hash", async () => {
    const saved = process.env.DOCS_SCRIPT_URL;
    delete process.env.DOCS_SCRIPT_URL;
    const html = await (await new Hono().get("/docs", docs).request("/docs")).text();
    if (saved !== undefined) process.env.DOCS_SCRIPT_URL = saved;
    expect(html).toContain(`<script src="${scalar.src}" integrity="${scalar.integrity}" crossorigin="anonymous">`);
    expect(scalar.src).toMatch(/^https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@\d+\.\d+\.\d+\//);
  });

  it("the integrity hash is that of the file the local run serves", () => {
    const digest = createHash("sha384").update(readFileSync(scriptFile)).digest("base64");
    expect(scalar.integrity).toBe(`sha384-${digest}`);
  });
});
