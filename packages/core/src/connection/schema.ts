/** A Railway App Connection as clients see it, shaped like the prior art's; and what its inputs and jobs are. */
import * as z from "zod/mini";
import * as Railway from "../railway/index.ts";

export const Name = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(32),
    z.regex(/^[a-z0-9-]+$/, "must be a slug: lowercase letters, digits and hyphens only"),
  );
const Description = z.nullish(z.string().check(z.maxLength(256)));
export const ProjectID = z.uuid();
const Credentials = z.object({
  apiToken: z.string().check(
    z.trim(),
    z.minLength(1),
    z.maxLength(255),
    // What an HTTP header can carry: anything else could only fail in fetch, whose error quotes it.
    z.regex(/^[\x21-\x7e]+$/, "must be visible ASCII characters without spaces"),
    z.meta({ example: "[TEAM TOKEN]" }),
  ),
});
const NotPlatformManaged = z.optional(
  z.literal(false, { error: "Railway connections cannot use platform-managed credentials" }),
);

export const CreateInput = z
  .object({
    name: Name.check(z.meta({ example: "my-railway-connection" })),
    description: Description,
    method: Railway.Method,
    projectId: z.optional(ProjectID).check(z.meta({ example: "7ffbb072-2575-495a-b5b0-127f88caef78" })),
    isPlatformManagedCredentials: NotPlatformManaged,
    credentials: Credentials,
  })
  .check(
    z.meta({
      id: "CreateRailwayConnection",
      example: {
        name: "my-railway-connection",
        method: "team-token",
        projectId: "7ffbb072-2575-495a-b5b0-127f88caef78",
        credentials: { apiToken: "[TEAM TOKEN]" },
      },
    }),
  );
export type CreateInput = z.infer<typeof CreateInput>;

export const UpdateInput = z
  .object({
    name: z.optional(Name),
    description: Description,
    method: z.optional(Railway.Method).check(z.meta({ description: "Only together with new credentials." })),
    isPlatformManagedCredentials: NotPlatformManaged,
    credentials: z.optional(Credentials),
  })
  .check(
    z.refine((u) => !u.method || u.credentials, {
      path: ["method"],
      message: "can only change together with new credentials",
    }),
    z.meta({ id: "UpdateRailwayConnection" }),
  );
export type UpdateInput = z.infer<typeof UpdateInput>;

export const Status = z.enum(["pending", "active", "failed"]);
export const Purpose = z.enum(["create", "rotation", "recheck"]);
export type Purpose = z.infer<typeof Purpose>;

export const Info = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.nullable(z.string()),
    projectId: z.nullable(z.string()),
    version: z.int(),
    orgId: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    isPlatformManagedCredentials: z.literal(false),
    credentialsHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    app: z.literal("railway"),
    method: Railway.Method,
    credentials: z.strictObject({}).check(z.meta({ description: "Always empty: secrets are never returned." })),
    status: Status,
    statusMessage: z.nullable(z.string()),
    verifiedAt: z.nullable(z.iso.datetime()),
    railway: z.nullable(Railway.Identity),
    pendingVerification: z
      .nullable(z.object({ purpose: Purpose, method: Railway.Method, requestedAt: z.iso.datetime() }))
      .check(z.meta({ description: "The verification queued for this connection, if any." })),
    rotation: z
      .nullable(
        z.object({
          status: z.enum(["pending", "failed"]),
          method: Railway.Method,
          requestedAt: z.iso.datetime(),
          statusMessage: z.nullable(z.string()),
        }),
      )
      .check(
        z.meta({
          description:
            "New credentials sent for an active connection: pending until verified, then they replace the current ones; failed (with the reason) leaves the current ones in use.",
        }),
      ),
  })
  .check(
    z.meta({
      id: "RailwayConnection",
      example: {
        id: "c790dc47-480b-45e4-ada9-502a7419d8f8",
        name: "my-railway-connection",
        description: null,
        projectId: "7ffbb072-2575-495a-b5b0-127f88caef78",
        version: 1,
        orgId: "56277763-02c5-4c5c-8d8a-2c8dda7d787d",
        createdAt: "2026-11-27T21:07:48.599Z",
        updatedAt: "2026-11-27T21:07:48.683Z",
        isPlatformManagedCredentials: false,
        credentialsHash: "4772d21ffb054daca883b5710791139d1fc98c5a818f91eadff406102cfebd88",
        app: "railway",
        method: "team-token",
        credentials: {},
        status: "active",
        statusMessage: null,
        verifiedAt: "2026-11-27T21:07:48.683Z",
        railway: { workspaces: [{ id: "ada00000-0000-4000-8000-000000000102", name: "Analytical Engines" }] },
        pendingVerification: null,
        rotation: null,
      },
    }),
  );
export type Info = z.infer<typeof Info>;

export const Summary = z.object({
  app: z.literal("railway"),
  name: z.string(),
  id: z.uuid(),
  projectId: z.nullable(z.string()),
  orgId: z.string(),
});

/** What the verification queue carries: ids, and a new token only as KMS ciphertext. */
export const Job = z.object({
  orgId: z.string(),
  connectionId: z.uuid(),
  jobId: z.uuid(),
  sealedToken: z.optional(z.base64()),
});
export type Job = z.infer<typeof Job>;
