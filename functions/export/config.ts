import { show } from "../../shared/domain/errors.ts";
import { readTableName, StartupError } from "../common/function-config.ts";

/** The variable naming the records bucket (Object Lock, compliance mode); set by the Vigil construct. */
export const BUCKET_ENV = "VIGIL_RECORDS_BUCKET";

/** S3 bucket names: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending alphanumeric. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** What the export function reads once per cold start. */
export interface ExportSettings {
  /** vigil's DynamoDB table, which holds the ledger. */
  readonly tableName: string;
  /** The bucket the exports are written to. */
  readonly bucket: string;
}

/**
 * The export function's settings: the table and the records bucket. The export reads no profiles,
 * so unlike the event functions it needs neither the bundled config nor the mode. Throws a
 * StartupError that names the setting, shows the bad value and says how to fix it.
 */
export function loadExportSettings(env: Readonly<Record<string, string | undefined>>): ExportSettings {
  const tableName = readTableName(env);
  const bucket = env[BUCKET_ENV];
  if (bucket === undefined || !BUCKET_NAME.test(bucket)) {
    throw new StartupError(
      `vigil cannot start: ${BUCKET_ENV} ${bucket === undefined ? "is not set" : `${show(bucket)} is not an S3 bucket name`}; it names the records bucket (Object Lock, compliance mode) the Vigil construct creates: redeploy the stack, or set it on the function`,
    );
  }
  return { tableName, bucket };
}
