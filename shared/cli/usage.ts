import { VigilError } from "../domain/errors.ts";

/** The command line was wrong; the message says how to write it. Exit code 2. */
export class UsageError extends VigilError {
  override name = "UsageError";
}

export const USAGE = `vigil — watch how AWS machine credentials are used, score the exposure, plan containment

Usage:
  vigil replay <file-or-dir>... [options]   run the whole pipeline over CloudTrail records
  vigil learn <file-or-dir>... [options]    build baselines from history files (no findings)
  vigil learn --from-cloudtrail --days N    build baselines from the account's CloudTrail event history
  vigil help                                this text
  vigil --version

Inputs: S3 trail files ({"Records":[...]}, plain or .gz), EventBridge events, JSON arrays and JSON Lines
of records, directories (read recursively), or - for standard input.

Options:
  --config FILE         profiles, secrets, policy (YAML or JSON); default ./vigil.config.yaml when present
  --json                print one JSON document: summary, rejected, findings, exposures (replay)
  --store PATH          the embedded store (default .vigil/vigil.db): baselines, findings, exposures
  --memory              keep nothing between runs (no store)
  --iam-snapshot FILE   output of 'aws iam get-account-authorization-details', to score privilege offline
  --top N               exposures shown in detail in the text report (default 10)
  --no-color            plain text even on a terminal (NO_COLOR is honoured too)
  --days N              with --from-cloudtrail: how many days of event history to read (1–90)
  --region REGION       with --from-cloudtrail: the region to read (default from the environment)
  --endpoint URL        with --from-cloudtrail: a CloudTrail endpoint (an emulator or a VPC endpoint)
  --apply               execute the decided playbooks (not available yet: playbooks are planned only)
`;
