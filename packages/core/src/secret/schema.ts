/** The raw secrets API's inputs and answers, shaped like the prior art's (what @infisical/sdk sends and reads). */
import * as z from "zod/mini";

/** Letters, digits, `_` and `-`: what an environment variable name can be, and no `.` (it separates a reference). */
export const Key = z
  .string()
  .check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9_-]+$/, "must be 1..128 letters, digits, '_' or '-'"));

const segment = /^[A-Za-z0-9_-]{1,64}$/;
/** `/` or `/a/b` (a trailing `/` is dropped), at most 10 folders deep. */
export const Path = z.pipe(
  z.string().check(
    z.maxLength(400),
    z.refine(
      (p) =>
        p === "/" ||
        (p.startsWith("/") &&
          p
            .replace(/\/$/, "")
            .slice(1)
            .split("/")
            .every((s) => segment.test(s))),
      "must be '/' or '/folder/sub-folder' (folders of letters, digits, '_' or '-')",
    ),
    z.refine((p) => p.split("/").filter(Boolean).length <= 10, "must be at most 10 folders deep"),
  ),
  z.transform((p) => (p.length > 1 ? p.replace(/\/$/, "") : p)),
);

export const Environment = z
  .string()
  .check(z.maxLength(64), z.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a slug: lowercase letters, digits and hyphens"));

export const ProjectID = z
  .string()
  .check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/, "must be letters, digits, '_' or '-'"));

/** Bytes of UTF-8, the limit stated in the README. */
export const maxValueBytes = 32 * 1024;
export const Value = z
  .string()
  .check(z.refine((v) => Buffer.byteLength(v) <= maxValueBytes, `must be at most ${maxValueBytes} bytes of UTF-8`));
const Comment = z.string().check(z.maxLength(1024));
/** Personal secrets (one user's override) have no meaning for API keys. */
const Type = z.optional(z.literal("shared", { error: "must be 'shared' (personal secrets are not supported)" }));

const bool = z.optional(
  z.pipe(
    z.enum(["true", "false"], { error: "must be 'true' or 'false'" }),
    z.transform((v) => v === "true"),
  ),
);

/** Where: the SDK names the project `workspaceId`; `projectId` is accepted alike. */
const where = {
  workspaceId: z.optional(ProjectID),
  projectId: z.optional(ProjectID),
  environment: Environment,
  secretPath: z.optional(Path),
};

/** Unknown fields are let through: the SDK sends some (`tagSlugs`, `metadata`) that mean nothing here. */
export const ListQuery = z.looseObject({
  ...where,
  recursive: bool,
  expandSecretReferences: bool,
  include_imports: bool,
  viewSecretValue: bool,
});

export const GetQuery = z.looseObject({
  ...where,
  type: Type,
  version: z.optional(
    z.pipe(z.string().check(z.regex(/^[1-9][0-9]{0,8}$/, "must be a positive whole number")), z.transform(Number)),
  ),
  expandSecretReferences: bool,
  includeImports: bool,
  viewSecretValue: bool,
});

export const CreateBody = z.looseObject({
  ...where,
  type: Type,
  secretValue: Value,
  secretComment: z.optional(Comment),
});

export const UpdateBody = z.looseObject({
  ...where,
  type: Type,
  secretValue: z.optional(Value),
  secretComment: z.optional(Comment),
  newSecretName: z.optional(Key),
});

export const DeleteBody = z.looseObject({ ...where, type: Type });

/** A batch is one transaction: 4 writes a secret (item, version, audit, event) within DynamoDB's 100. */
export const maxBatch = 25;
const batch = <T extends z.ZodMiniType>(item: T) =>
  z.array(item).check(z.minLength(1), z.maxLength(maxBatch, `must hold at most ${maxBatch} secrets`));

export const BatchCreateBody = z.looseObject({
  ...where,
  secrets: batch(z.looseObject({ secretKey: Key, secretValue: Value, secretComment: z.optional(Comment), type: Type })),
});
export const BatchUpdateBody = z.looseObject({
  ...where,
  secrets: batch(
    z.looseObject({
      secretKey: Key,
      secretValue: z.optional(Value),
      secretComment: z.optional(Comment),
      newSecretName: z.optional(Key),
      type: Type,
    }),
  ),
});
export const BatchDeleteBody = z.looseObject({
  ...where,
  secrets: batch(z.looseObject({ secretKey: Key, type: Type })),
});

/** Where a secret lives, once the request is read. */
export type Scope = { orgId: string; projectId: string; environment: string; path: string };

/** A secret as the prior art answers it. */
export type Info = {
  id: string;
  _id: string;
  workspace: string;
  workspaceId: string;
  environment: string;
  version: number;
  type: "shared";
  secretKey: string;
  secretValue: string;
  secretValueHidden: boolean;
  secretComment: string;
  secretPath: string;
  isRotatedSecret: false;
  tags: never[];
  createdAt: string;
  updatedAt: string;
};
