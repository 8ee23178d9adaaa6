/** The events a secret's writes cause: which secret and version changed, never its value. */
export const types = ["secret.created", "secret.updated", "secret.deleted"] as const;
export type EventType = (typeof types)[number];
export type Changed = {
  id: string;
  key: string;
  path: string;
  environment: string;
  projectId: string;
  version: number;
  /** The name it had, on the update that renamed it. */
  previousKey?: string;
};
export type Payloads = { [T in EventType]: { secret: Changed } };
