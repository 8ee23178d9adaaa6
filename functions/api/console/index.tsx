import { randomUUID } from "node:crypto";
import * as ApiKey from "@app/core/apikey";
import * as Connection from "@app/core/connection";
import { VisibleError } from "@app/core/error";
import { log } from "@app/core/log";
import * as Session from "@app/core/session";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { Hono } from "hono/tiny";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  type C,
  type ConsoleEnv,
  cookieName,
  cookieOptions,
  formLimit,
  headers,
  notFound,
  notice,
  onError,
  page,
  requireSession,
  str,
} from "../../console-kit/frame.tsx";
import { type Notice, SignInPage } from "../../console-kit/layout.tsx";
import { serveAsset } from "../../console-kit/static.ts";
import {
  CreatePage,
  type CreateValues,
  DeletePage,
  DetailPage,
  IntegrationsPage,
  ListPage,
  ProjectsPage,
  Row,
  Summary,
} from "./connections.tsx";
import { type FieldErrors, fieldErrors } from "./rules.ts";

const SIGN_IN_TTL = 60 * 60;

const notices: Record<string, Notice> = {
  created: { tone: "ok", text: "Connection added. Railway is verifying its token; its status updates here." },
  saved: { tone: "ok", text: "Changes saved." },
  rotating: { tone: "info", text: "New token received. It is being verified with Railway." },
  verifying: { tone: "info", text: "Verifying the stored token with Railway again." },
  deleted: { tone: "ok", text: "Connection deleted." },
  "signed-out": { tone: "info", text: "You have signed out." },
  expired: { tone: "info", text: "Your session has ended. Sign in again to continue." },
};
const noticeOf = (c: C) => notice(c, notices);

export const consoleRoutes = new Hono<ConsoleEnv>();

// Only the console's own paths: this app is mounted at "/" beside the JSON API, whose answers
// (its JSON 404 included) must stay as they are. Cross-site form posts are refused by Origin /
// Sec-Fetch-Site before anything else looks at them.
for (const path of ["/", "/console/*"]) consoleRoutes.use(path, headers, csrf());

consoleRoutes.get("/", (c) => c.redirect("/console", 302));

consoleRoutes.get("/console/assets/:name", serveAsset);

// ---- sign in / out ----

/** A token for the sign-in form, echoed in a cookie: a forged cross-site sign-in cannot know it. */
function signInToken(c: C) {
  const existing = getCookie(c, cookieName(c, "signin"));
  if (existing && /^[\w-]{43}$/.test(existing)) return existing;
  const token = Session.token();
  setCookie(c, cookieName(c, "signin"), token, cookieOptions(c, SIGN_IN_TTL));
  return token;
}

consoleRoutes.get("/console/sign-in", async (c) => {
  if (await Session.fromSecret(getCookie(c, cookieName(c, "session")))) return c.redirect("/console", 303);
  return page(c, <SignInPage csrf={signInToken(c)} notice={noticeOf(c)} />);
});

consoleRoutes.post("/console/sign-in", formLimit(), async (c) => {
  const form = await c.req.parseBody();
  if (!Session.matches(getCookie(c, cookieName(c, "signin")) ?? "", form._csrf)) {
    const notice: Notice = {
      tone: "error",
      text: "The sign-in form expired or your browser did not send its cookie. Try again.",
    };
    return page(c, <SignInPage csrf={signInToken(c)} notice={notice} />, 403);
  }
  const credential = await ApiKey.credential(str(form.apiKey).trim());
  if (!credential) return page(c, <SignInPage csrf={signInToken(c)} error="This API key is not valid." />, 401);

  await Session.remove(getCookie(c, cookieName(c, "session")));
  const { secret, maxAge } = await Session.create(credential);
  setCookie(c, cookieName(c, "session"), secret, cookieOptions(c, maxAge));
  deleteCookie(c, cookieName(c, "signin"), cookieOptions(c, 0));
  const { orgId, keyId } = credential.actor;
  log.info("console sign-in", {
    requestId: c.get("requestId"),
    orgId,
    keyId,
    via: "expiresAt" in credential ? "access token" : "api key",
  });
  return c.redirect("/console", 303);
});

consoleRoutes.post("/console/sign-out", formLimit(), requireSession, async (c) => {
  await Session.remove(c.get("sessionSecret"));
  deleteCookie(c, cookieName(c, "session"), cookieOptions(c, 0));
  return c.redirect("/console/sign-in?notice=signed-out", 303);
});

// ---- connections ----

consoleRoutes.use("/console", requireSession);
// Also matches "/console/connections" itself.
consoleRoutes.use("/console/connections/*", formLimit(), requireSession);

consoleRoutes.get("/console", async (c) => {
  const session = c.get("session");
  const { items, cursor } = await Connection.list(session.actor, { cursor: c.req.query("cursor"), limit: 25 });
  return page(c, <ListPage session={session} items={items} next={cursor} notice={noticeOf(c)} />);
});

consoleRoutes.get("/console/connections/new", (c) => page(c, <IntegrationsPage session={c.get("session")} />));

const emptyCreate: CreateValues = { name: "", description: "", method: "", projectId: "" };

consoleRoutes.get("/console/connections/new/railway", (c) =>
  page(
    c,
    <CreatePage
      session={c.get("session")}
      values={emptyCreate}
      errors={{}}
      idempotencyKey={`console-${randomUUID()}`}
    />,
  ),
);

