import * as Connection from "@app/core/connection";
import * as Railway from "@app/core/railway";
import * as z from "zod/mini";

/**
 * The browser-side form constraints, read from the core schemas the API validates with, so the
 * page and the API cannot disagree. The server validates every submission with those schemas.
 */
type Rule = { type?: string; maxLength?: number; pattern?: string; anyOf?: Rule[]; properties?: Record<string, Rule> };

/**
 * A JS regex source as an HTML `pattern`: the browser anchors it itself and compiles it with the
 * `v` flag, where a literal "-" in a character class must be escaped.
 */
export const htmlPattern = (source: string) => source.replace(/^\^/, "").replace(/\$$/, "").replace(/-\]/g, "\\-]");

let known: ReturnType<typeof read> | undefined;
/** Read once, when a form is first rendered (not at cold start: the API answers more than forms). */
export const rules = () => {
  known ??= read();
  return known;
};

function read() {
  const { properties: fields = {} } = z.toJSONSchema(Connection.CreateInput, {
    io: "input",
    metadata: z.registry(),
  }) as Rule;
  const name = fields.name ?? {};
  return {
    name: {
      maxlength: name.maxLength,
      pattern: name.pattern ? htmlPattern(name.pattern) : undefined,
      patternMessage:
        Connection.Name.safeParse("A").error?.issues.find((i) => i.code === "invalid_format")?.message ??
        "has an invalid format",
    },
    description: { maxlength: fields.description?.anyOf?.find((s) => s.type === "string")?.maxLength },
    token: { maxlength: fields.credentials?.properties?.apiToken?.maxLength },
  };
}

export const methods: Record<Railway.Method, { label: string; hint: string }> = {
  "team-token": {
    label: "Team Token",
    hint: "Railway → Account Settings → Tokens, with a workspace selected. Reaches every project in that workspace.",
  },
  "account-token": {
    label: "Account Token",
    hint: "Railway → Account Settings → Tokens, with “No workspace”. Reaches all your workspaces and their projects.",
  },
  "project-token": {
    label: "Project Token",
    hint: "Railway → a project's Settings → Tokens, for one environment. Reaches only that project and environment.",
  },
};

export const methodOrder = Railway.Method.options;

export type Field = "name" | "description" | "method" | "projectId" | "token";
export type FieldErrors = Partial<Record<Field, string>>;

const fieldOf: Record<string, Field> = {
  name: "name",
  description: "description",
  method: "method",
  projectId: "projectId",
  "credentials.apiToken": "token",
  credentials: "token",
};

export const required: Record<Field, string> = {
  name: "Enter a name",
  description: "Enter a description",
  method: "Choose a token type",
  projectId: "Choose a project",
  token: "Paste the token",
};

/**
 * A zod failure of CreateInput/UpdateInput as one message per form field (the first per field);
 * a field left empty gets a plain "required" message instead of zod's.
 */
export function fieldErrors(
  error: z.core.$ZodError,
  submitted: Partial<Record<Field, string>>,
): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const issue of error.issues) {
    const field = fieldOf[issue.path.join(".")];
    if (field) fields[field] ??= submitted[field]?.trim() === "" ? required[field] : issue.message;
    else other.push(issue.message);
  }
  return { fields, other };
}
