import type { Exposure } from "../../domain/finding.ts";
import type { ConsoleViews } from "../../ports/console-views.ts";
import type { RunRecord } from "../../ports/playbook-run-store.ts";
import { DynamoStoredExposures } from "../dynamodb-exposures.ts";
import { DynamoPlaybookRunStore } from "../dynamodb-playbook-runs.ts";
import type { DynamoTable } from "../dynamodb-table.ts";

/**
 * The console's reads of a deployment's DynamoDB table: every exposure item the evaluate and ingest
 * functions wrote, and every playbook run with its steps. Each page view is one paginated Scan of the
 * table (exposures and runs carry no index to query by), which suits a person opening a page, not a
 * hot path. The DynamoDB client belongs to the caller: `close` does nothing.
 */
export class DynamoConsoleViews implements ConsoleViews {
  readonly #exposures: DynamoStoredExposures;
  readonly #runs: DynamoPlaybookRunStore;

  constructor(table: DynamoTable) {
    this.#exposures = new DynamoStoredExposures(table);
    this.#runs = new DynamoPlaybookRunStore(table);
  }

  exposures(): Promise<readonly Exposure[]> {
    return this.#exposures.all();
  }

  runs(): Promise<readonly RunRecord[]> {
    return this.#runs.allRuns();
  }

  close(): void {}
}
