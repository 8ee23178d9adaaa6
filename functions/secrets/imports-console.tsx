/**
 * The console's secret imports: a folder's page lists the folders it imports (the first wins a
 * name clash) and the keys they bring, masked; adding and removing one go through the same core
 * verbs as `/api/v2/secret-imports`, so a self-import, a duplicate or a cycle is refused with the
 * API's message and nothing stored. Never a value: imported keys are read with `view: false`.
 */
import { VisibleError } from "@app/core/error";
import * as Project from "@app/core/project";
import type * as Secret from "@app/core/secret";
import * as SecretImport from "@app/core/secret-import";
import type * as Session from "@app/core/session";
import type { Hono } from "hono/tiny";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as z from "zod/mini";
import { type C, type ConsoleEnv, page, str } from "../console-kit/frame.tsx";
import { CsrfField, Layout, type Notice } from "../console-kit/layout.tsx";
import { Crumbs, PlaceFields } from "./parts.tsx";
import { at, type Place, placeOf } from "./place.ts";

export const importNotices: Record<string, Notice> = {
  "import-added": { tone: "ok", text: "Import added: its secrets are read after this folder's own." },
  "import-removed": { tone: "ok", text: "Import removed." },
};

const scopeOf = (session: Session.Info, place: Place): Secret.Scope => ({
  orgId: session.actor.orgId,
  projectId: place.project,
  environment: place.env,
  path: place.path,
});

/** A folder of the place's project, as a link to its page (kept deep when the place is). */
const FolderLink = ({ place, env, path }: { place: Place; env: string; path: string }) => (
  <a class="mono" href={at("", { ...place, env, path })}>
    {`${env} ${path}`}
  </a>
);

/** Where each imported key comes from: the first folder that holds it, unless the folder's own does. */
export type ImportedKey = { key: string; env: string; path: string; shadowed: boolean };

/** What the folder's page shows of its imports: the imports in order, and the keys they bring. */
export async function importsOf(session: Session.Info, place: Place, own: Set<string>) {
  const scope = scopeOf(session, place);
  const [imports, folders] = await Promise.all([
    SecretImport.list(session.actor, scope),
    SecretImport.secrets(session.actor, scope, { expand: false, view: false }),
  ]);
  const seen = new Set(own);
  const keys: ImportedKey[] = [];
  for (const f of folders)
    for (const s of [...f.secrets].sort((a, b) => a.secretKey.localeCompare(b.secretKey))) {
      keys.push({ key: s.secretKey, env: f.environment, path: f.secretPath, shadowed: seen.has(s.secretKey) });
      seen.add(s.secretKey);
    }
  return { imports, keys };
}

