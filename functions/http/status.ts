import { STATUS_CODES } from "node:http";
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

/**
 * Every error answer of the JSON API (and of the local server's own refusals): the prior art's
 * `{ reqId, statusCode, message, error }`, which its clients read, with our machine-readable
 * `code` and, for a refused field, `details`. `reqId` is the request's `X-Request-Id`.
 */
export const errorBody = (
  reqId: string,
  statusCode: number,
  code: string,
  message: string,
  details?: ReadonlyArray<{ path: string; message: string }>,
) => ({
  reqId,
  statusCode,
  message,
  error: STATUS_CODES[statusCode]?.replace(/\W/g, "") ?? "Error",
  code,
  ...(details && { details }),
});
