/**
 * The index of environments that have secrets: one item per org + project + environment in the
 * org's partition, written in the same transaction as the environment's data key (which is
 * created once, with its first secret), so that an org's environments are one Query.
 */
export const environmentPrefix = (projectId?: string) => `SECRET_ENV#${projectId ? `${projectId}#` : ""}`;

export const environmentKey = (orgId: string, projectId: string, environment: string) => ({
  pk: `ORG#${orgId}`,
  sk: `${environmentPrefix(projectId)}${environment}`,
});
