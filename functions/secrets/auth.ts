import { Hono } from "hono/tiny";
import type { Env } from "../api/service.ts";

/** `/api/v1/auth/universal-auth/login`, `/api/v1/auth/token/renew`. */
export const auth = new Hono<Env>();
