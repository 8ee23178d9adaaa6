import { createHash } from "node:crypto";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamo, scan } from "./support/aws.ts";
import { ConsoleClient, cookie, hidden } from "./support/console.ts";
import { settled, useStack } from "./support/stack.ts";

// The console without a browser: what a forged request, a cookie thief or a log reader would see.
const ctx = useStack();
const base = "/api/v1/app-connections/railway";
const client = () => new ConsoleClient(ctx.stack.url);

let n = 0;
const uniqueName = () => `console-${++n}-${Math.random().toString(36).slice(2, 7)}`;

const connections = async (auth?: string) =>
  ((await (await ctx.api(`${base}?limit=100`, { auth })).json()) as { appConnections: Array<Record<string, any>> })
    .appConnections;

const teamToken = () => {
  const user = ctx.railway.addUser();
  return ctx.railway.addWorkspace(user.id).workspaceToken;
};

describe("signing in", () => {
  it("sends a signed-out visitor from / and every console page to the sign-in page", async () => {
    const visitor = client();
    const root = await visitor.get("/");
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/console");
    for (const path of ["/console", "/console/connections/new", `/console/connections/${crypto.randomUUID()}`]) {
      const res = await visitor.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location")).toBe("/console/sign-in");
    }
    const fragment = await visitor.get(`/console/connections/${crypto.randomUUID()}/fragment`);
    expect(fragment.status).toBe(401);

    const signIn = await visitor.get("/console/sign-in");
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get("content-type")).toMatch(/^text\/html/);
    expect(signIn.html).toMatch(/^<!DOCTYPE html>/);
    expect(signIn.html).toContain('<label for="apiKey">API key</label>');
    expect(signIn.html).toContain('type="password"');
  });

  it("keeps the session in an HttpOnly, SameSite=Strict cookie, stored only as a hash with an expiry", async () => {
    const browser = client();
    const before = Math.floor(Date.now() / 1000);
    const { cookie: header } = await browser.signIn(ctx.stack.apiKey);
    expect(header).toMatch(/^rwc_session=[\w-]{43}; Max-Age=28800; Path=\/; HttpOnly; SameSite=Strict$/);
    // Plain http on 127.0.0.1 (npm run dev) is the only place without Secure; see the https test below.
    expect(header).not.toMatch(/Secure/i);

    const items = await scan(ctx.stack.resources.Table.name);
    expect(JSON.stringify(items)).not.toContain(browser.session);
    const stored = items.find((i) => i.pk === `SESSION#${createHash("sha256").update(browser.session).digest("hex")}`);
    expect(stored).toMatchObject({ type: "session", orgId: ctx.stack.orgId, keyId: expect.any(String) });
    expect(stored?.expiresAt).toBeGreaterThanOrEqual(before + 8 * 3600);
    expect(stored?.expiresAt).toBeLessThan(before + 8 * 3600 + 60);

    // Neither the key nor the session id is ever in a page.
    for (const html of browser.pages) {
      expect(html).not.toContain(ctx.stack.apiKey);
      expect(html).not.toContain(browser.session);
    }
  });

  it("over https the cookies are Secure and __Host- prefixed", async () => {
    const { app } = await import("../functions/api/app.ts");
    const origin = "https://console.example.com";
    const form = await app.request(`${origin}/console/sign-in`);
    const signin = cookie(form, "__Host-rwc_signin");
    expect(signin?.header).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    const res = await app.request(`${origin}/console/sign-in`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin,
        cookie: `__Host-rwc_signin=${signin?.value}`,
      },
      body: new URLSearchParams({ _csrf: hidden(await form.text(), "_csrf") ?? "", apiKey: ctx.stack.apiKey }),
    });
    expect(res.status).toBe(303);
    expect(cookie(res, "__Host-rwc_session")?.header).toMatch(
      /^__Host-rwc_session=[\w-]{43}; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
  });

  it("refuses a wrong key without echoing it or opening a session", async () => {
    const visitor = client();
    const form = await fetch(`${ctx.stack.url}/console/sign-in`);
    const signin = cookie(form, "rwc_signin");
    const res = await fetch(`${ctx.stack.url}/console/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: ctx.stack.url,
        cookie: `rwc_signin=${signin?.value}`,
      },
      body: new URLSearchParams({ _csrf: hidden(await form.text(), "_csrf") ?? "", apiKey: "rwc_wrong-key-value" }),
    });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain("This API key is not valid.");
    expect(html).not.toContain("rwc_wrong-key-value");
    expect(cookie(res, "rwc_session")).toBeUndefined();
    expect((await visitor.get("/console")).status).toBe(303);
  });

  it("signing out deletes the session: the old cookie no longer opens the console", async () => {
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    const hash = createHash("sha256").update(browser.session).digest("hex");
    const res = await browser.post("/console/sign-out", {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/sign-in?notice=signed-out");
    expect(cookie(res, "rwc_session")?.header).toMatch(/^rwc_session=; Max-Age=0; Path=\//);
    expect((await scan(ctx.stack.resources.Table.name)).some((i) => i.pk === `SESSION#${hash}`)).toBe(false);

    const replay = await browser.get("/console");
    expect(replay.status).toBe(303);
    expect(replay.headers.get("location")).toBe("/console/sign-in");
  });

  it("an expired session is signed out even before DynamoDB's TTL deletes it", async () => {
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    const hash = createHash("sha256").update(browser.session).digest("hex");
    await dynamo().send(
      new UpdateCommand({
        TableName: ctx.stack.resources.Table.name,
        Key: { pk: `SESSION#${hash}`, sk: "SESSION" },
        UpdateExpression: "SET expiresAt = :past",
        ExpressionAttributeValues: { ":past": Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    expect((await browser.get("/console")).headers.get("location")).toBe("/console/sign-in");
  });
});

describe("CSRF", () => {
  it("refuses a state-changing form without this session's token or from another origin, and changes nothing", async () => {
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    const other = client();
    await other.signIn(ctx.stack.apiKey);
    const form = () => ({ name: uniqueName(), method: "team-token", token: "some-token" });
    const before = (await connections()).length;

    const attempts = {
      "no token": await browser.post("/console/connections", form(), { csrf: null }),
      "a wrong token": await browser.post("/console/connections", form(), { csrf: "x".repeat(43) }),
      "another session's token": await browser.post("/console/connections", form(), { csrf: other.csrf }),
      "another origin": await browser.post("/console/connections", form(), { origin: "https://evil.example" }),
      "a cross-site fetch without Origin": await browser.post("/console/connections", form(), {
        origin: null,
        headers: { "sec-fetch-site": "cross-site" },
      }),
      "a JSON body": await fetch(`${ctx.stack.url}/console/connections`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/json",
          origin: ctx.stack.url,
          cookie: `rwc_session=${browser.session}`,
        },
        body: JSON.stringify({ _csrf: browser.csrf, ...form() }),
      }),
    };
    for (const [what, res] of Object.entries(attempts)) {
      expect(res.status, what).toBe(403);
      expect(res.headers.get("content-type"), what).toMatch(/^text\/html/);
    }
    expect(attempts["no token"].html).toContain("Request refused");
    expect((await connections()).length).toBe(before);

    // Sign-out is a form too; refused, the session stays open.
    expect((await browser.post("/console/sign-out", {}, { csrf: null })).status).toBe(403);
    expect((await browser.post("/console/sign-out", {}, { origin: "https://evil.example" })).status).toBe(403);
    expect((await browser.get("/console")).status).toBe(200);

    // The same request with the token and the console's origin goes through.
    const ok = await browser.post("/console/connections", form());
    expect(ok.status).toBe(303);
    expect((await connections()).length).toBe(before + 1);
  });

  it("refuses a sign-in posted from another origin or without the sign-in form's cookie", async () => {
    const form = await fetch(`${ctx.stack.url}/console/sign-in`);
    const signin = cookie(form, "rwc_signin")?.value ?? "";
    const csrf = hidden(await form.text(), "_csrf") ?? "";
    const post = (headers: Record<string, string>) =>
      fetch(`${ctx.stack.url}/console/sign-in`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({ _csrf: csrf, apiKey: ctx.stack.apiKey }),
      });
    const crossSite = await post({ origin: "https://evil.example", cookie: `rwc_signin=${signin}` });
    expect(crossSite.status).toBe(403);
    const noCookie = await post({ origin: ctx.stack.url });
    expect(noCookie.status).toBe(403);
    for (const res of [crossSite, noCookie]) expect(cookie(res, "rwc_session")).toBeUndefined();
  });
});

