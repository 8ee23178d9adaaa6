export type ErrorKind =
  | "validation"
  | "unauthenticated"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "unsupported-format"
  | "unprocessable"
  | "upstream"
  | "unavailable";

/** The one error type the API knows how to show; anything else is a 500. */
export class VisibleError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: ReadonlyArray<{ path: string; message: string }>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "VisibleError";
  }
}

/** A request refused for its fields: one message naming each field and its rule, and a detail each. */
export const invalidRequest = (details: Array<{ path: string; message: string }>, code = "validation_failed") =>
  new VisibleError(
    "validation",
    code,
    `Invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join("; ")}`,
    details,
  );
