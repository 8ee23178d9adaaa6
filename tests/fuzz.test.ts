import { execFile } from "node:child_process";
import * as Venv from "@app/local/venv";
import { describe, expect, it } from "vitest";
import { useStack } from "./support/stack.ts";

const ctx = useStack();

/** schemathesis over one of the documents behind the URL; its exit code, and what it printed. */
const fuzz = (document: string) =>
  new Promise<{ code: number; output: string }>((resolve) =>
    execFile(
      Venv.bin("schemathesis"),
      [
        "run",
        `${ctx.stack.url}${document}`,
        "--header",
        `Authorization: Bearer ${ctx.stack.apiKey}`,
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--max-examples",
        "25",
        "--seed",
        "20261127",
        "--no-color",
      ],
      { timeout: 240_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );

describe("schemathesis, from the documents the service serves", () => {
  // Every check but positive_data_acceptance: the API has rules no schema can state (opaque
  // cursors, an Idempotency-Key used once per body, `method` only with new credentials), each
  // covered by tests of its own.
  it("finds no 5xx and no response that breaks the documented schema", async () => {
    const { code, output } = await fuzz("/openapi.json");
    expect(output).toMatch(/\d+ generated, \d+ passed/);
    expect(code, output.slice(-4000)).toBe(0);
    expect(output).not.toMatch(/ST\d{3}/);
  }, 300_000);

  // The secrets function's routes, as the prior art's SDK and CLI call them.
  it("finds the same of the secrets function's /openapi/secrets.json", async () => {
    const { code, output } = await fuzz("/openapi/secrets.json");
    expect(output).toMatch(/\d+ generated, \d+ passed/);
    expect(code, output.slice(-4000)).toBe(0);
    expect(output).not.toMatch(/ST\d{3}/);
  }, 300_000);
});
