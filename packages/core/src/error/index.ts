export type ErrorKind =
  | "validation"
  | "unauthenticated"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "unsupported-media-type"
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