/** The folder page's section: its imports, a link to add one, and the keys they bring. */
export const ImportsSection = ({
  place,
  imports,
  keys,
}: {
  place: Place;
  imports: SecretImport.Info[];
  keys: ImportedKey[];
}) => (
  <section class="card" id="imports" aria-labelledby="imports-title">
    <div class="card-head">
      <div>
        <h2 id="imports-title">Secret imports</h2>
        <p>Read after this folder's own secrets; on a name clash, the first import wins.</p>
      </div>
      <a class="button" href={at("/imports/new", place)}>
        <span aria-hidden="true">+</span> Add import
      </a>
    </div>
    {imports.length === 0 ? (
      <div class="card-body">
        <p class="muted">This folder imports no other folder.</p>
      </div>
    ) : (
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Imported folder</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {imports.map((i) => (
              <tr id={`import-${i.id}`}>
                <td>{`#${i.position}`}</td>
                <th scope="row">
                  <FolderLink place={place} env={i.importEnv.slug} path={i.importPath} />
                </th>
                <td>
                  <a class="button danger" href={at("/imports/delete", place, { id: i.id })}>
                    Remove<span class="visually-hidden">{` the import of ${i.importEnv.slug} ${i.importPath}`}</span>
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
    {keys.length ? (
      <div class="card-body">
        <h3 id="imported-title">Imported secrets</h3>
      </div>
    ) : null}
    {keys.length ? (
      <div class="table-wrap">
        <table aria-labelledby="imported-title">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">From</th>
              <th scope="col">Read here</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr>
                <th scope="row" class="mono">
                  {k.key}
                </th>
                <td>
                  <FolderLink place={place} env={k.env} path={k.path} />
                </td>
                <td>
                  {k.shadowed ? <span class="muted">Not read: a secret before it has this name</span> : "Read here"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    ) : null}
  </section>
);

type Values = { env: string; path: string };
type Errors = Partial<Record<"env" | "path" | "form", string>>;

const AddPage = ({
  session,
  place,
  environments,
  values,
  errors,
}: {
  session: Session.Info;
  place: Place;
  environments: string[];
  values: Values;
  errors: Errors;
}) => (
  <Layout
    title="Add a secret import"
    session={session}
    section="secrets"
    notice={
      Object.keys(errors).length
        ? { tone: "error", text: errors.form ?? "The import was not added; check the highlighted fields." }
        : undefined
    }
  >
    <Crumbs place={place} last="Add a secret import" />
    <div class="card form">
      <div class="card-body">
        <h1>Add a secret import</h1>
        <p class="lead">{`${place.env} ${place.path} reads its secrets after its own and its earlier imports'.`}</p>
        <form method="post" action="/console/secrets/imports/new" data-validate>
          <CsrfField token={session.csrfToken} />
          <PlaceFields place={place} />
          <input type="hidden" name="path" value={place.path} />
          <div class="field">
            <label for="importEnv">Environment</label>
            <select
              id="importEnv"
              name="importEnv"
              required
              aria-describedby="importEnv-error"
              aria-invalid={errors.env ? "true" : undefined}
            >
              {environments.map((e) => (
                <option value={e} selected={e === values.env}>
                  {e}
                </option>
              ))}
            </select>
            <p class="field-error" id="importEnv-error" data-error-for="importEnv">
              {errors.env ?? ""}
            </p>
          </div>
          <div class="field">
            <label for="importPath">Folder</label>
            <input
              id="importPath"
              name="importPath"
              type="text"
              value={values.path}
              required
              maxlength={400}
              autocomplete="off"
              aria-describedby="importPath-hint importPath-error"
              aria-invalid={errors.path || errors.form ? "true" : undefined}
            />
            <p class="hint" id="importPath-hint">
              <code>/</code> or <code>/folder/sub-folder</code>, of this project.
            </p>
            <p class="field-error" id="importPath-error" data-error-for="importPath">
              {errors.path ?? errors.form ?? ""}
            </p>
          </div>
          <div class="actions">
            <button class="button primary" type="submit" data-busy="Adding…">
              Add import
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

const RemovePage = ({ session, place, i }: { session: Session.Info; place: Place; i: SecretImport.Info }) => (
  <Layout title="Remove a secret import" session={session} section="secrets">
    <Crumbs place={place} last="Remove a secret import" />
    <div class="card form">
      <div class="card-body stack">
        <h1>
          Stop importing <span class="mono">{`${i.importEnv.slug} ${i.importPath}`}</span>?
        </h1>
        <p>{`${place.env} ${place.path} stops reading its secrets; a sync of this folder removes them from Railway.`}</p>
        <form method="post" action="/console/secrets/imports/delete" class="actions">
          <CsrfField token={session.csrfToken} />
          <PlaceFields place={place} />
          <input type="hidden" name="path" value={place.path} />
          <input type="hidden" name="id" value={i.id} />
          <button class="button danger solid" type="submit" data-busy="Removing…">
            Remove import
          </button>
          <a class="button quiet" href={at("", place)}>
            Cancel
          </a>
        </form>
      </div>
    </div>
  </Layout>
);

/** The folder an import names: the API's own rule (SecretImport.CreateBody's `import`). */
const ImportForm = SecretImport.CreateBody.shape.import;

/** The project's environments for the select, the place's own among them even before it has secrets. */
async function environmentsOf(session: Session.Info, place: Place, chosen?: string) {
  const known = (await Project.environments(session.actor, place.project)).map((e) => e.slug);
  return [...new Set([...known, place.env, ...(chosen ? [chosen] : [])])];
}

/** The import `id` of the place's folder, or a 404 (another folder's import is not this page's to remove). */
async function importAt(session: Session.Info, place: Place, id: string) {
  const i = await SecretImport.get(session.actor, z.uuid().safeParse(id).success ? id : "-");
  if (i.projectId !== place.project || i.environment.slug !== place.env || i.path !== place.path)
    throw new VisibleError("not-found", "secret_import_not_found", "No secret import with this id");
  return i;
}

/** Mounted by the Secrets pages (console.tsx), whose middleware (session, CSRF, form limit) covers these routes. */
export function mountImports(app: Hono<ConsoleEnv>) {
  const addPage = async (c: C, place: Place, values: Values, errors: Errors = {}, status?: ContentfulStatusCode) =>
    page(
      c,
      <AddPage
        session={c.get("session")}
        place={place}
        environments={await environmentsOf(c.get("session"), place, values.env)}
        values={values}
        errors={errors}
      />,
      status ?? 200,
    );

  app.get("/console/secrets/imports/new", async (c) => {
    const place = placeOf(c.req.query());
    return addPage(c, place, { env: place.env, path: "/" });
  });

  app.post("/console/secrets/imports/new", async (c) => {
    const session = c.get("session");
    const body = await c.req.parseBody();
    const place = placeOf(body);
    const values = { env: str(body.importEnv).trim(), path: str(body.importPath).trim() || "/" };
    const input = ImportForm.safeParse({ environment: values.env, path: values.path });
    if (!input.success) {
      const errors: Errors = {};
      for (const issue of input.error.issues)
        errors[issue.path[0] === "environment" ? "env" : "path"] ??= issue.message;
      return addPage(c, place, values, errors, 422);
    }
    try {
      await SecretImport.create(session.actor, scopeOf(session, place), input.data);
    } catch (err) {
      if (!(err instanceof VisibleError) || !["validation", "conflict"].includes(err.kind)) throw err;
      return addPage(c, place, values, { form: err.message }, err.kind === "conflict" ? 409 : 400);
    }
    return c.redirect(`${at("", place, { notice: "import-added" })}#imports`, 303);
  });

  app.get("/console/secrets/imports/delete", async (c) => {
    const session = c.get("session");
    const place = placeOf(c.req.query());
    const i = await importAt(session, place, c.req.query("id") ?? "");
    return page(c, <RemovePage session={session} place={place} i={i} />);
  });

  app.post("/console/secrets/imports/delete", async (c) => {
    const session = c.get("session");
    const body = await c.req.parseBody();
    const place = placeOf(body);
    const i = await importAt(session, place, str(body.id));
    await SecretImport.remove(session.actor, i.id);
    return c.redirect(`${at("", place, { notice: "import-removed" })}#imports`, 303);
  });
}
