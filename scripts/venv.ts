import * as Venv from "@app/local/venv";

Venv.ensure();
