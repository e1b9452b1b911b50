import type { Exposure } from "../domain/finding.ts";
import type { RunRecord } from "./playbook-run-store.ts";

/**
 * What the console lists from the embedded store besides the ledger: the current exposures and the
 * playbook runs. Read-only; the console changes state only through the approval and exception ports.
 */
export interface ConsoleViews {
  /** Every stored exposure, highest score first. */
  exposures(): Promise<readonly Exposure[]>;
  /** Every playbook run with its steps, newest first. */
  runs(): Promise<readonly RunRecord[]>;
  close(): void;
}
