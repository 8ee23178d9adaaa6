import { Page } from "@app/core/page";
import { z } from "@hono/zod-openapi";

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** `?cursor=&limit=` of every paginated list. */
export const PageQuery = z.object({
  cursor: z
    .string()
    .max(2048)
    .optional()
    .meta({ param: { name: "cursor", in: "query" } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(Page.Limit.max)
    .optional()
    .meta({ param: { name: "limit", in: "query" } }),
});