consoleRoutes.post("/console/connections", async (c) => {
  const session = c.get("session");
  const form = await c.req.parseBody();
  const values: CreateValues = {
    name: str(form.name).trim(),
    description: str(form.description).trim(),
    method: str(form.method),
    projectId: str(form.projectId).trim(),
  };
  const again = (errors: FieldErrors, status: ContentfulStatusCode, text?: string) =>
    page(
      c,
      <CreatePage
        session={session}
        values={values}
        errors={errors}
        idempotencyKey={`console-${randomUUID()}`}
        notice={{
          tone: "error",
          text: text ?? "Check the highlighted fields. The token was not kept: paste it again.",
        }}
      />,
      status,
    );

  const input = Connection.CreateInput.safeParse({
    name: values.name,
    description: values.description || undefined,
    method: values.method || undefined,
    projectId: values.projectId || undefined,
    credentials: { apiToken: str(form.token) },
  });
  if (!input.success) {
    const { fields, other } = fieldErrors(input.error, { ...values, token: str(form.token) });
    return again(fields, 422, other.length ? other.join(" ") : undefined);
  }
  const idempotency = str(form.idempotencyKey);
  try {
    const { connection } = await Connection.create(
      session.actor,
      input.data,
      /^console-[0-9a-f-]{36}$/.test(idempotency) ? idempotency : undefined,
    );
    return c.redirect(`/console?notice=created#conn-${connection.id}`, 303);
  } catch (err) {
    if (err instanceof Connection.NameTaken) return again({ name: err.message }, 409);
    if (err instanceof VisibleError && err.kind === "forbidden") return again({ projectId: err.message }, 403);
    throw err;
  }
});

const connectionId = (c: C) => c.req.param("id") ?? "";
/** The connection of the path, as the signed-in key sees it. */
const connection = (c: C) => Connection.fromID(c.get("session").actor, connectionId(c));

consoleRoutes.get("/console/connections/:id", async (c) => {
  const session = c.get("session");
  const conn = await connection(c);
  return page(c, <DetailPage session={session} c={conn} notice={noticeOf(c)} />);
});

consoleRoutes.get("/console/connections/:id/fragment", async (c) => {
  const session = c.get("session");
  const conn = await connection(c);
  return c.html(c.req.query("view") === "summary" ? <Summary c={conn} session={session} /> : <Row c={conn} />);
});

consoleRoutes.post("/console/connections/:id", async (c) => {
  const session = c.get("session");
  const id = connectionId(c);
  const form = await c.req.parseBody();
  const values = { name: str(form.name).trim(), description: str(form.description).trim() };
  const input = Connection.UpdateInput.safeParse({ name: values.name, description: values.description || null });
  let errors: FieldErrors;
  let status: ContentfulStatusCode = 422;
  if (input.success) {
    try {
      await Connection.update(session.actor, id, input.data);
      return c.redirect(`/console/connections/${id}?notice=saved`, 303);
    } catch (err) {
      if (!(err instanceof Connection.NameTaken)) throw err;
      errors = { name: err.message };
      status = 409;
    }
  } else errors = fieldErrors(input.error, values).fields;
  const conn = await connection(c);
  return page(
    c,
    <DetailPage
      session={session}
      c={conn}
      edit={{ values, errors }}
      notice={{ tone: "error", text: "The changes were not saved; check the highlighted fields." }}
    />,
    status,
  );
});

consoleRoutes.post("/console/connections/:id/credentials", async (c) => {
  const session = c.get("session");
  const id = connectionId(c);
  const form = await c.req.parseBody();
  const method = str(form.method);
  const input = Connection.UpdateInput.safeParse({
    method: method || undefined,
    credentials: { apiToken: str(form.token) },
  });
  if (input.success) {
    await Connection.update(session.actor, id, input.data);
    return c.redirect(`/console/connections/${id}?notice=rotating`, 303);
  }
  const conn = await connection(c);
  return page(
    c,
    <DetailPage
      session={session}
      c={conn}
      rotate={{ method, errors: fieldErrors(input.error, { method, token: str(form.token) }).fields }}
      notice={{ tone: "error", text: "The token was not rotated; check the highlighted fields." }}
    />,
    422,
  );
});

consoleRoutes.post("/console/connections/:id/verify", async (c) => {
  const session = c.get("session");
  const id = connectionId(c);
  try {
    await Connection.requestVerification(session.actor, id);
  } catch (err) {
    if (!(err instanceof Connection.NoCredentials)) throw err;
    const conn = await connection(c);
    const text = "There is no verified token to check again: Railway rejected it. Rotate the token instead.";
    return page(c, <DetailPage session={session} c={conn} notice={{ tone: "error", text }} />, 409);
  }
  return c.redirect(`/console/connections/${id}?notice=verifying`, 303);
});

consoleRoutes.get("/console/connections/:id/delete", async (c) => {
  const session = c.get("session");
  return page(c, <DeletePage session={session} c={await connection(c)} />);
});

consoleRoutes.post("/console/connections/:id/delete", async (c) => {
  await Connection.remove(c.get("session").actor, connectionId(c));
  return c.redirect("/console?notice=deleted", 303);
});

consoleRoutes.get("/console/connections/:id/projects", async (c) => {
  const session = c.get("session");
  const conn = await connection(c);
  const projects = await Connection.projects(session.actor, conn.id);
  return page(c, <ProjectsPage session={session} c={conn} projects={projects} />);
});

consoleRoutes.all("/console/*", notFound);
consoleRoutes.onError(onError);
