/**
 * The Projects pages: the org's projects with their environments, and a project's environments
 * side by side. Nothing here asks for an id: every project, environment and folder is a link.
 * The grid says where keys differ (compared in the Lambda, project/index.ts); no value is sent.
 */
import type * as Project from "@app/core/project";
import type * as Session from "@app/core/session";
import { Layout } from "../console-kit/layout.tsx";
import { at, type Place, projectUrl } from "./place.ts";

const count = (n: number) => `${n} secret${n === 1 ? "" : "s"}`;
const usualEnvironments = ["development", "staging", "production"];

/** Each project, linked, with its environments and their secret counts. */
export const ProjectList = ({ projects }: { projects: Project.Summary[] }) => (
  <section class="card" aria-labelledby="projects-title">
    <div class="card-body">
      <h2 id="projects-title">Projects</h2>
    </div>
    {projects.length === 0 ? (
      <div class="empty">
        <p>
          No projects yet: a project appears here once a connection, a sync or a secret carries its id. Add a connection
          for one, or open one by its id below.
        </p>
      </div>
    ) : (
      <div class="table-wrap">
        <table class="listing">
          <caption class="visually-hidden">The organisation's projects and their environments</caption>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Environments</th>
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr>
                <th scope="row">
                  <a class="mono" href={projectUrl(p.projectId)}>
                    {p.projectId}
                  </a>
                </th>
                <td>
                  {p.environments.length ? (
                    <ul class="folders">
                      {p.environments.map((e) => (
                        <li>
                          <a href={at("", { project: p.projectId, env: e.slug, path: "/", deep: true })}>{e.slug}</a>{" "}
                          <span class="muted small">{count(e.secrets)}</span>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span class="muted">No secrets yet</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </section>
);

export const ProjectsPage = ({ session, projects }: { session: Session.Info; projects: Project.Summary[] }) => (
  <Layout title="Projects" session={session} section="secrets">
    <div class="page-head">
      <div>
        <h1>Projects</h1>
        <p>Every project your connections, syncs and secrets carry; open an environment to browse its folders.</p>
      </div>
    </div>
    <ProjectList projects={projects} />
  </Layout>
);

const cellText: Record<Project.Cell, string> = {
  present: "set",
  same: "same",
  differs: "differs",
  missing: "missing",
};
const cellIcon: Record<Project.Cell, string> = { present: "●", same: "=", differs: "≠", missing: "—" };

/** A project's environments, and its folder `path` across them: where each key is, and where it differs. */
export const ProjectPage = ({
  session,
  project,
  path,
  environments,
  rows,
}: {
  session: Session.Info;
  project: string;
  path: string;
  environments: Project.Environment[];
  rows: Project.Row[];
}) => {
  const place = (env: string): Place => ({ project, env, path, deep: true });
  const parts = path.split("/").filter(Boolean);
  const folderUrl = (to: string) => `${projectUrl(project)}?${new URLSearchParams({ path: to })}`;
  const [base] = environments;
  return (
    <Layout title={`Project ${project}`} session={session} section="secrets">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/console/projects">Projects</a> / <span class="mono">{project}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1>
            Project <span class="mono">{project}</span>
          </h1>
          <p>Its environments, and a folder's keys side by side.</p>
        </div>
      </div>
      <div class="stack">
        <section class="card" aria-labelledby="envs-title">
          <div class="card-body stack">
            <h2 id="envs-title">Environments</h2>
            {environments.length ? (
              <ul class="folders">
                {environments.map((e) => (
                  <li>
                    <a class="button" href={at("", place(e.slug))}>
                      {e.slug}
                    </a>{" "}
                    <span class="muted small">{count(e.secrets)}</span>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">No environment has secrets yet.</p>
            )}
            <form method="get" action="/console/secrets/new" class="inline-form">
              <input type="hidden" name="project" value={project} />
              <input type="hidden" name="path" value="/" />
              <input type="hidden" name="from" value="projects" />
              <div class="field">
                <label for="env">New environment</label>
                <input
                  id="env"
                  name="env"
                  type="text"
                  required
                  maxlength={64}
                  pattern="[a-z0-9]+(-[a-z0-9]+)*"
                  list="usual-environments"
                  autocomplete="off"
                  aria-describedby="env-hint"
                />
                <datalist id="usual-environments">
                  {usualEnvironments.map((e) => (
                    <option value={e} />
                  ))}
                </datalist>
                <p class="hint" id="env-hint">
                  A lowercase slug; the environment is made with its first secret.
                </p>
              </div>
              <button class="button" type="submit">
                Add its first secret
              </button>
            </form>
          </div>
        </section>
        {base ? (
          <section class="card" id="compare" aria-labelledby="compare-title">
            <div class="card-body">
              <h2 id="compare-title">Compare environments</h2>
              <nav class="crumbs" aria-label="Folder compared">
                <a href={`${folderUrl("/")}#compare`}>/ (root)</a>
                {parts.map((part, i) => (
                  <>
                    {" / "}
                    <a href={`${folderUrl(`/${parts.slice(0, i + 1).join("/")}`)}#compare`}>{part}</a>
                  </>
                ))}
              </nav>
              <p class="muted small">
                {`Each key of ${path} in every environment: "same" and "differs" compare its value with ${base.slug}'s, on the server; no value is sent to this page.`}
              </p>
            </div>
            {rows.length === 0 ? (
              <div class="empty">
                <p>No secrets in this folder in any environment.</p>
              </div>
            ) : (
              <div class="table-wrap">
                <table class="grid">
                  <caption class="visually-hidden">{`Keys of ${path} against environments`}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Key</th>
                      {environments.map((e) => (
                        <th scope="col">{e.slug}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((row) => (
                      <tr>
                        <th scope="row" class="mono">
                          {row.key}
                        </th>
                        {row.cells.map((cell, i) => {
                          const env = environments[i]?.slug ?? "";
                          const href =
                            cell === "missing"
                              ? at("/new", place(env), { key: row.key })
                              : at("/edit", place(env), { key: row.key });
                          return (
                            <td class={`cell-${cell}`} data-env={env}>
                              <a href={href}>
                                <span aria-hidden="true">{cellIcon[cell]}</span> {cellText[cell]}
                                <span class="visually-hidden">
                                  {` in ${env}: ${cell === "missing" ? "add" : "edit"} ${row.key}`}
                                </span>
                              </a>
                            </td>
                          );
                        })}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        ) : null}
      </div>
    </Layout>
  );
};
