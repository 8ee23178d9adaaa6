import type * as z from "zod/mini";

/**
 * What zod says when a schema gives no message of its own, in the words a person uses ("must be
 * at most 256 characters", not "Too big: expected string to have <=256 characters"). Replaces
 * zod's English locale, and is smaller than it. The field's name is the detail's `path`.
 */
type Issue = z.core.$ZodRawIssue;

const units: Record<string, string> = { string: "characters", array: "items", set: "items", file: "bytes" };
const kinds: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "a list",
};
const formats: Record<string, string> = {
  email: "an email address",
  url: "a URL",
  uuid: "a UUID",
  datetime: "a date and time (ISO 8601)",
  date: "a date (YYYY-MM-DD)",
};
const quoted = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(", ");

function message(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "is required" : `must be ${kinds[issue.expected] ?? issue.expected}`;
    case "invalid_value":
      return issue.values.length === 1 ? `must be ${quoted(issue.values)}` : `must be one of ${quoted(issue.values)}`;
    case "too_big":
    case "too_small": {
      const big = issue.code === "too_big";
      const limit = big ? issue.maximum : issue.minimum;
      const unit = units[issue.origin];
      if (!big && unit && Number(limit) === 1 && issue.inclusive !== false) return "must not be empty";
      const bound = issue.exact
        ? "exactly"
        : issue.inclusive === false
          ? big
            ? unit
              ? "fewer than"
              : "less than"
            : "more than"
          : big
            ? "at most"
            : "at least";
      const counted = unit && Number(limit) === 1 ? unit.slice(0, -1) : unit;
      return `must be ${bound} ${limit}${counted ? ` ${counted}` : ""}`;
    }
    case "invalid_format":
      if (issue.format === "starts_with") return `must start with "${issue.prefix}"`;
      if (issue.format === "regex") return `must match the pattern ${issue.pattern}`;
      return `must be ${formats[issue.format] ?? `a valid ${issue.format}`}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return `has ${issue.keys.length > 1 ? "fields" : "a field"} that ${issue.keys.length > 1 ? "are" : "is"} not allowed here: ${issue.keys.join(", ")}`;
    default:
      return "is not valid here";
  }
}

export const humanMessages = () => ({ localeError: message });
