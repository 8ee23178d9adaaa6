/**
 * Where a Secrets page is: a project, an environment and a folder, carried in the query
 * (`project`, `env`, `path`), or, reached from the Projects pages, in the path
 * `/console/projects/:project/:env/*path` (`deep`: the forms carry `from=projects` so that they
 * come back there).
 */
import { VisibleError } from "@app/core/error";
import * as Secret from "@app/core/secret";
import * as z from "zod/mini";

export type Place = { project: string; env: string; path: string; deep?: boolean };
const PlaceQuery = z.object({ project: Secret.ProjectID, env: Secret.Environment, path: z.optional(Secret.Path) });

const q = (place: Place, extra: Record<string, string> = {}) =>
  new URLSearchParams({
    project: place.project,
    env: place.env,
    path: place.path,
    ...(place.deep && { from: "projects" }),
    ...extra,
  }).toString();
export const projectUrl = (project: string) => `/console/projects/${project}`;
/** A folder's page (route ""), or one of the secret pages; deep places link to deep folders. */
export const at = (route: string, place: Place, extra: Record<string, string> = {}) => {
  if (!place.deep || route) return `/console/secrets${route}?${q(place, extra)}`;
  const rest = new URLSearchParams(extra).toString();
  return `${projectUrl(place.project)}/${place.env}${place.path === "/" ? "" : place.path}${rest && `?${rest}`}`;
};

/** The place of a page's query, or of a form's hidden fields; a bad one is a 400 naming the field. */
export function placeOf(input: Record<string, unknown>): Place {
  const parsed = PlaceQuery.safeParse({ project: input.project, env: input.env, path: input.path || undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VisibleError("validation", "validation_failed", `${issue?.path.join(".")}: ${issue?.message}`);
  }
  return { ...parsed.data, path: parsed.data.path ?? "/", ...(input.from === "projects" && { deep: true }) };
}
