/** What the console shows of a project's environments, as pure functions of what was read. */

const usual = ["development", "dev", "test", "staging", "production", "prod"];
const rank = (slug: string) => (usual.includes(slug) ? usual.indexOf(slug) : usual.length);
/** Environments in the order people promote through them, then by name. */
export const byStage = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);

/** Where a key stands in one environment, against the first environment that has it compared. */
export type Cell = "missing" | "present" | "same" | "differs";
export type Row = { key: string; cells: Cell[] };

/**
 * Keys against environments: the first column says only where a key is; each other one whether
 * its raw value (references unexpanded) equals the first environment's. Values stay here.
 */
export function grid(values: Array<Map<string, string>>): Row[] {
  const keys = [...new Set(values.flatMap((m) => [...m.keys()]))].sort();
  const [base] = values;
  return keys.map((key) => ({
    key,
    cells: values.map((m, i) => {
      const value = m.get(key);
      if (value === undefined) return "missing";
      const against = base?.get(key);
      if (i === 0 || against === undefined) return "present";
      return value === against ? "same" : "differs";
    }),
  }));
}