describe("headers", () => {
  it("every page has a strict Content-Security-Policy, no inline script or style, and is not cached", async () => {
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    const created = await browser.post("/console/connections", {
      name: uniqueName(),
      method: "team-token",
      token: teamToken(),
    });
    const id = created.headers.get("location")?.match(/#conn-(.+)$/)?.[1];
    expect(id).toBeDefined();
    expect((await settled(ctx, id!)).status).toBe("active");

    const paths = [
      "/console",
      "/console/connections/new",
      "/console/connections/new/railway",
      `/console/connections/${id}`,
      `/console/connections/${id}/delete`,
      `/console/connections/${id}/projects`,
      `/console/connections/${id}/fragment?view=row`,
      `/console/connections/${crypto.randomUUID()}`,
      "/console/no-such-page",
    ];
    for (const path of ["/console/sign-in", ...paths]) {
      const res = await (path === "/console/sign-in" ? client() : browser).get(path);
      expect([200, 404], path).toContain(res.status);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp.split("; ").sort(), path).toEqual(
        [
          "base-uri 'none'",
          "connect-src 'self'",
          "default-src 'none'",
          "form-action 'self'",
          "frame-ancestors 'none'",
          "img-src 'self'",
          "script-src 'self'",
          "style-src 'self'",
        ].sort(),
      );
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("x-frame-options"), path).toBe("SAMEORIGIN");
      expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(res.headers.get("permissions-policy"), path).toBe("camera=(), microphone=(), geolocation=(), payment=()");
      expect(res.headers.get("cross-origin-opener-policy"), path).toBe("same-origin");
      expect(res.headers.get("cache-control"), path).toBe("no-store");
      expect(res.html, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(res.html, path).not.toMatch(/\son[a-z]+=/i);
      expect(res.html, path).not.toMatch(/\sstyle=/i);
    }

    const page = await browser.get("/console");
    const script = page.html.match(/<script src="([^"]+)"/)?.[1];
    expect(script).toMatch(/^\/console\/assets\/console\.js\?v=[0-9a-f]{12}$/);
    const js = await fetch(`${ctx.stack.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect(js.headers.get("vary")).toContain("Accept-Encoding");
    const source = await js.text();
    expect(source).toContain("data-poll");
    const plain = await fetch(`${ctx.stack.url}${script}`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toBe(source);
    for (const name of ["constructor", "nothing.js", "..%2Fapp.ts"])
      expect((await fetch(`${ctx.stack.url}/console/assets/${name}`)).status, name).toBe(404);
  });

  it("static files go gzipped only to clients that accept gzip", async () => {
    const { acceptsGzip } = await import("../functions/console-kit/static.ts");
    for (const [header, expected] of [
      ["gzip, deflate, br", true],
      ["br;q=1.0, gzip;q=0.5", true],
      ["*", true],
      ["gzip;q=0", false],
      ["br, identity", false],
      ["", false],
      [undefined, false],
    ] as const)
      expect(acceptsGzip(header), String(header)).toBe(expected);
  });

  it("the JSON API keeps its own answers: no console headers, bearer keys only", async () => {
    const res = await ctx.api(base);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBeNull();
    for (const path of ["/api/v1/nothing-here", "/nothing-here", "/consoles"]) {
      const missing = await ctx.api(path);
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get("content-security-policy"), path).toBeNull();
      expect(((await missing.json()) as any).code, path).toBe("route_not_found");
    }
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    // A session cookie is not an API credential.
    const withCookie = await fetch(`${ctx.stack.url}${base}`, {
      headers: { cookie: `rwc_session=${browser.session}` },
    });
    expect(withCookie.status).toBe(401);
  });
});

describe("forms", () => {
  it("validates with the API's rules, keeps what was typed except the token, and stores nothing", async () => {
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    const before = (await connections()).length;
    const token = `tok-${crypto.randomUUID()}`;
    const res = await browser.post("/console/connections", {
      name: "Not A Slug",
      description: "x".repeat(300),
      method: "",
      token,
    });
    expect(res.status).toBe(422);
    expect(res.html).toContain("must be a slug: lowercase letters, digits and hyphens only");
    expect(res.html).toContain("Choose a token type");
    expect(res.html).toContain("must be at most 256 characters");
    expect(res.html).toContain('value="Not A Slug"');
    expect(res.html).toMatch(/id="name"[^>]*aria-invalid="true"/);
    expect(res.html).not.toContain(token);
    expect((await connections()).length).toBe(before);
  });

  it("the name field's HTML pattern is the API's rule, valid with the browser's v flag", async () => {
    const Connection = await import("@app/core/connection");
    const { rules } = await import("../functions/api/console/rules.ts");
    const pattern = new RegExp(`^(?:${rules().name.pattern})$`, "v");
    for (const name of ["ok", "a-b-1", "-", "Bad", "has space", "ünï", "a_b", "x".repeat(40)])
      expect(pattern.test(name) && name.length <= (rules().name.maxlength ?? 0), name).toBe(
        Connection.Name.safeParse(name).success,
      );
  });

  it("a duplicate name is shown on the name field", async () => {
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    const name = uniqueName();
    expect((await browser.post("/console/connections", { name, method: "team-token", token: "t1" })).status).toBe(303);
    const again = await browser.post("/console/connections", { name, method: "team-token", token: "t2" });
    expect(again.status).toBe(409);
    expect(again.html).toContain(`An App Connection with the name &quot;${name}&quot; already exists`);
  });

  it("a double-submitted form creates one connection", async () => {
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    const form = await browser.get("/console/connections/new/railway");
    const idempotencyKey = hidden(form.html, "idempotencyKey") ?? "";
    expect(idempotencyKey).toMatch(/^console-/);
    const body = { name: uniqueName(), method: "team-token", token: "same", idempotencyKey };
    const [a, b] = await Promise.all([
      browser.post("/console/connections", body),
      browser.post("/console/connections", body),
    ]);
    expect(a.headers.get("location")).toBe(b.headers.get("location"));
    expect((await connections()).filter((c) => c.name === body.name)).toHaveLength(1);
  });

  it("output is escaped", async () => {
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    const res = await browser.post("/console/connections", {
      name: uniqueName(),
      description: `<script>alert("x")</script><img src=x onerror=alert(1)>`,
      method: "team-token",
      token: "t",
    });
    const list = await browser.get("/console");
    expect(res.status).toBe(303);
    expect(list.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(list.html).not.toContain("<script>alert");
  });

  it("a key limited to projects can only choose among them", async () => {
    const ApiKey = await import("@app/core/apikey");
    const projectId = crypto.randomUUID();
    const key = await ApiKey.create({ orgId: ctx.stack.orgId, name: "limited", projectIds: [projectId] });
    const browser = client();
    await browser.signIn(key.secret);
    const form = await browser.get("/console/connections/new/railway");
    expect(form.html).toContain(`<option value="${projectId}"`);
    const elsewhere = await browser.post("/console/connections", {
      name: uniqueName(),
      method: "team-token",
      token: "t",
      projectId: crypto.randomUUID(),
    });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.html).toContain("may not use project");
    const ok = await browser.post("/console/connections", {
      name: uniqueName(),
      method: "team-token",
      token: "t",
      projectId,
    });
    expect(ok.status).toBe(303);
  });
});

describe("secrets", () => {
  it("no Railway token appears in any HTML response or log line, through create, failure, rotation and delete", async () => {
    const browser = client();
    await browser.signIn(ctx.stack.apiKey);
    const user = ctx.railway.addUser({ name: "Grace" });
    const workspace = ctx.railway.addWorkspace(user.id, { name: "Compilers" });
    const project = ctx.railway.addProject(workspace.id, { name: "cobol", services: ["api"] });
    const projectToken = ctx.railway.createProjectToken(project.id, project.environments[0]!.id);
    const tokens = [workspace.workspaceToken, user.accountToken, projectToken, `never-valid-${crypto.randomUUID()}`];

    // rejected by validation: the token is not rendered back
    await browser.post("/console/connections", { name: "BAD", method: "team-token", token: tokens[0]! });
    const created = await browser.post("/console/connections", {
      name: uniqueName(),
      method: "team-token",
      token: tokens[0]!,
    });
    const id = created.headers.get("location")?.match(/#conn-(.+)$/)?.[1] ?? "";
    expect((await settled(ctx, id)).status).toBe("active");
    expect((await browser.post(`/console/connections/${id}/credentials`, { token: "" })).status).toBe(422);
    expect(
      (await browser.post(`/console/connections/${id}/credentials`, { method: "account-token", token: tokens[1]! }))
        .status,
    ).toBe(303);
    await expect.poll(async () => (await settled(ctx, id)).method, { timeout: 10_000 }).toBe("account-token");
    const wrong = await browser.post("/console/connections", {
      name: uniqueName(),
      method: "account-token",
      token: tokens[2]!,
    });
    const wrongId = wrong.headers.get("location")?.match(/#conn-(.+)$/)?.[1] ?? "";
    expect((await settled(ctx, wrongId)).statusMessage).toContain('Choose the method "project-token" instead.');
    await browser.post("/console/connections", { name: uniqueName(), method: "team-token", token: tokens[3]! });

    for (const path of [
      "/console",
      `/console/connections/${id}`,
      `/console/connections/${id}/fragment?view=row`,
      `/console/connections/${id}/fragment?view=summary`,
      `/console/connections/${id}/projects`,
      `/console/connections/${wrongId}`,
    ])
      expect((await browser.get(path)).status, path).toBe(200);
    expect(browser.pages.join("\n")).toContain("Choose the method &quot;project-token&quot; instead.");
    expect((await browser.post(`/console/connections/${id}/delete`, {})).status).toBe(303);

    const everything = `${browser.pages.join("\n")}\n${ctx.output.join("")}`;
    for (const token of tokens) expect(everything).not.toContain(token);
    expect(everything).not.toContain(browser.session);
  });
});
