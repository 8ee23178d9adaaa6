/**
 * The console's Secrets pages, served by the secrets function (its code stays out of the API's
 * bundle) with the same session, CSRF and frame as the connection pages. A place (place.ts) is a
 * project, an environment and a folder. Values are masked; one is revealed only when asked for
 * by name, and is never echoed back into a form.
 */
import { VisibleError } from "@app/core/error";
import * as Project from "@app/core/project";
import * as Secret from "@app/core/secret";
import type * as SecretImport from "@app/core/secret-import";
import type * as Session from "@app/core/session";
import { csrf } from "hono/csrf";
import { Hono } from "hono/tiny";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as z from "zod/mini";
import {
  type C,
  type ConsoleEnv,
  formLimit,
  headers,
  notFound,
  notice,
  onError,
  page,
  requireSession,
  str,
} from "../console-kit/frame.tsx";
import { CsrfField, Layout, type Notice, When } from "../console-kit/layout.tsx";
import { type ImportedKey, ImportsSection, importNotices, importsOf, mountImports } from "./imports-console.tsx";
import { Crumbs, PlaceFields } from "./parts.tsx";
import { at, type Place, placeOf, projectUrl } from "./place.ts";
import { ProjectList, ProjectPage, ProjectsPage } from "./projects-console.tsx";

type Field = "key" | "value" | "comment" | "path";
type Errors = Partial<Record<Field, string>>;

const notices: Record<string, Notice> = {
  created: { tone: "ok", text: "Secret added." },
  saved: { tone: "ok", text: "Secret saved as a new version." },
  deleted: { tone: "ok", text: "Secret deleted." },
  ...importNotices,
};

const scope = (session: Session.Info, place: Place): Secret.Scope => ({
  orgId: session.actor.orgId,
  projectId: place.project,
  environment: place.env,
  path: place.path,
});

const Masked = () => (
  <span class="secret-value">
    <span aria-hidden="true">••••••••</span>
    <span class="visually-hidden">Value hidden</span>
  </span>
);

/** The Secrets page: the org's projects to open, and a project opened by its id. */
const ChoosePage = ({
  session,
  projects,
  error,
}: {
  session: Session.Info;
  projects: Project.Summary[];
  error?: string | undefined;
}) => (
  <Layout title="Secrets" session={session} section="secrets">
    <div class="page-head">
      <div>
        <h1>Secrets</h1>
        <p>Each project keeps its secrets per environment (dev, staging, prod or your own) and folder.</p>
      </div>
    </div>
    <div class="stack">
      <ProjectList projects={projects} />
      <section class="card form" aria-labelledby="choose-title">
        <div class="card-body">
          <h2 id="choose-title">Open a project by its id</h2>
          <form method="get" action="/console/secrets">
            <div class="field">
              <label for="project">Project ID</label>
              <input id="project" name="project" type="text" required maxlength={64} autocomplete="off" />
              <p class="hint">The same project id your connections carry: a project not listed above yet.</p>
            </div>
            <div class="field">
              <label for="env">Environment</label>
              <input id="env" name="env" type="text" required maxlength={64} value="dev" autocomplete="off" />
            </div>
            <input type="hidden" name="path" value="/" />
            {error ? (
              <p class="field-error" role="alert">
                {error}
              </p>
            ) : null}
            <button class="button primary" type="submit">
              Open
            </button>
          </form>
        </div>
      </section>
    </div>
  </Layout>
);

/** The folders one level below `path`, from a recursive listing's secret paths. */
const subfolders = (path: string, paths: string[]) => {
  const prefix = path === "/" ? "/" : `${path}/`;
  return [...new Set(paths.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split("/")[0]))]
    .filter((name): name is string => Boolean(name))
    .sort();
};

