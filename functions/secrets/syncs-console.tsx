/**
 * The console's secret-sync pages, reached from a connection's page and served by the secrets
 * function: a connection's syncs, adding one with the Railway destination chosen from what the
 * token reaches, and a sync's status (live while it runs), its actions and the names it manages.
 * Never a value: a sync's page shows key names only.
 */
import * as Connection from "@app/core/connection";
import { VisibleError } from "@app/core/error";
import type * as Railway from "@app/core/railway";
import * as SecretImport from "@app/core/secret-import";
import type * as Session from "@app/core/session";
import * as Sync from "@app/core/sync";
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
import { at } from "./place.ts";

type Info = Sync.Info;
type Errors = Record<string, string>;

const notices: Record<string, Notice> = {
  created: { tone: "ok", text: "Sync added. Its first sync is running; its status updates here." },
  syncing: { tone: "info", text: "A sync of the latest secrets is queued." },
  importing: { tone: "info", text: "An import from Railway is queued." },
  removing: { tone: "info", text: "Removing the synced variables from Railway." },
  deleted: { tone: "ok", text: "Sync deleted." },
};

const syncPath = (id: string, rest = "") => `/console/syncs/${id}${rest}`;
const connectionPath = (id: string) => `/console/connections/${id}`;
const listPath = (connectionId: string, project?: string) =>
  `/console/syncs?${new URLSearchParams({ connection: connectionId, ...(project && { project }) })}`;

const statusLook: Record<Sync.Status, { label: string; icon: string; tone: string }> = {
  pending: { label: "Pending", icon: "◌", tone: "pending" },
  running: { label: "Running", icon: "◌", tone: "pending" },
  succeeded: { label: "Succeeded", icon: "✓", tone: "active" },
  failed: { label: "Failed", icon: "✕", tone: "failed" },
};

const StatusBadge = ({ status }: { status: Sync.Status | null }) => {
  if (!status) return <span class="muted">—</span>;
  const look = statusLook[status];
  return (
    <span class={`badge ${look.tone}`}>
      <span class="badge-icon" aria-hidden="true">
        {look.icon}
      </span>
      {look.label}
    </span>
  );
};

const busy = (s: Info) =>
  [s.syncStatus, s.importStatus, s.removeStatus].some((x) => x === "pending" || x === "running");

/** The source as the pages show it: environment, folder, and whether its sub-folders count. */
const sourceOf = (s: Info) => `${s.environment.slug} ${s.folder.path}${s.recursive ? " and sub-folders" : ""}`;

const destination = (s: Info) => {
  const d = s.destinationConfig;
  return [d.projectName ?? d.projectId, d.environmentName ?? d.environmentId, d.serviceName ?? d.serviceId ?? "shared"]
    .filter(Boolean)
    .join(" / ");
};

const Crumbs = ({ connection, last }: { connection: Connection.Info | undefined; last?: string }) =>
  !connection ? (
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/console">App Connections</a> / {last}
    </nav>
  ) : (
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/console">App Connections</a> / <a href={connectionPath(connection.id)}>{connection.name}</a> /{" "}
      {last ? <a href={listPath(connection.id)}>Secret syncs</a> : "Secret syncs"}
      {last ? ` / ${last}` : ""}
    </nav>
  );

/** One option per Railway environment and service the token reaches; "shared" is the environment's own variables. */
const destinations = (projects: Railway.Project[]) =>
  projects.map((p) => ({
    label: p.name,
    options: p.environments.flatMap((e) => [
      {
        value: JSON.stringify([p.id, e.id, null, p.name, e.name, null]),
        label: `${p.name} / ${e.name} / shared variables`,
      },
      ...p.services.map((s) => ({
        value: JSON.stringify([p.id, e.id, s.id, p.name, e.name, s.name]),
        label: `${p.name} / ${e.name} / ${s.name}`,
      })),
    ]),
  }));

type Limits = Partial<Record<"name" | "environment" | "secretPath", { maxLength?: number }>>;
let limits: Limits | undefined;
/** The form's limits, read from the schema the create validates with (once, when first rendered). */
const maxLength = (field: keyof Limits) => {
  limits ??= (z.toJSONSchema(Sync.CreateInput, { io: "input", metadata: z.registry() }) as { properties: Limits })
    .properties;
  return limits[field]?.maxLength;
};

type AddValues = {
  name: string;
  environment: string;
  secretPath: string;
  recursive: boolean;
  destination: string;
  behavior: string;
};
const emptyAdd: AddValues = {
  name: "",
  environment: "dev",
  secretPath: "/",
  recursive: false,
  destination: "",
  behavior: "overwrite-destination",
};

