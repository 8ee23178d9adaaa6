import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import GithubSlugger from "github-slugger";
import { describe, expect, it } from "vitest";

// The README and docs/ link to each other by path and #anchor; a page moved or a heading renamed
// must not leave a link that leads nowhere.
const root = join(import.meta.dirname, "..");
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const text = (page: string) => readFileSync(join(root, page), "utf8");

/** The text outside fenced blocks: a `#` there is a heading, a `[x](y)` a link. */
const prose = (markdown: string) => markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");

/** The anchors GitHub gives a page's headings. */
function anchors(markdown: string) {
  const slugger = new GithubSlugger();
  return new Set([...prose(markdown).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slugger.slug(m[1] as string)));
}

/** Every relative link of a page: its target file from the root, and its anchor. */
function links(page: string) {
  return [...prose(text(page)).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] as string)
    .filter((href) => !/^[a-z]+:/i.test(href))
    .map((href) => {
      const [path, anchor] = href.split("#") as [string, string | undefined];
      return { href, file: path ? relative(root, join(root, dirname(page), path)) : page, anchor };
    });
}

describe("links between the README and docs/", () => {
  it("each page's links lead to a file that exists, and to a heading of it", () => {
    const broken: string[] = [];
    for (const page of pages)
      for (const link of links(page)) {
        const target = join(root, link.file);
        if (!existsSync(target)) broken.push(`${page}: ${link.href} (no such file)`);
        else if (link.anchor && link.file.endsWith(".md") && !anchors(text(link.file)).has(link.anchor))
          broken.push(`${page}: ${link.href} (no such heading)`);
      }
    expect(broken).toEqual([]);
    expect(links("README.md").length).toBeGreaterThan(10);
  });

  it("every page of docs/ is listed in its index and linked from the README", () => {
    const index = links("docs/README.md").map((l) => l.file);
    const fromReadme = links("README.md").map((l) => l.file);
    for (const page of pages.filter((p) => p.startsWith("docs/") && p !== "docs/README.md")) {
      expect(index, page).toContain(page);
      expect(fromReadme, page).toContain(page);
    }
  });

  it("the README stays a front door: at most 250 lines", () => {
    expect(text("README.md").split("\n").length).toBeLessThanOrEqual(250);
  });

  it("a broken link or anchor is found (the check can fail)", () => {
    expect(anchors("# Secret syncs\n## The OpenAPI document\n").has("the-openapi-document")).toBe(true);
    expect(anchors("```sh\n# not a heading\n```\n").size).toBe(0);
    expect(anchors("## Walk-through: create → poll").has("walk-through-create--poll")).toBe(true);
  });
});
