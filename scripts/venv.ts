import { Venv } from "@app/local/venv";

Venv.ensure();
