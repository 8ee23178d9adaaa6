import * as Layout from "@app/core/layout";
import type { Context } from "hono";
import { html } from "hono/html";

/**
 * The interactive reference for the OpenAPI documents behind the one URL (the API's and the
 * secrets function's, Scalar's `sources`: one at a time, the API's first): Scalar's standalone
 * script from jsDelivr, pinned to one version and checked with Subresource Integrity (the hash is
 * of dist/browser/standalone.js in the npm tarball of that version, which jsDelivr serves
 * unchanged). A new version means a new hash: `npm pack @scalar/api-reference@<version>` and
 * `openssl dgst -sha384 -binary <file> | base64`. The local run serves that file from the
 * devDependency of the same version (DOCS_SCRIPT_URL, set by packages/local/src/docs.ts), so
 * /docs works offline; tests/docs.test.ts checks they match.
 */
export const scalar = {
  src: "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.0/dist/browser/standalone.js",
  integrity: "sha384-oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ",
};

/** What the page shows, as Scalar's configuration. */
export const configuration = {
  withDefaultFonts: false,
  sources: [
    { title: "Railway App Connections", slug: "api", url: Layout.openapi.api },
    { title: "Secrets and secret syncs", slug: "secrets", url: Layout.openapi.secrets },
  ],
};
const attribute = JSON.stringify(configuration);

export const docs = (c: Context) =>
  c.html(
    html`<!DOCTYPE html>${(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Railway App Connections API</title>
        </head>
        <body>
          <script id="api-reference" data-configuration={attribute} />
          <script
            src={process.env.DOCS_SCRIPT_URL || scalar.src}
            integrity={scalar.integrity}
            crossorigin="anonymous"
          />
        </body>
      </html>
    )}`,
  );
