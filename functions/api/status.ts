import type { ErrorKind } from "@app/core/error";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The HTTP status of each kind of VisibleError, for the JSON API and the console alike. */
export const statusOf: Record<ErrorKind, ContentfulStatusCode> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "unsupported-format": 415,
  unprocessable: 422,
  upstream: 502,
  unavailable: 503,
};
