import type * as Connection from "@app/core/connection";
import type * as Railway from "@app/core/railway";
import type * as Session from "@app/core/session";
import { CsrfField, Layout, type Notice, When } from "../../console-kit/layout.tsx";
import { type Field, type FieldErrors, methodOrder, methods, required, rules } from "./rules.ts";

type Info = Connection.Info;

const path = (id: string, rest = "") => `/console/connections/${id}${rest}`;

const statusText: Record<Info["status"], { label: string; icon: string }> = {
  active: { label: "Active", icon: "✓" },
  pending: { label: "Pending", icon: "◌" },
  failed: { label: "Failed", icon: "✕" },
};

/** Text and icon carry the status; the colour only repeats it. */
export const Badge = ({ status }: { status: Info["status"] }) => (
  <span class={`badge ${status}`}>
    <span class="badge-icon" aria-hidden="true">
      {statusText[status].icon}
    </span>
    {statusText[status].label}
  </span>
);

/** Whether the worker still owes this connection an answer. */
export const settling = (c: Info) => c.status === "pending" || c.pendingVerification !== null;

const announcement = (c: Info) =>
  c.rotation?.status === "failed" && c.status === "active"
    ? `${c.name}: the new token was not accepted`
    : `${c.name} is now ${statusText[c.status].label.toLowerCase()}`;

const StatusNotes = ({ c }: { c: Info }) => (
  <>
    {c.status === "failed" && c.statusMessage ? <p class="status-message">{c.statusMessage}</p> : null}
    {c.status === "pending" ? <p class="status-message note">Railway is checking the token…</p> : null}
    {c.rotation?.status === "pending" ? (
      <p class="status-message note">
        {`Verifying a new ${methods[c.rotation.method].label}; the current token stays in use until it passes.`}
      </p>
    ) : null}
    {c.rotation?.status === "failed" ? (
      <p class="status-message">{`The new token was not accepted: ${c.rotation.statusMessage ?? "Railway rejected it"} The current token stays in use.`}</p>
    ) : null}
    {c.pendingVerification?.purpose === "recheck" ? (
      <p class="status-message note">Verifying the stored token again…</p>
    ) : null}
  </>
);

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** What the token reaches, as Railway reported it. */
export const Reach = ({ railway }: { railway: Railway.Identity | null }) => {
  if (!railway) return <span class="muted">—</span>;
  const { account, workspaces, project, environment } = railway;
  return (
    <ul class="reach">
      {account ? (
        <li>
          <strong>{account.name ?? account.id}</strong>
          {account.email ? <span class="muted">{` · ${account.email}`}</span> : null}
        </li>
      ) : null}
      {workspaces?.length ? (
        <li>
          {account ? (
            <span class="muted">{`${plural(workspaces.length, "workspace")}: `}</span>
          ) : (
            <span class="muted">Workspace: </span>
          )}
          {workspaces.map((w) => w.name).join(", ")}
        </li>
      ) : null}
      {project ? (
        <li>
          <span class="muted">Project: </span>
          <strong>{project.name}</strong>
          {environment ? <span class="muted">{` · ${environment.name}`}</span> : null}
        </li>
      ) : null}
    </ul>
  );
};

const ProjectCell = ({ projectId }: { projectId: string | null }) =>
  projectId ? (
    <span class="mono" title={projectId}>
      {projectId.slice(0, 8)}
    </span>
  ) : (
    <span class="muted">Org-wide</span>
  );

/** One connection in the list; polls its own fragment while it settles. */
export const Row = ({ c }: { c: Info }) => (
  <tr
    id={`conn-${c.id}`}
    data-poll={settling(c) ? path(c.id, "/fragment?view=row") : undefined}
    data-announce={announcement(c)}
  >
    <td class="col-name">
      <a class="conn-name" href={path(c.id)}>
        {c.name}
      </a>
      {c.description ? <p class="conn-desc">{c.description}</p> : null}
    </td>
    <td class="col-status">
      <Badge status={c.status} />
      <StatusNotes c={c} />
    </td>
    <td class="col-reach">
      <Reach railway={c.railway} />
    </td>
    <td class="nowrap">{methods[c.method].label}</td>
    <td class="nowrap">
      <ProjectCell projectId={c.projectId} />
    </td>
    <td class="small">
      <When iso={c.createdAt} stacked />
    </td>
    <td class="small">
      <When iso={c.updatedAt} stacked />
    </td>
  </tr>
);

