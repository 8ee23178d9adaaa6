import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { scan } from "./support/aws.ts";
import { ConsoleClient, hidden } from "./support/console.ts";
import { useStack } from "./support/stack.ts";

// The console's Secrets pages without a browser (console.browser.test.ts clicks through them):
// what each form stores, what a page shows of a value, and what a refused form leaves.
const ctx = useStack({ worker: false, webhooks: false });

let signedIn: ConsoleClient | undefined;
async function browser() {
  if (signedIn) return signedIn;
  signedIn = new ConsoleClient(ctx.stack.url);
  await signedIn.signIn(ctx.stack.apiKey);
  return signedIn;
}

const place = () => ({ project: randomUUID(), env: "dev", path: "/" });
type Place = ReturnType<typeof place>;
const qs = (p: Place, extra: Record<string, string> = {}) => new URLSearchParams({ ...p, ...extra }).toString();

/** The secrets of a place as the raw secrets API answers them. */
async function stored(p: Place) {
  const q = new URLSearchParams({ workspaceId: p.project, environment: p.env, secretPath: p.path });
  const res = await ctx.api(`/api/v3/secrets/raw?${q}&expandSecretReferences=false`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { secrets: Array<Record<string, any>> }).secrets;
}

async function add(b: ConsoleClient, p: Place, key: string, value: string, extra: Record<string, string> = {}) {
  const res = await b.post("/console/secrets/new", { ...p, key, value, comment: "", ...extra });
  expect(res.status, res.html).toBe(303);
  return res;
}

const secretItems = async () =>
  (await scan(ctx.stack.resources.Table.name)).filter((i) => String(i.pk).startsWith("SECRETS#"));

