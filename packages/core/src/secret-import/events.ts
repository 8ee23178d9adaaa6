/** The events an import's writes cause: which folder imports which, never a value. */
export const types = ["secret-import.created", "secret-import.updated", "secret-import.deleted"] as const;
export type EventType = (typeof types)[number];
export type Changed = {
  id: string;
  projectId: string;
  environment: string;
  path: string;
  importEnvironment: string;
  importPath: string;
  position: number;
  version: number;
};
export type Payloads = { [T in EventType]: { secretImport: Changed } };
