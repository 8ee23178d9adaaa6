import { expect } from "vitest";

/** The prior art's `error` for each status the API answers: the status's name. */
export const statusNames: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  415: "UnsupportedMediaType",
  422: "UnprocessableEntity",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
};

export type ErrorBody = {
  reqId: string;
  statusCode: number;
  message: string;
  error: string;
  code: string;
  details?: Array<{ path: string; message: string }>;
};

/**
 * Checks that `res` is the error answer every client of the prior art reads: JSON
 * `{ reqId, statusCode, message, error }` with our `code` (and `details` only for refused fields),
 * `reqId` the request's X-Request-Id; returns the body.
 */
export async function errorBody(res: Response, status: number, code: string): Promise<ErrorBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const reqId = res.headers.get("x-request-id");
  expect(reqId).toMatch(/^[\w-]{8,}$/);
  const body = (await res.json()) as ErrorBody;
  expect(Object.keys(body).sort()).toEqual(
    ["reqId", "statusCode", "message", "error", "code", ...(body.details ? ["details"] : [])].sort(),
  );
  expect(body).toMatchObject({ reqId, statusCode: status, error: statusNames[status], code });
  expect(body.message).toMatch(/\w/);
  return body;
}
