/**
 * One structured logger: a JSON line per call, with the level, message, timestamp and service,
 * then the fields. Nothing that could hold a secret is ever passed to it. The level comes from
 * Lambda's log-level setting (AWS_LAMBDA_LOG_LEVEL) or LOG_LEVEL, INFO by default.
 *
 * Written here rather than taken from Powertools Logger: that one is 20 KiB in every bundle for
 * what these lines do, and the bundles have a size budget (README, "Lambda bundles").
 */
const levels = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 } as const;
type Level = keyof typeof levels;

const configured = (process.env.AWS_LAMBDA_LOG_LEVEL ?? process.env.LOG_LEVEL ?? "INFO").toUpperCase();
const threshold = levels[configured as Level] ?? levels.INFO;

const writer =
  (level: Level) =>
  (message: string, fields: Record<string, unknown> = {}): void => {
    if (levels[level] < threshold) return;
    const line = JSON.stringify({
      level,
      message,
      timestamp: new Date().toISOString(),
      service: "railway-connections",
      ...fields,
    });
    (levels[level] >= levels.WARN ? process.stderr : process.stdout).write(`${line}\n`);
  };

export const log = { debug: writer("DEBUG"), info: writer("INFO"), warn: writer("WARN"), error: writer("ERROR") };