export const ListPage = ({
  session,
  items,
  next,
  notice,
}: {
  session: Session.Info;
  items: Info[];
  next: string | null;
  notice?: Notice | undefined;
}) => (
  <Layout title="App Connections" session={session} notice={notice}>
    <div class="page-head">
      <div>
        <h1>App Connections</h1>
        <p>Railway accounts, workspaces and projects your organisation can use, verified with Railway.</p>
      </div>
      <a class="button primary" href="/console/connections/new">
        <span aria-hidden="true">+</span> Add Connection
      </a>
    </div>
    <div class="card">
      {items.length === 0 ? (
        <div class="empty">
          <h2>No connections yet</h2>
          <p>Add a Railway connection with a team, account or project token.</p>
          <a class="button primary" href="/console/connections/new">
            <span aria-hidden="true">+</span> Add Connection
          </a>
        </div>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Your App Connections, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Connected to</th>
                <th scope="col">Method</th>
                <th scope="col">Project</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <Row c={c} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next ? (
        <nav class="pager" aria-label="Pages">
          <a class="button" href="/console">
            Newest
          </a>
          <a class="button" href={`/console?cursor=${encodeURIComponent(next)}`}>
            Older connections →
          </a>
        </nav>
      ) : null}
    </div>
  </Layout>
);

const RailwayLogo = () => (
  <span class="integration-logo" aria-hidden="true">
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
      <path
        d="M4 8h16M4 12h16M4 16h16M8 5v14M16 5v14"
        stroke="currentColor"
        stroke-width="1.8"
        stroke-linecap="round"
        fill="none"
      />
    </svg>
  </span>
);

export const IntegrationsPage = ({ session }: { session: Session.Info }) => (
  <Layout title="Add Connection" session={session}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/console">App Connections</a> / Add Connection
    </nav>
    <div class="page-head">
      <div>
        <h1>Add Connection</h1>
        <p>Choose what to connect.</p>
      </div>
    </div>
    <ul class="integrations" aria-label="Integrations">
      <li>
        <a class="card integration" href="/console/connections/new/railway">
          <RailwayLogo />
          <span>
            <strong>Railway Connection</strong>
            <p>Connect a Railway account, workspace or project with a team, account or project token.</p>
          </span>
        </a>
      </li>
    </ul>
  </Layout>
);

// ---- form parts ----

const ErrorText = ({ field, errors }: { field: Field; errors: FieldErrors }) => (
  <p class="field-error" id={`${field}-error`} data-error-for={field}>
    {errors[field] ?? ""}
  </p>
);

const invalid = (errors: FieldErrors, field: Field) => (errors[field] ? "true" : undefined);

const NameField = ({ value, errors }: { value: string; errors: FieldErrors }) => (
  <div class="field">
    <label for="name">Name</label>
    <input
      id="name"
      name="name"
      type="text"
      value={value}
      required
      maxlength={rules().name.maxlength}
      pattern={rules().name.pattern}
      data-pattern={rules().name.patternMessage}
      data-required={required.name}
      autocomplete="off"
      autocapitalize="off"
      aria-describedby="name-hint name-error"
      aria-invalid={invalid(errors, "name")}
    />
    <p class="hint" id="name-hint">
      {`A descriptive slug, unique in its project: lowercase letters, digits and hyphens, up to ${rules().name.maxlength} characters.`}
    </p>
    <ErrorText field="name" errors={errors} />
  </div>
);

const DescriptionField = ({ value, errors }: { value: string; errors: FieldErrors }) => (
  <div class="field">
    <label for="description">
      Description <span class="optional">(optional)</span>
    </label>
    <textarea
      id="description"
      name="description"
      maxlength={rules().description.maxlength}
      aria-describedby="description-error"
      aria-invalid={invalid(errors, "description")}
    >
      {value}
    </textarea>
    <ErrorText field="description" errors={errors} />
  </div>
);

const MethodField = ({ value, errors }: { value: string; errors: FieldErrors }) => (
  <fieldset aria-describedby="method-error">
    <legend>Token type</legend>
    <div class="choices">
      {methodOrder.map((m) => (
        <label class="choice" for={`method-${m}`}>
          <input
            id={`method-${m}`}
            type="radio"
            name="method"
            value={m}
            checked={value === m}
            required
            data-required={required.method}
            aria-describedby={`method-${m}-hint`}
            aria-invalid={invalid(errors, "method")}
          />
          <span>
            <strong>{methods[m].label}</strong>
            <span id={`method-${m}-hint`}>{methods[m].hint}</span>
          </span>
        </label>
      ))}
    </div>
    <ErrorText field="method" errors={errors} />
  </fieldset>
);

const TokenField = ({ label, errors }: { label: string; errors: FieldErrors }) => (
  <div class="field">
    <label for="token">{label}</label>
    {/* Never pre-filled: a token goes to the server once and is never rendered back. */}
    <input
      id="token"
      name="token"
      type="password"
      required
      maxlength={rules().token.maxlength}
      autocomplete="off"
      data-required={required.token}
      aria-describedby="token-hint token-error"
      aria-invalid={invalid(errors, "token")}
    />
    <p class="hint" id="token-hint">
      Sent once, sealed with KMS, and never shown again.
    </p>
    <ErrorText field="token" errors={errors} />
  </div>
);

const ProjectField = ({
  value,
  projectIds,
  errors,
}: {
  value: string;
  projectIds: readonly string[] | undefined;
  errors: FieldErrors;
}) =>
  projectIds ? (
    <div class="field">
      <label for="projectId">Project</label>
      <select
        id="projectId"
        name="projectId"
        required
        data-required={required.projectId}
        aria-describedby="projectId-hint projectId-error"
        aria-invalid={invalid(errors, "projectId")}
      >
        {projectIds.map((p) => (
          <option value={p} selected={p === value}>
            {p}
          </option>
        ))}
      </select>
      <p class="hint" id="projectId-hint">
        Your API key is limited to these projects.
      </p>
      <ErrorText field="projectId" errors={errors} />
    </div>
  ) : (
    <div class="field">
      <label for="projectId">
        Project ID <span class="optional">(optional)</span>
      </label>
      <input
        id="projectId"
        name="projectId"
        type="text"
        value={value}
        autocomplete="off"
        class="mono"
        aria-describedby="projectId-hint projectId-error"
        aria-invalid={invalid(errors, "projectId")}
      />
      <p class="hint" id="projectId-hint">
        The project (a UUID) this connection belongs to. Leave empty to make it available to the whole organisation.
      </p>
      <ErrorText field="projectId" errors={errors} />
    </div>
  );

export type CreateValues = { name: string; description: string; method: string; projectId: string };

export const CreatePage = ({
  session,
  values,
  errors,
  notice,
  idempotencyKey,
}: {
  session: Session.Info;
  values: CreateValues;
  errors: FieldErrors;
  notice?: Notice | undefined;
  idempotencyKey: string;
}) => (
  <Layout title="Add Railway Connection" session={session} notice={notice}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/console">App Connections</a> / <a href="/console/connections/new">Add Connection</a> / Railway
    </nav>
    <div class="page-head">
      <div>
        <h1>Add Railway Connection</h1>
        <p>The token is verified with Railway in the background; the connection shows as pending until then.</p>
      </div>
    </div>
    <div class="form-layout">
      <div class="card form">
        <div class="card-body">
          <form method="post" action="/console/connections" data-validate>
            <CsrfField token={session.csrfToken} />
            <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
            <NameField value={values.name} errors={errors} />
            <DescriptionField value={values.description} errors={errors} />
            <MethodField value={values.method} errors={errors} />
            <TokenField label="Token" errors={errors} />
            <ProjectField value={values.projectId} projectIds={session.actor.projectIds} errors={errors} />
            <div class="form-actions">
              <button class="button primary" type="submit" data-busy="Adding…">
                Add Connection
              </button>
              <a class="button quiet" href="/console">
                Cancel
              </a>
            </div>
          </form>
        </div>
      </div>
      <aside class="card aside" aria-labelledby="next-title">
        <div class="card-body">
          <h2 id="next-title">What happens next</h2>
          <ol>
            <li>
              <strong>Stored as pending.</strong> The token is sealed with AWS KMS before it leaves this request.
            </li>
            <li>
              <strong>Verified with Railway</strong> in the background, with the check that fits the token type.
            </li>
            <li>
              <strong>Active or failed.</strong> A failure says why, and which token type to choose if it was the wrong
              one.
            </li>
          </ol>
        </div>
      </aside>
    </div>
  </Layout>
);

/** The top of a connection's page; polls its own fragment while the worker owes it an answer. */
export const Summary = ({ c, session }: { c: Info; session: Session.Info }) => (
  <section
    class="card"
    id="summary"
    aria-labelledby="summary-title"
    data-poll={settling(c) ? path(c.id, "/fragment?view=summary") : undefined}
    data-announce={announcement(c)}
  >
    <div class="card-head">
      <div>
        <h2 id="summary-title">Status</h2>
      </div>
      <Badge status={c.status} />
    </div>
    <div class="card-body stack">
      <StatusNotes c={c} />
      <dl class="facts">
        <dt>Connected to</dt>
        <dd>
          <Reach railway={c.railway} />
        </dd>
        <dt>Method</dt>
        <dd>{methods[c.method].label}</dd>
        <dt>Last verified</dt>
        <dd>
          <When iso={c.verifiedAt} />
        </dd>
      </dl>
      <div class="actions">
        {c.status === "active" ? (
          <a class="button" href={path(c.id, "/projects")}>
            Browse Railway projects
          </a>
        ) : null}
        <a class="button" href={`/console/syncs?connection=${c.id}`}>
          Secret syncs
        </a>
        <form class="inline" method="post" action={path(c.id, "/verify")}>
          <CsrfField token={session.csrfToken} />
          <button class="button" type="submit" disabled={settling(c)} data-busy="Queuing…">
            Re-verify
          </button>
        </form>
      </div>
    </div>
  </section>
);

export type EditValues = { name: string; description: string };

export const DetailPage = ({
  session,
  c,
  notice,
  edit,
  rotate,
}: {
  session: Session.Info;
  c: Info;
  notice?: Notice | undefined;
  edit?: { values: EditValues; errors: FieldErrors } | undefined;
  rotate?: { method: string; errors: FieldErrors } | undefined;
}) => (
  <Layout title={c.name} session={session} notice={notice}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/console">App Connections</a> / {c.name}
    </nav>
    <div class="page-head">
      <div>
        <h1>{c.name}</h1>
        <p>{c.description ?? "Railway connection"}</p>
      </div>
      <a class="button danger" href={path(c.id, "/delete")}>
        Delete
      </a>
    </div>
    <div class="stack">
      <Summary c={c} session={session} />
      <div class="split">
        <section class="card" aria-labelledby="edit-title">
          <div class="card-head">
            <div>
              <h2 id="edit-title">Details</h2>
              <p>Rename the connection or change its description.</p>
            </div>
          </div>
          <div class="card-body">
            <form method="post" action={path(c.id)} data-validate>
              <CsrfField token={session.csrfToken} />
              <NameField value={edit?.values.name ?? c.name} errors={edit?.errors ?? {}} />
              <DescriptionField value={edit?.values.description ?? c.description ?? ""} errors={edit?.errors ?? {}} />
              <button class="button primary" type="submit" data-busy="Saving…">
                Save changes
              </button>
            </form>
          </div>
        </section>
        <section class="card" aria-labelledby="rotate-title">
          <div class="card-head">
            <div>
              <h2 id="rotate-title">Rotate token</h2>
              <p>
                {c.status === "active"
                  ? "The current token stays in use until the new one is verified."
                  : "The new token replaces the current one and is verified at once."}
              </p>
            </div>
          </div>
          <div class="card-body">
            <form method="post" action={path(c.id, "/credentials")} data-validate>
              <CsrfField token={session.csrfToken} />
              <MethodField value={rotate?.method ?? c.method} errors={rotate?.errors ?? {}} />
              <TokenField label="New token" errors={rotate?.errors ?? {}} />
              <button class="button primary" type="submit" data-busy="Sending…">
                Rotate token
              </button>
            </form>
          </div>
        </section>
      </div>
      <section class="card" aria-labelledby="about-title">
        <div class="card-head">
          <h2 id="about-title">About</h2>
        </div>
        <div class="card-body">
          <dl class="facts">
            <dt>ID</dt>
            <dd class="mono">{c.id}</dd>
            <dt>Project</dt>
            <dd>{c.projectId ? <span class="mono">{c.projectId}</span> : <span class="muted">Org-wide</span>}</dd>
            <dt>Version</dt>
            <dd>{String(c.version)}</dd>
            <dt>Created</dt>
            <dd>
              <When iso={c.createdAt} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <When iso={c.updatedAt} />
            </dd>
          </dl>
        </div>
      </section>
    </div>
  </Layout>
);

export const DeletePage = ({ session, c }: { session: Session.Info; c: Info }) => (
  <Layout title={`Delete ${c.name}`} session={session}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/console">App Connections</a> / <a href={path(c.id)}>{c.name}</a> / Delete
    </nav>
    <div class="card form">
      <div class="card-body stack">
        <h1>{`Delete “${c.name}”?`}</h1>
        <p>Anything that uses this connection stops working, and its sealed token is deleted. This cannot be undone.</p>
        <form method="post" action={path(c.id, "/delete")} class="actions">
          <CsrfField token={session.csrfToken} />
          <button class="button danger solid" type="submit" data-busy="Deleting…">
            Delete connection
          </button>
          <a class="button quiet" href={path(c.id)}>
            Cancel
          </a>
        </form>
      </div>
    </div>
  </Layout>
);

export const ProjectsPage = ({
  session,
  c,
  projects,
}: {
  session: Session.Info;
  c: Info;
  projects: Railway.Project[];
}) => (
  <Layout title={`Railway projects of ${c.name}`} session={session}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href="/console">App Connections</a> / <a href={path(c.id)}>{c.name}</a> / Railway projects
    </nav>
    <div class="page-head">
      <div>
        <h1>Railway projects</h1>
        <p>{`What “${c.name}” reaches in Railway: ${plural(projects.length, "project")}, with their environments and services.`}</p>
      </div>
    </div>
    {projects.length === 0 ? (
      <div class="card empty">
        <h2>No projects</h2>
        <p>This token reaches no Railway projects yet.</p>
      </div>
    ) : (
      <ul class="projects integrations" aria-label="Railway projects">
        {projects.map((p) => (
          <li class="card project">
            <div class="card-body stack">
              <div>
                <h3>{p.name}</h3>
                <p class="mono muted small">{p.id}</p>
              </div>
              <div>
                <p class="small muted">Environments</p>
                <ul class="chips">
                  {p.environments.map((e) => (
                    <li class="chip">{e.name}</li>
                  ))}
                </ul>
              </div>
              <div>
                <p class="small muted">Services</p>
                {p.services.length ? (
                  <ul class="chips">
                    {p.services.map((s) => (
                      <li class="chip">{s.name}</li>
                    ))}
                  </ul>
                ) : (
                  <p class="small muted">None</p>
                )}
              </div>
            </div>
          </li>
        ))}
      </ul>
    )}
  </Layout>
);
