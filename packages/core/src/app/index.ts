/**
 * The apps a connection can be of, and what the core asks of each: to verify a token, and to
 * list what it reaches. Railway is the only one; another app adds its entry to each map.
 */
import * as Railway from "../railway/index.ts";

export type App = "railway";

/**
 * A provider's client throws these: Unreachable means "ask again later", RateLimited (an
 * Unreachable) "not before its `until`", Rejected "not with this token".
 */
export { RateLimited, Rejected, Unreachable } from "../railway/index.ts";

export const verify = (app: App, method: Railway.Method, token: string) =>
  ({ railway: Railway.verifyToken })[app](method, token);

export const listProjects = (app: App, method: Railway.Method, token: string) =>
  ({ railway: Railway.listProjects })[app](method, token);
