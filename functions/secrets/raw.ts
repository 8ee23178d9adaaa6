import { Hono } from "hono/tiny";
import type { Env } from "../api/service.ts";

/** `/api/v3/secrets/raw`, `/api/v3/secrets/raw/:secretName`, `/api/v3/secrets/batch/raw`. */
export const secrets = new Hono<Env>();