const FolderPage = ({
  session,
  place,
  secrets,
  folders,
  reveal,
  imports,
  notice,
}: {
  session: Session.Info;
  place: Place;
  secrets: Secret.Info[];
  folders: string[];
  reveal: Secret.Info | undefined;
  imports: { imports: SecretImport.Info[]; keys: ImportedKey[] };
  notice?: Notice | undefined;
}) => (
  <Layout title={`Secrets · ${place.env}`} session={session} section="secrets" notice={notice}>
    <Crumbs place={place} />
    <div class="page-head">
      <div>
        <h1>
          {place.env} <span class="mono muted">{place.path}</span>
        </h1>
        <p>{`${secrets.length} secret${secrets.length === 1 ? "" : "s"} in this folder.`}</p>
      </div>
      <div class="actions">
        <a class="button" href={`${projectUrl(place.project)}?${new URLSearchParams({ path: place.path })}`}>
          Compare environments
        </a>
        <a class="button primary" href={at("/new", place)}>
          <span aria-hidden="true">+</span> Add secret
        </a>
      </div>
    </div>
    <div class="stack">
      {folders.length ? (
        <section class="card" aria-labelledby="folders-title">
          <div class="card-body">
            <h2 id="folders-title" class="small muted">
              Folders
            </h2>
            <ul class="folders">
              {folders.map((f) => (
                <li>
                  <a class="button" href={at("", { ...place, path: `${place.path === "/" ? "" : place.path}/${f}` })}>
                    <span aria-hidden="true">📁</span> {f}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        </section>
      ) : null}
      <div class="card">
        {secrets.length === 0 ? (
          <div class="empty">
            <h2>No secrets here yet</h2>
            <p>Add one, or send them with the SDK or the raw secrets API.</p>
          </div>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Secrets of this folder, by key</caption>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Value</th>
                  <th scope="col">Comment</th>
                  <th scope="col">Version</th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {secrets.map((s) => {
                  const shown = reveal?.secretKey === s.secretKey ? reveal : undefined;
                  return (
                    <tr id={`secret-${s.secretKey}`}>
                      <th scope="row" class="mono">
                        {s.secretKey}
                      </th>
                      <td>
                        {shown ? <span class="secret-value">{shown.secretValue}</span> : <Masked />}{" "}
                        <a
                          class="small"
                          href={
                            shown ? at("", place) : `${at("", place, { reveal: s.secretKey })}#secret-${s.secretKey}`
                          }
                        >
                          {shown ? "Hide" : "Reveal"}
                          <span class="visually-hidden">{` ${s.secretKey}`}</span>
                        </a>
                      </td>
                      <td>{s.secretComment || <span class="muted">—</span>}</td>
                      <td>{String(s.version)}</td>
                      <td>
                        <When iso={s.updatedAt} />
                      </td>
                      <td>
                        <div class="actions">
                          <a class="button" href={at("/edit", place, { key: s.secretKey })}>
                            Edit<span class="visually-hidden">{` ${s.secretKey}`}</span>
                          </a>
                          <a class="button quiet" href={at("/versions", place, { key: s.secretKey })}>
                            Versions<span class="visually-hidden">{` of ${s.secretKey}`}</span>
                          </a>
                          <a class="button danger" href={at("/delete", place, { key: s.secretKey })}>
                            Delete<span class="visually-hidden">{` ${s.secretKey}`}</span>
                          </a>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <ImportsSection place={place} imports={imports.imports} keys={imports.keys} />
    </div>
  </Layout>
);

const ErrorText = ({ field, errors }: { field: Field; errors: Errors }) => (
  <p class="field-error" id={`${field}-error`} data-error-for={field}>
    {errors[field] ?? ""}
  </p>
);

type Values = { key: string; comment: string; path: string };

/** Add (no `existing`) or edit a secret. The value is never filled in: edit leaves it blank to keep it. */
const SecretForm = ({
  session,
  place,
  existing,
  values,
  errors,
  notice,
}: {
  session: Session.Info;
  place: Place;
  existing?: string | undefined;
  values: Values;
  errors: Errors;
  notice?: Notice | undefined;
}) => {
  const title = existing ? `Edit ${existing}` : "Add secret";
  return (
    <Layout title={title} session={session} section="secrets" notice={notice}>
      <Crumbs place={place} last={title} />
      <div class="card form">
        <div class="card-body">
          <h1>{title}</h1>
          <form method="post" action={existing ? "/console/secrets/edit" : "/console/secrets/new"} data-validate>
            <CsrfField token={session.csrfToken} />
            <PlaceFields place={place} />
            {existing ? (
              <>
                <input type="hidden" name="path" value={place.path} />
                <input type="hidden" name="existing" value={existing} />
              </>
            ) : (
              <div class="field">
                <label for="path">Folder</label>
                <input
                  id="path"
                  name="path"
                  type="text"
                  value={values.path}
                  maxlength={400}
                  autocomplete="off"
                  aria-describedby="path-hint path-error"
                  aria-invalid={errors.path ? "true" : undefined}
                />
                <p class="hint" id="path-hint">
                  <code>/</code> or <code>/folder/sub-folder</code>; a new folder is made with its first secret.
                </p>
                <ErrorText field="path" errors={errors} />
              </div>
            )}
            <div class="field">
              <label for="key">Key</label>
              <input
                id="key"
                name="key"
                type="text"
                value={values.key}
                required
                maxlength={128}
                pattern="[A-Za-z0-9_\-]+"
                data-pattern="must be letters, digits, '_' or '-'"
                data-required="Enter a key"
                autocomplete="off"
                autocapitalize="off"
                spellcheck={false}
                aria-describedby="key-error"
                aria-invalid={errors.key ? "true" : undefined}
              />
              <ErrorText field="key" errors={errors} />
            </div>
            <div class="field">
              <label for="value">{existing ? "New value" : "Value"}</label>
              <textarea
                id="value"
                name="value"
                autocomplete="off"
                spellcheck={false}
                aria-describedby="value-hint value-error"
                aria-invalid={errors.value ? "true" : undefined}
              />
              <p class="hint" id="value-hint">
                {existing
                  ? "Leave empty to keep the current value; a change is saved as a new version."
                  : `At most ${Secret.maxValueBytes / 1024} KiB. References such as \${OTHER_KEY} or \${env.folder.KEY} expand when read.`}
              </p>
              <ErrorText field="value" errors={errors} />
            </div>
            <div class="field">
              <label for="comment">
                Comment <span class="optional">(optional)</span>
              </label>
              <input
                id="comment"
                name="comment"
                type="text"
                value={values.comment}
                maxlength={1024}
                aria-describedby="comment-error"
              />
              <ErrorText field="comment" errors={errors} />
            </div>
            <div class="actions">
              <button class="button primary" type="submit" data-busy="Saving…">
                {existing ? "Save" : "Add secret"}
              </button>
              <a class="button quiet" href={at("", place)}>
                Cancel
              </a>
            </div>
          </form>
        </div>
      </div>
    </Layout>
  );
};

const VersionsPage = ({
  session,
  place,
  name: key,
  versions,
  reveal,
}: {
  session: Session.Info;
  place: Place;
  name: string;
  versions: Secret.Info[];
  reveal: Secret.Info | undefined;
}) => (
  <Layout title={`Versions of ${key}`} session={session} section="secrets">
    <Crumbs place={place} last={`${key} · versions`} />
    <div class="page-head">
      <div>
        <h1>
          Versions of <span class="mono">{key}</span>
        </h1>
        <p>Every write is a new version; any of them can be read back.</p>
      </div>
    </div>
    <div class="card">
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">{`Versions of ${key}, newest first`}</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Comment</th>
              <th scope="col">Written</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => {
              const shown = reveal?.version === v.version ? reveal : undefined;
              return (
                <tr>
                  <th scope="row">{String(v.version)}</th>
                  <td class="mono">{v.secretKey}</td>
                  <td>
                    {shown ? <span class="secret-value">{shown.secretValue}</span> : <Masked />}{" "}
                    <a
                      class="small"
                      href={at("/versions", place, shown ? { key } : { key, reveal: String(v.version) })}
                    >
                      {shown ? "Hide" : "Reveal"}
                      <span class="visually-hidden">{` version ${v.version}`}</span>
                    </a>
                  </td>
                  <td>{v.secretComment || <span class="muted">—</span>}</td>
                  <td>
                    <When iso={v.updatedAt} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  </Layout>
);

const DeletePage = ({ session, place, name: key }: { session: Session.Info; place: Place; name: string }) => (
  <Layout title={`Delete ${key}`} session={session} section="secrets">
    <Crumbs place={place} last={`Delete ${key}`} />
    <div class="card form">
      <div class="card-body stack">
        <h1>
          Delete <span class="mono">{key}</span>?
        </h1>
        <p>
          {`It leaves ${place.env} ${place.path} at once; a sync that carried it into Railway removes it there on its next run.`}
        </p>
        <form method="post" action="/console/secrets/delete" class="actions">
          <CsrfField token={session.csrfToken} />
          <PlaceFields place={place} />
          <input type="hidden" name="path" value={place.path} />
          <input type="hidden" name="key" value={key} />
          <button class="button danger solid" type="submit" data-busy="Deleting…">
            Delete secret
          </button>
          <a class="button quiet" href={at("", place)}>
            Cancel
          </a>
        </form>
      </div>
    </div>
  </Layout>
);

/** A zod failure as one message per form field. */
function fieldErrors(error: z.core.$ZodError): Errors {
  const errors: Errors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? "key") as Field;
    errors[field] ??= issue.message;
  }
  return errors;
}

const CreateForm = z.object({
  key: Secret.Key,
  value: Secret.Value,
  comment: z.string().check(z.maxLength(1024)),
  path: Secret.Path,
});
const EditForm = z.object({ key: Secret.Key, value: Secret.Value, comment: z.string().check(z.maxLength(1024)) });

/** What a write refused with a VisibleError says, on the field it is about. */
function refusal(err: unknown): { errors: Errors; status: ContentfulStatusCode } {
  if (!(err instanceof VisibleError) || err.kind === "unavailable" || err.kind === "forbidden") throw err;
  const status = (err.kind === "conflict" ? 409 : err.kind === "not-found" ? 404 : 400) as ContentfulStatusCode;
  return { errors: { [err.code === "secret_exists" ? "key" : "value"]: err.message }, status };
}

const kept = "The value was not kept: type it again.";
const reading = { expand: false, view: false };

export const secretsConsole = new Hono<ConsoleEnv>();
secretsConsole.use("/console/secrets", headers, csrf(), requireSession);
// "/*" also matches the bare prefix: this covers /console/projects too.
secretsConsole.use("/console/projects/*", headers, csrf(), requireSession);
// 32 KiB of value may triple when form-encoded.
secretsConsole.use("/console/secrets/*", headers, csrf(), formLimit(128 * 1024), requireSession);

/** A folder's page: its secrets (masked), its sub-folders, and the one value asked for. */
async function folder(c: C, place: Place) {
  const session = c.get("session");
  const all = await Secret.list(session.actor, scope(session, place), { ...reading, recursive: true });
  const here = all.filter((s) => s.secretPath === place.path).sort((a, b) => a.secretKey.localeCompare(b.secretKey));
  const wanted = c.req.query("reveal");
  const [reveal, imports] = await Promise.all([
    wanted && here.some((s) => s.secretKey === wanted)
      ? Secret.get(session.actor, scope(session, place), wanted, { expand: false, view: true })
      : undefined,
    importsOf(session, place, new Set(here.map((s) => s.secretKey))),
  ]);
  return page(
    c,
    <FolderPage
      session={session}
      place={place}
      secrets={here}
      folders={subfolders(
        place.path,
        all.map((s) => s.secretPath),
      )}
      reveal={reveal}
      imports={imports}
      notice={notice(c, notices)}
    />,
  );
}

secretsConsole.get("/console/secrets", async (c) => {
  const session = c.get("session");
  const chooser = async (error?: string) =>
    page(
      c,
      <ChoosePage session={session} projects={await Project.list(session.actor)} error={error} />,
      error ? 400 : 200,
    );
  if (!c.req.query("project")) return chooser();
  let place: Place;
  try {
    place = placeOf(c.req.query());
  } catch (err) {
    if (!(err instanceof VisibleError)) throw err;
    return chooser(err.message);
  }
  return folder(c, place);
});

secretsConsole.get("/console/projects", async (c) => {
  const session = c.get("session");
  return page(c, <ProjectsPage session={session} projects={await Project.list(session.actor)} />);
});

secretsConsole.get("/console/projects/:project", async (c) => {
  const session = c.get("session");
  const { project, path } = placeOf({ project: c.req.param("project"), env: "dev", path: c.req.query("path") });
  const environments = await Project.environments(session.actor, project);
  const slugs = environments.map((e) => e.slug);
  const rows = await Project.compare(session.actor, project, path, slugs);
  return page(
    c,
    <ProjectPage session={session} project={project} path={path} environments={environments} rows={rows} />,
  );
});

// The deep link of a folder: /console/projects/:project/:env/a/b (projects-console.tsx lists them).
secretsConsole.get("/console/projects/:project/:env/*", (c) => {
  const { project, env } = c.req.param();
  const path = c.req.path.slice(`${projectUrl(project)}/${env}`.length) || undefined;
  return folder(c, placeOf({ project, env, path, from: "projects" }));
});

secretsConsole.get("/console/secrets/new", (c) => {
  const place = placeOf(c.req.query());
  const values = { key: c.req.query("key") ?? "", comment: "", path: place.path };
  return page(c, <SecretForm session={c.get("session")} place={place} values={values} errors={{}} />);
});

secretsConsole.post("/console/secrets/new", async (c) => {
  const session = c.get("session");
  const body = await c.req.parseBody();
  const values = { key: str(body.key).trim(), comment: str(body.comment).trim(), path: str(body.path).trim() || "/" };
  const place = placeOf({ ...body, path: "/" });
  const again = (errors: Errors, status: ContentfulStatusCode) =>
    page(
      c,
      <SecretForm
        session={session}
        place={{ ...place, path: values.path }}
        values={values}
        errors={errors}
        notice={{ tone: "error", text: `The secret was not added; check the highlighted fields. ${kept}` }}
      />,
      status,
    );
  const input = CreateForm.safeParse({ ...values, value: str(body.value) });
  if (!input.success) return again(fieldErrors(input.error), 422);
  const into = { ...place, path: input.data.path };
  try {
    const { key, value, comment } = input.data;
    await Secret.create(session.actor, scope(session, into), [{ key, value, ...(comment && { comment }) }]);
  } catch (err) {
    const { errors, status } = refusal(err);
    return again(errors, status);
  }
  return c.redirect(`${at("", into, { notice: "created" })}#secret-${input.data.key}`, 303);
});

const secretKey = (v: unknown) => {
  const parsed = Secret.Key.safeParse(v);
  if (!parsed.success)
    throw new VisibleError("validation", "validation_failed", `key: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
};

secretsConsole.get("/console/secrets/edit", async (c) => {
  const session = c.get("session");
  const place = placeOf(c.req.query());
  const key = secretKey(c.req.query("key"));
  const secret = await Secret.get(session.actor, scope(session, place), key, reading);
  const values = { key, comment: secret.secretComment, path: place.path };
  return page(c, <SecretForm session={session} place={place} existing={key} values={values} errors={{}} />);
});

secretsConsole.post("/console/secrets/edit", async (c) => {
  const session = c.get("session");
  const body = await c.req.parseBody();
  const place = placeOf(body);
  const existing = secretKey(body.existing);
  const values = { key: str(body.key).trim(), comment: str(body.comment).trim(), path: place.path };
  const input = EditForm.safeParse({ ...values, value: str(body.value) });
  let failed: { errors: Errors; status: ContentfulStatusCode };
  if (input.success) {
    const { key, value, comment } = input.data;
    try {
      await Secret.update(session.actor, scope(session, place), [
        { key: existing, comment, ...(value !== "" && { value }), ...(key !== existing && { newKey: key }) },
      ]);
      return c.redirect(`${at("", place, { notice: "saved" })}#secret-${key}`, 303);
    } catch (err) {
      failed = refusal(err);
    }
  } else failed = { errors: fieldErrors(input.error), status: 422 };
  return page(
    c,
    <SecretForm
      session={session}
      place={place}
      existing={existing}
      values={values}
      errors={failed.errors}
      notice={{ tone: "error", text: `The secret was not saved; check the highlighted fields. ${kept}` }}
    />,
    failed.status,
  );
});

secretsConsole.get("/console/secrets/versions", async (c) => {
  const session = c.get("session");
  const place = placeOf(c.req.query());
  const key = secretKey(c.req.query("key"));
  const versions = await Secret.versions(session.actor, scope(session, place), key, reading);
  const wanted = Number(c.req.query("reveal"));
  const reveal = versions.some((v) => v.version === wanted)
    ? await Secret.get(session.actor, scope(session, place), key, { expand: false, view: true, version: wanted })
    : undefined;
  return page(c, <VersionsPage session={session} place={place} name={key} versions={versions} reveal={reveal} />);
});

secretsConsole.get("/console/secrets/delete", async (c) => {
  const session = c.get("session");
  const place = placeOf(c.req.query());
  const key = secretKey(c.req.query("key"));
  await Secret.get(session.actor, scope(session, place), key, reading);
  return page(c, <DeletePage session={session} place={place} name={key} />);
});

secretsConsole.post("/console/secrets/delete", async (c) => {
  const session = c.get("session");
  const body = await c.req.parseBody();
  const place = placeOf(body);
  await Secret.remove(session.actor, scope(session, place), [secretKey(body.key)]);
  return c.redirect(at("", place, { notice: "deleted" }), 303);
});

mountImports(secretsConsole);

secretsConsole.all("/console/secrets/*", notFound);
secretsConsole.all("/console/projects/*", notFound);
secretsConsole.onError(onError);