describe("the Secrets pages", () => {
  it("send a signed-out visitor to sign in, and a signed-in one to the chooser", async () => {
    const visitor = new ConsoleClient(ctx.stack.url);
    for (const path of ["/console/secrets", `/console/secrets?${qs(place())}`, "/console/secrets/new"]) {
      const res = await visitor.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location")).toBe("/console/sign-in");
    }
    const b = await browser();
    const chooser = await b.get("/console/secrets");
    expect(chooser.status).toBe(200);
    expect(chooser.html).toContain('<label for="project">Project ID</label>');
    expect(chooser.html).toMatch(/<a href="\/console\/secrets" aria-current="page">/);
    expect(chooser.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("add a secret, list it masked, and reveal only the one asked for", async () => {
    const b = await browser();
    const p = place();
    const res = await add(b, p, "DATABASE_URL", "postgres://the-first-value", { comment: "primary" });
    expect(res.headers.get("location")).toBe(`/console/secrets?${qs(p, { notice: "created" })}#secret-DATABASE_URL`);
    await add(b, p, "API_KEY", "the-api-key-value");

    const list = await b.get(`/console/secrets?${qs(p)}`);
    expect(list.status).toBe(200);
    expect(list.html).toContain(">DATABASE_URL<");
    expect(list.html).toContain(">API_KEY<");
    expect(list.html).toContain("primary");
    expect(list.html).not.toContain("postgres://the-first-value");
    expect(list.html).not.toContain("the-api-key-value");

    const revealed = await b.get(`/console/secrets?${qs(p, { reveal: "API_KEY" })}`);
    expect(revealed.html).toContain("the-api-key-value");
    expect(revealed.html).not.toContain("postgres://the-first-value");

    expect((await stored(p)).map((s) => [s.secretKey, s.secretValue, s.secretComment]).sort()).toEqual([
      ["API_KEY", "the-api-key-value", ""],
      ["DATABASE_URL", "postgres://the-first-value", "primary"],
    ]);
  });

  it("show sub-folders one level at a time, and add into a new folder", async () => {
    const b = await browser();
    const p = place();
    await add(b, p, "ROOT_KEY", "r");
    await add(b, p, "BILLING_KEY", "b", { path: "/api/billing" });
    const root = await b.get(`/console/secrets?${qs(p)}`);
    expect(root.html).toContain(`href="/console/secrets?${qs({ ...p, path: "/api" }).replaceAll("&", "&amp;")}"`);
    expect(root.html).not.toContain("BILLING_KEY");
    const api = await b.get(`/console/secrets?${qs({ ...p, path: "/api" })}`);
    expect(api.html).toContain("billing");
    expect(api.html).not.toContain("ROOT_KEY");
    const billing = await b.get(`/console/secrets?${qs({ ...p, path: "/api/billing" })}`);
    expect(billing.html).toContain(">BILLING_KEY<");
    expect((await stored({ ...p, path: "/api/billing" })).map((s) => s.secretKey)).toEqual(["BILLING_KEY"]);
  });

  it("edit: a new value is a new version, a blank one keeps the value, a new key renames; every version readable", async () => {
    const b = await browser();
    const p = place();
    await add(b, p, "TOKEN", "version-one-value");
    const form = await b.get(`/console/secrets/edit?${qs(p, { key: "TOKEN" })}`);
    expect(form.status).toBe(200);
    expect(form.html).not.toContain("version-one-value");

    const edit = (fields: Record<string, string>) =>
      b.post("/console/secrets/edit", { ...p, existing: "TOKEN", key: "TOKEN", value: "", comment: "", ...fields });
    expect((await edit({ value: "version-two-value" })).status).toBe(303);
    expect((await edit({ comment: "kept its value" })).status).toBe(303);
    // The form comes back with the comment filled in, as it is now.
    const again = await b.get(`/console/secrets/edit?${qs(p, { key: "TOKEN" })}`);
    expect(again.html).toContain('value="kept its value"');
    const renamed = await edit({ key: "RENAMED_TOKEN", comment: "kept its value" });
    expect(renamed.status).toBe(303);

    const [secret] = await stored(p);
    expect(secret).toMatchObject({
      secretKey: "RENAMED_TOKEN",
      secretValue: "version-two-value",
      secretComment: "kept its value",
      version: 4,
    });

    const versions = await b.get(`/console/secrets/versions?${qs(p, { key: "RENAMED_TOKEN" })}`);
    expect(versions.status).toBe(200);
    expect([...versions.html.matchAll(/<th scope="row">(\d+)<\/th>/g)].map((m) => m[1])).toEqual(["4", "3", "2", "1"]);
    expect(versions.html).toContain('Versions of <span class="mono">RENAMED_TOKEN</span>');
    expect(versions.html).toContain(
      `href="/console/secrets/versions?${qs(p, { key: "RENAMED_TOKEN", reveal: "1" }).replaceAll("&", "&amp;")}"`,
    );
    expect(versions.html).not.toContain("version-one-value");
    expect(versions.html).not.toContain("version-two-value");
    const first = await b.get(`/console/secrets/versions?${qs(p, { key: "RENAMED_TOKEN", reveal: "1" })}`);
    expect(first.html).toContain("version-one-value");
    expect(first.html).not.toContain("version-two-value");
  });

  it("delete after a confirmation page", async () => {
    const b = await browser();
    const p = place();
    await add(b, p, "GOING", "going-value");
    await add(b, p, "STAYING", "staying-value");
    const confirm = await b.get(`/console/secrets/delete?${qs(p, { key: "GOING" })}`);
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain("Delete secret");
    expect(hidden(confirm.html, "key")).toBe("GOING");
    const res = await b.post("/console/secrets/delete", { ...p, key: "GOING" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/console/secrets?${qs(p, { notice: "deleted" })}`);
    expect((await stored(p)).map((s) => s.secretKey)).toEqual(["STAYING"]);
  });
});

describe("refused forms change nothing, and never echo the value", () => {
  const cases: Array<[string, Record<string, string>, number, RegExp]> = [
    [
      "a key with a space",
      { key: "HAS SPACE" },
      422,
      /letters, digits, &#39;_&#39; or &#39;-&#39;|letters, digits, '_' or '-'/,
    ],
    ["an empty key", { key: "" }, 422, /key-error[^>]*>[^<]+</],
    ["a value over 32 KiB", { value: "x".repeat(32 * 1024 + 1) }, 422, /at most 32768 bytes/],
    ["a bad folder", { path: "no-leading-slash" }, 422, /must be &#39;\/&#39;|must be '\/'/],
  ];
  it.each(cases)("%s", async (_, fields, status, message) => {
    const b = await browser();
    const p = place();
    const before = (await secretItems()).length;
    const res = await b.post("/console/secrets/new", {
      ...p,
      key: "GOOD_KEY",
      value: "a-refused-value",
      comment: "",
      ...fields,
    });
    expect(res.status).toBe(status);
    expect(res.html).toMatch(message);
    expect(res.html).not.toContain("a-refused-value");
    expect((await secretItems()).length).toBe(before);
  });

  it("a key that exists is a 400 saying so, and the first value stays", async () => {
    const b = await browser();
    const p = place();
    await add(b, p, "TWICE", "the-first");
    const res = await b.post("/console/secrets/new", { ...p, key: "TWICE", value: "the-second", comment: "" });
    expect(res.status).toBe(400);
    expect(res.html).toContain("Secret &quot;TWICE&quot; already exists");
    expect(res.html).not.toContain("the-second");
    expect((await stored(p)).map((s) => s.secretValue)).toEqual(["the-first"]);
  });

  it("a form without the session's token, or from another origin, is refused", async () => {
    const b = await browser();
    const p = place();
    const before = (await secretItems()).length;
    const form = { ...p, key: "FORGED", value: "forged-value", comment: "" };
    expect((await b.post("/console/secrets/new", form, { csrf: null })).status).toBe(403);
    expect((await b.post("/console/secrets/new", form, { csrf: "x".repeat(43) })).status).toBe(403);
    expect((await b.post("/console/secrets/new", form, { origin: "https://evil.example" })).status).toBe(403);
    expect((await secretItems()).length).toBe(before);
  });

  it("a bad project or environment in the address is a 400 naming it", async () => {
    const b = await browser();
    const res = await b.get(`/console/secrets?${qs({ ...place(), env: "Not A Slug" })}`);
    expect(res.status).toBe(400);
    expect(res.html).toContain("env: must be a slug");
  });

  it("a key limited to one project cannot open another's secrets", async () => {
    const ApiKey = await import("@app/core/apikey");
    const mine = randomUUID();
    const limited = (await ApiKey.create({ name: "limited", orgId: ctx.stack.orgId, projectIds: [mine] })).secret;
    const b = new ConsoleClient(ctx.stack.url);
    await b.signIn(limited);
    const elsewhere = await b.get(`/console/secrets?${qs({ ...place() })}`);
    expect(elsewhere.status).toBe(403);
    const res = await b.post("/console/secrets/new", { ...place(), key: "NOPE", value: "v", comment: "" });
    expect(res.status).toBe(403);
    const own = await b.get(`/console/secrets?${qs({ ...place(), project: mine })}`);
    expect(own.status).toBe(200);
  });
});

it("no value written through the console is in a table item, a log line or the audit", async () => {
  const b = await browser();
  const p = place();
  const value = `console-secret-${randomUUID()}`;
  await add(b, p, "SCANNED", value);
  await b.post("/console/secrets/edit", {
    ...p,
    existing: "SCANNED",
    key: "SCANNED",
    value: `${value}-2`,
    comment: "",
  });
  expect(JSON.stringify(await scan(ctx.stack.resources.Table.name))).not.toContain(value);
  expect(ctx.output.join("")).not.toContain(value);
  const audit = await ctx.api("/api/v1/audit-logs");
  const text = await audit.text();
  expect(text).toContain("SCANNED");
  expect(text).not.toContain(value);
});
