import type { Actor } from "@app/core/apikey";
import { VisibleError } from "@app/core/error";
import * as Secret from "@app/core/secret";
import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { valid } from "../api/openapi.ts";
import type { Env } from "../api/service.ts";

type Where = { workspaceId?: string; projectId?: string; environment: string; secretPath?: string };

/** The scope of a request: its project is `workspaceId` (what the SDK sends) or `projectId`. */
function scope(actor: Actor, q: Where): Secret.Scope {
  const projectId = q.workspaceId ?? q.projectId;
  if (!projectId)
    throw new VisibleError(
      "validation",
      "validation_failed",
      "Invalid request: workspaceId: is required (or projectId)",
    );
  if (q.workspaceId && q.projectId && q.workspaceId !== q.projectId)
    throw new VisibleError("validation", "validation_failed", "Invalid request: workspaceId and projectId differ");
  return { orgId: actor.orgId, projectId, environment: q.environment, path: q.secretPath ?? "/" };
}

const name = (c: Context<Env>) => {
  const parsed = Secret.Key.safeParse(c.req.param("secretName"));
  if (!parsed.success)
    throw new VisibleError(
      "validation",
      "validation_failed",
      `Invalid request: secretName: ${parsed.error.issues[0]?.message}`,
    );
  return parsed.data;
};

const reading = (q: { expandSecretReferences?: boolean; viewSecretValue?: boolean }) => ({
  expand: q.expandSecretReferences ?? true,
  view: q.viewSecretValue ?? true,
});

/** `/api/v3/secrets/raw`, `/api/v3/secrets/raw/:secretName`, `/api/v3/secrets/batch/raw`. */
export const secrets = new Hono<Env>()
  .get("/raw", valid("query", Secret.ListQuery), async (c) => {
    const q = c.req.valid("query");
    const list = await Secret.list(c.get("actor"), scope(c.get("actor"), q), {
      ...reading(q),
      recursive: q.recursive ?? false,
    });
    return c.json({ secrets: list, imports: [] });
  })
  .get("/raw/:secretName", valid("query", Secret.GetQuery), async (c) => {
    const q = c.req.valid("query");
    const secret = await Secret.get(c.get("actor"), scope(c.get("actor"), q), name(c), {
      ...reading(q),
      version: q.version,
    });
    return c.json({ secret });
  })
  .post("/raw/:secretName", valid("json", Secret.CreateBody), async (c) => {
    const b = c.req.valid("json");
    const [secret] = await Secret.create(c.get("actor"), scope(c.get("actor"), b), [
      { key: name(c), value: b.secretValue, comment: b.secretComment },
    ]);
    return c.json({ secret });
  })
  .patch("/raw/:secretName", valid("json", Secret.UpdateBody), async (c) => {
    const b = c.req.valid("json");
    const [secret] = await Secret.update(c.get("actor"), scope(c.get("actor"), b), [
      { key: name(c), value: b.secretValue, comment: b.secretComment, newKey: b.newSecretName },
    ]);
    return c.json({ secret });
  })
  .delete("/raw/:secretName", valid("json", Secret.DeleteBody), async (c) => {
    const b = c.req.valid("json");
    const [secret] = await Secret.remove(c.get("actor"), scope(c.get("actor"), b), [name(c)]);
    return c.json({ secret });
  })
  .post("/batch/raw", valid("json", Secret.BatchCreateBody), async (c) => {
    const b = c.req.valid("json");
    const list = await Secret.create(
      c.get("actor"),
      scope(c.get("actor"), b),
      b.secrets.map((s) => ({ key: s.secretKey, value: s.secretValue, comment: s.secretComment })),
    );
    return c.json({ secrets: list });
  })
  .patch("/batch/raw", valid("json", Secret.BatchUpdateBody), async (c) => {
    const b = c.req.valid("json");
    const list = await Secret.update(
      c.get("actor"),
      scope(c.get("actor"), b),
      b.secrets.map((s) => ({
        key: s.secretKey,
        value: s.secretValue,
        comment: s.secretComment,
        newKey: s.newSecretName,
      })),
    );
    return c.json({ secrets: list });
  })
  .delete("/batch/raw", valid("json", Secret.BatchDeleteBody), async (c) => {
    const b = c.req.valid("json");
    const list = await Secret.remove(
      c.get("actor"),
      scope(c.get("actor"), b),
      b.secrets.map((s) => s.secretKey),
    );
    return c.json({ secrets: list });
  });
