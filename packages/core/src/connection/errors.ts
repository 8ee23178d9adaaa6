import { VisibleError } from "../error/index.ts";

export class NameTaken extends VisibleError {
  constructor(name: string) {
    super("conflict", "name_taken", `An App Connection with the name "${name}" already exists`);
  }
}

export class NoCredentials extends VisibleError {
  constructor() {
    super(
      "conflict",
      "no_credentials",
      "This connection has no stored credentials to verify (Railway rejected them, or they are still being verified); send new credentials with PATCH",
    );
  }
}
