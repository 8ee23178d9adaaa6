import type { ErrorKind } from "@app/core/error";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The HTTP status of each kind of VisibleError, for the JSON API and the console alike. */
export const statusOf: Record<ErrorKind, ContentfulStatusCode> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "unsupported-media-type": 415,
  unprocessable: 422,
  upstream: 502,
  unavailable: 503,
};

/**
 * The JSON API's error body, for the local server's own refusals too (the same signature as
 * the one the API's error handler is moving to, so that its shape is decided in one place).
 */
export const errorBody = (
  _reqId: string,
  _statusCode: number,
  code: string,
  message: string,
  details?: ReadonlyArray<{ path: string; message: string }>,
) => ({ error: { code, message, ...(details && { details }) } });
