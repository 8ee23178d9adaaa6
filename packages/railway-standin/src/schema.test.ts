import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isObjectType, printSchema } from "graphql";
import { expect, it } from "vitest";
import { railwaySdl, schema } from "./schema.ts";

it("serves the vendored Railway schema unchanged", () => {
  const provenance = readFileSync(new URL("../schema/PROVENANCE.md", import.meta.url), "utf8");
  const recorded = /sha256: `([0-9a-f]{64})`/.exec(provenance)?.[1];
  expect(recorded).toMatch(/^[0-9a-f]{64}$/);
  expect(createHash("sha256").update(railwaySdl).digest("hex")).toBe(recorded);
  const withoutHeader = railwaySdl.replace(/^(#.*\n)+/, "");
  expect(printSchema(schema).trim()).toBe(withoutHeader.trim());
});

it("declares what Railway declares where our stand-in once differed", () => {
  expect(String(schema.getQueryType()?.getFields().apiToken?.type)).toBe("ApiTokenContext!");
  const user = schema.getType("User");
  expect(isObjectType(user) && String(user.getFields().name?.type)).toBe("String");
  const projects = schema.getQueryType()?.getFields().projects;
  expect(projects?.args.map((a) => a.name)).toEqual(expect.arrayContaining(["last", "before", "workspaceId"]));
});
