/**
 * A number from the environment: the fallback when unset or empty, and an error (at start-up,
 * where the module reads it) for anything that is not a non-negative number.
 */
export function number(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number of at least 0`);
  return value;
}
