/** Pieces the Secrets pages share (console.tsx, imports-console.tsx): a folder's breadcrumb and its form fields. */
import { at, type Place, projectUrl } from "./place.ts";

export const PlaceFields = ({ place }: { place: Place }) => (
  <>
    <input type="hidden" name="project" value={place.project} />
    <input type="hidden" name="env" value={place.env} />
    {place.deep ? <input type="hidden" name="from" value="projects" /> : null}
  </>
);

export const Crumbs = ({ place, last }: { place: Place; last?: string }) => {
  const parts = place.path.split("/").filter(Boolean);
  return (
    <nav class="crumbs" aria-label="Breadcrumb">
      {place.deep ? (
        <>
          <a href="/console/projects">Projects</a> /{" "}
          <a class="mono" href={projectUrl(place.project)}>
            {place.project}
          </a>
        </>
      ) : (
        <>
          <a href="/console/secrets">Secrets</a> / <span class="mono">{place.project}</span>
        </>
      )}{" "}
      / <a href={at("", { ...place, path: "/" })}>{place.env}</a>
      {parts.map((part, i) => (
        <>
          {" / "}
          <a href={at("", { ...place, path: `/${parts.slice(0, i + 1).join("/")}` })}>{part}</a>
        </>
      ))}
      {last ? ` / ${last}` : ""}
    </nav>
  );
};