const behaviors: Record<string, { label: string; hint: string }> = {
  "overwrite-destination": {
    label: "Source wins",
    hint: "Keys in both get the store's value. Keys only in Railway are left alone.",
  },
  "import-prioritize-source": {
    label: "Import, then source wins",
    hint: "Railway-only keys are imported into the store first.",
  },
  "import-prioritize-destination": {
    label: "Import, then Railway wins",
    hint: "Railway's values are imported for keys in both, and Railway-only keys too.",
  },
};

const Field = ({
  id,
  label,
  hint,
  errors,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  errors: Errors;
  children: unknown;
}) => (
  <div class="field">
    <label for={id}>{label}</label>
    {children}
    {hint ? (
      <p class="hint" id={`${id}-hint`}>
        {hint}
      </p>
    ) : null}
    <p class="field-error" id={`${id}-error`} data-error-for={id}>
      {errors[id] ?? ""}
    </p>
  </div>
);

const TextField = (f: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  max: number | undefined;
  errors: Errors;
}) => (
  <Field id={f.id} label={f.label} hint={f.hint} errors={f.errors}>
    <input
      id={f.id}
      name={f.id}
      type="text"
      value={f.value}
      required
      maxlength={f.max}
      autocomplete="off"
      aria-describedby={f.hint ? `${f.id}-hint ${f.id}-error` : `${f.id}-error`}
      aria-invalid={f.errors[f.id] ? "true" : undefined}
    />
  </Field>
);

const ListPage = ({
  session,
  connection,
  project,
  syncs,
  projects,
  values,
  errors,
  notice,
}: {
  session: Session.Info;
  connection: Connection.Info;
  project: string;
  syncs: Info[];
  projects: Railway.Project[] | string;
  values: AddValues;
  errors: Errors;
  notice?: Notice | undefined;
}) => (
  <Layout title={`Secret syncs · ${connection.name}`} session={session} notice={notice}>
    <Crumbs connection={connection} />
    <div class="page-head">
      <div>
        <h1>Secret syncs</h1>
        <p>{`Secrets of project ${project} kept in Railway variables through ${connection.name}.`}</p>
      </div>
    </div>
    <div class="stack">
      <div class="card">
        {syncs.length === 0 ? (
          <div class="empty">
            <h2>No syncs yet</h2>
            <p>Add one below: a folder of secrets, and the Railway service or environment to keep it in.</p>
          </div>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Secret syncs of this connection</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Source</th>
                  <th scope="col">Railway</th>
                  <th scope="col">Last synced</th>
                </tr>
              </thead>
              <tbody>
                {syncs.map((s) => (
                  <tr>
                    <th scope="row">
                      <a href={syncPath(s.id)}>{s.name}</a>
                    </th>
                    <td>
                      <StatusBadge status={s.syncStatus} />
                    </td>
                    <td class="mono">{sourceOf(s)}</td>
                    <td>{destination(s)}</td>
                    <td>
                      <When iso={s.lastSyncedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <section class="card form" aria-labelledby="add-title">
        <div class="card-head">
          <div>
            <h2 id="add-title">Add a sync</h2>
            <p>It never touches a variable it did not write, a RAILWAY_ variable or a reference.</p>
          </div>
        </div>
        <div class="card-body">
          {typeof projects === "string" ? (
            <p class="status-message">{projects}</p>
          ) : (
            <form method="post" action="/console/syncs" data-validate>
              <CsrfField token={session.csrfToken} />
              <input type="hidden" name="connection" value={connection.id} />
              <input type="hidden" name="project" value={project} />
              <TextField
                id="name"
                label="Name"
                hint="A slug, unique in the project."
                value={values.name}
                max={maxLength("name")}
                errors={errors}
              />
              <TextField
                id="environment"
                label="Source environment"
                value={values.environment}
                max={maxLength("environment")}
                errors={errors}
              />
              <TextField
                id="secretPath"
                label="Source folder"
                hint="/ or /folder/sub-folder: folders of letters, digits, '_' or '-', at most 10 deep"
                value={values.secretPath}
                max={maxLength("secretPath")}
                errors={errors}
              />
              <Field id="recursive" label="Include sub-folders" errors={errors}>
                <input type="checkbox" id="recursive" name="recursive" value="true" checked={values.recursive} />
              </Field>
              <Field id="destination" label="Railway destination" errors={errors}>
                <select
                  id="destination"
                  name="destination"
                  required
                  aria-describedby="destination-error"
                  aria-invalid={errors.destination ? "true" : undefined}
                >
                  <option value="">Choose a project, environment and service</option>
                  {destinations(projects).map((group) => (
                    <optgroup label={group.label}>
                      {group.options.map((o) => (
                        <option value={o.value} selected={o.value === values.destination}>
                          {o.label}
                        </option>
                      ))}
                    </optgroup>
                  ))}
                </select>
              </Field>
              <fieldset>
                <legend>First sync</legend>
                <div class="choices">
                  {Object.entries(behaviors).map(([value, b]) => (
                    <label class="choice">
                      <input type="radio" name="behavior" value={value} checked={values.behavior === value} />
                      <span>
                        <strong>{b.label}</strong>
                        <span>{b.hint}</span>
                      </span>
                    </label>
                  ))}
                </div>
              </fieldset>
              <button class="button primary" type="submit" data-busy="Adding…">
                Add sync
              </button>
            </form>
          )}
        </div>
      </section>
    </div>
  </Layout>
);

const Run = ({
  label,
  status,
  message,
  at,
}: {
  label: string;
  status: Sync.Status | null;
  message: string | null;
  at: string | null;
}) => (
  <>
    <dt>{label}</dt>
    <dd>
      <StatusBadge status={status} /> <When iso={at} />
      {message ? <p class={`status-message${status === "failed" ? "" : " note"}`}>{message}</p> : null}
    </dd>
  </>
);

/**
 * A sync's status and the keys it manages; polls its own fragment while a run is owed. Without
 * `canRun` (its connection is outside the session's projects) it offers no action that runs it.
 */
const Live = ({ s, keys, session, canRun }: { s: Info; keys: string[]; session: Session.Info; canRun: boolean }) => (
  <div
    class="stack"
    id="sync-live"
    data-poll={busy(s) ? syncPath(s.id, "/fragment") : undefined}
    data-announce={`Sync ${s.syncStatus ?? ""}`}
  >
    <section class="card" id="sync-status" aria-labelledby="status-title">
      <div class="card-head">
        <h2 id="status-title">Status</h2>
        <StatusBadge status={s.syncStatus} />
      </div>
      <div class="card-body stack">
        <dl class="facts">
          <Run label="Sync" status={s.syncStatus} message={s.lastSyncMessage} at={s.lastSyncedAt} />
          <Run label="Import" status={s.importStatus} message={s.lastImportMessage} at={s.lastImportedAt} />
          <Run label="Remove" status={s.removeStatus} message={s.lastRemoveMessage} at={s.lastRemovedAt} />
        </dl>
        {canRun ? null : (
          <p class="note" id="not-runnable">
            This sync runs through an org-wide connection, which this key's projects do not reach: only a key of the
            whole org can sync, import or remove with it.
          </p>
        )}
        <div class="actions">
          {(canRun ? (["sync", ...(s.recursive ? [] : (["import"] as const)), "remove"] as const) : []).map(
            (action) => (
              <form class="inline" method="post" action={syncPath(s.id, `/${action}`)}>
                <CsrfField token={session.csrfToken} />
                {action === "import" ? <input type="hidden" name="importBehavior" value="prioritize-source" /> : null}
                <button
                  class={`button${action === "remove" ? " danger" : ""}`}
                  type="submit"
                  disabled={busy(s)}
                  data-busy="Queuing…"
                >
                  {action === "sync"
                    ? "Sync now"
                    : action === "import"
                      ? "Import from Railway"
                      : "Remove synced variables"}
                </button>
              </form>
            ),
          )}
        </div>
      </div>
    </section>

    <section class="card" aria-labelledby="keys-title">
      <div class="card-head">
        <div>
          <h2 id="keys-title">Synced keys</h2>
          <p>The Railway variables this sync wrote and manages: the only ones it may change or delete.</p>
        </div>
      </div>
      <div class="card-body">
        {keys.length ? (
          <ul class="folders">
            {keys.map((k) => (
              <li class="mono">{k}</li>
            ))}
          </ul>
        ) : (
          <p class="muted">None yet.</p>
        )}
      </div>
    </section>
  </div>
);

const DetailPage = ({
  session,
  connection,
  s,
  keys,
  imported,
  notice,
}: {
  session: Session.Info;
  /** Undefined when the session cannot reach the sync's connection: the page then only reads. */
  connection: Connection.Info | undefined;
  s: Info;
  keys: string[];
  /** The folders the sync's folder imports, in the order they lose a name clash. */
  imported: { environment: string; path: string }[];
  notice?: Notice | undefined;
}) => (
  <Layout title={s.name} session={session} notice={notice}>
    <Crumbs connection={connection} last={s.name} />
    <div class="page-head">
      <div>
        <h1>{s.name}</h1>
        <p>{`${sourceOf(s)} → ${destination(s)}`}</p>
      </div>
    </div>
    <div class="stack">
      <Live s={s} keys={keys} session={session} canRun={connection !== undefined} />
      <section class="card" id="sync-imports" aria-labelledby="imports-title">
        <div class="card-head">
          <div>
            <h2 id="imports-title">Imported folders</h2>
            <p>Their secrets are synced after the folder's own; on a name clash, the first wins.</p>
          </div>
        </div>
        <div class="card-body">
          {imported.length ? (
            <ol class="folders">
              {imported.map((f) => (
                <li>
                  <a class="mono" href={at("", { project: s.projectId, env: f.environment, path: f.path })}>
                    {`${f.environment} ${f.path}`}
                  </a>
                </li>
              ))}
            </ol>
          ) : (
            <p class="muted">
              None.{" "}
              <a href={at("", { project: s.projectId, env: s.environment.slug, path: s.folder.path })}>
                Open the folder
              </a>{" "}
              to add one.
            </p>
          )}
        </div>
      </section>
      <section class="card form" aria-labelledby="delete-title">
        <div class="card-body">
          <h2 id="delete-title">Delete this sync</h2>
          <form method="post" action={syncPath(s.id, "/delete")} class="stack">
            <CsrfField token={session.csrfToken} />
            {connection ? (
              <label class="choice">
                <input type="checkbox" name="removeSecrets" value="true" />
                <span>
                  <strong>Also remove the synced variables from Railway</strong>
                  <span>Only the keys listed above; everything else in Railway stays.</span>
                </span>
              </label>
            ) : null}
            <button class="button danger" type="submit" data-busy="Deleting…">
              Delete sync
            </button>
          </form>
        </div>
      </section>
    </div>
  </Layout>
);

/** An org-wide connection serves any project: the page asks which project's syncs to show. */
const ChooseProject = ({ session, connection }: { session: Session.Info; connection: Connection.Info }) => (
  <Layout title={`Secret syncs · ${connection.name}`} session={session}>
    <Crumbs connection={connection} />
    <section class="card form" aria-labelledby="choose-title">
      <div class="card-body">
        <h1 id="choose-title">Secret syncs</h1>
        <p class="lead">This connection is org-wide: choose the project whose secrets it should carry.</p>
        <form method="get" action="/console/syncs">
          <input type="hidden" name="connection" value={connection.id} />
          <div class="field">
            <label for="project">Project ID</label>
            <input id="project" name="project" type="text" required maxlength={64} autocomplete="off" />
          </div>
          <button class="button primary" type="submit">
            Show syncs
          </button>
        </form>
      </div>
    </section>
  </Layout>
);

async function listPage(
  c: C,
  connectionId: string,
  asked: string | undefined,
  form?: { values: AddValues; errors: Errors; status: ContentfulStatusCode },
) {
  const session = c.get("session");
  const connection = await Connection.fromID(session.actor, connectionId);
  const project = connection.projectId ?? asked;
  if (!project) return page(c, <ChooseProject session={session} connection={connection} />);
  const [syncs, projects] = await Promise.all([
    Sync.list(session.actor, project).then((all) => all.filter((s) => s.connectionId === connection.id)),
    Connection.projects(session.actor, connection.id).catch((err) => {
      if (err instanceof VisibleError && err.kind !== "unavailable") return err.message;
      throw err;
    }),
  ]);
  return page(
    c,
    <ListPage
      session={session}
      connection={connection}
      project={project}
      syncs={syncs}
      projects={projects}
      values={form?.values ?? emptyAdd}
      errors={form?.errors ?? {}}
      notice={
        form ? { tone: "error", text: "The sync was not added; check the highlighted fields." } : notice(c, notices)
      }
    />,
    form?.status ?? 200,
  );
}

/** A create's zod failure or refusal as one message per form field. */
function addErrors(err: unknown): Errors {
  if (err instanceof VisibleError) return { [err.code === "name_taken" ? "name" : "destination"]: err.message };
  const issues = (err as { issues: { path: PropertyKey[]; message: string }[] }).issues;
  const errors: Errors = {};
  for (const issue of issues) {
    const top = String(issue.path[0] ?? "name");
    const field = top === "destinationConfig" ? "destination" : top === "syncOptions" ? "behavior" : top;
    errors[field] ??= issue.message;
  }
  return errors;
}

export const syncsConsole = new Hono<ConsoleEnv>();
syncsConsole.use("/console/syncs", headers, csrf(), formLimit(), requireSession);
syncsConsole.use("/console/syncs/*", headers, csrf(), formLimit(), requireSession);

syncsConsole.get("/console/syncs", (c) => listPage(c, c.req.query("connection") ?? "", c.req.query("project")));

syncsConsole.post("/console/syncs", async (c) => {
  const session = c.get("session");
  const body = await c.req.parseBody();
  const values: AddValues = {
    name: str(body.name).trim(),
    environment: str(body.environment).trim(),
    secretPath: str(body.secretPath).trim(),
    recursive: body.recursive === "true",
    destination: str(body.destination),
    behavior: str(body.behavior),
  };
  const connectionId = str(body.connection);
  const asked = str(body.project) || undefined;
  let dest: unknown[] = [];
  try {
    dest = JSON.parse(values.destination || "[]");
  } catch {}
  const [projectId, environmentId, serviceId, projectName, environmentName, serviceName] = Array.isArray(dest)
    ? dest
    : [];
  const input = Sync.CreateInput.safeParse({
    name: values.name,
    projectId: asked,
    connectionId,
    environment: values.environment,
    secretPath: values.secretPath,
    recursive: values.recursive,
    syncOptions: { initialSyncBehavior: values.behavior },
    destinationConfig: {
      projectId,
      environmentId,
      ...(serviceId ? { serviceId, serviceName } : {}),
      projectName,
      environmentName,
    },
  });
  if (!values.destination)
    return listPage(c, connectionId, asked, {
      values,
      errors: { destination: "Choose a Railway destination" },
      status: 422,
    });
  if (!input.success) return listPage(c, connectionId, asked, { values, errors: addErrors(input.error), status: 422 });
  try {
    const made = await Sync.create(session.actor, input.data);
    return c.redirect(syncPath(made.id, "?notice=created"), 303);
  } catch (err) {
    if (
      !(err instanceof VisibleError) ||
      err.kind === "unavailable" ||
      err.kind === "forbidden" ||
      err.kind === "not-found"
    )
      throw err;
    return listPage(c, connectionId, asked, {
      values,
      errors: addErrors(err),
      status: err.kind === "conflict" ? 409 : 422,
    });
  }
});

const syncId = (c: C) => c.req.param("id") ?? "";

/** The sync's connection, or undefined when the session cannot see it (so cannot run the sync). */
const connectionOf = (session: Session.Info, sync: Info) =>
  Connection.fromID(session.actor, sync.connectionId).catch((err) => {
    if (err instanceof VisibleError && err.kind === "not-found") return undefined;
    throw err;
  });

syncsConsole.get("/console/syncs/:id", async (c) => {
  const session = c.get("session");
  const { sync, managedKeys } = await Sync.detail(session.actor, syncId(c));
  const [connection, imported] = await Promise.all([
    connectionOf(session, sync),
    SecretImport.folders({
      orgId: session.actor.orgId,
      projectId: sync.projectId,
      environment: sync.environment.slug,
      path: sync.folder.path,
    }),
  ]);
  return page(
    c,
    <DetailPage
      session={session}
      connection={connection}
      s={sync}
      keys={managedKeys}
      imported={imported}
      notice={notice(c, notices)}
    />,
  );
});

syncsConsole.get("/console/syncs/:id/fragment", async (c) => {
  const session = c.get("session");
  const { sync, managedKeys } = await Sync.detail(session.actor, syncId(c));
  const canRun = (await connectionOf(session, sync)) !== undefined;
  return c.html(<Live s={sync} keys={managedKeys} session={session} canRun={canRun} />);
});

const actions = {
  sync: { run: (s: Session.Info, id: string) => Sync.syncNow(s.actor, id), notice: "syncing" },
  import: {
    run: (s: Session.Info, id: string) => Sync.importSecrets(s.actor, id, "prioritize-source"),
    notice: "importing",
  },
  remove: { run: (s: Session.Info, id: string) => Sync.removeSecrets(s.actor, id), notice: "removing" },
};
for (const [name, action] of Object.entries(actions))
  syncsConsole.post(`/console/syncs/:id/${name}`, async (c) => {
    await action.run(c.get("session"), syncId(c));
    return c.redirect(syncPath(syncId(c), `?notice=${action.notice}`), 303);
  });

syncsConsole.post("/console/syncs/:id/delete", async (c) => {
  const session = c.get("session");
  const body = await c.req.parseBody();
  const removed = await Sync.remove(session.actor, syncId(c), body.removeSecrets === "true");
  return c.redirect(`${listPath(removed.connectionId, removed.projectId)}&notice=deleted`, 303);
});

syncsConsole.all("/console/syncs/*", notFound);
syncsConsole.onError(onError);
