import * as logs from "aws-cdk-lib/aws-logs";
import { MODES, type Mode } from "../../functions/common/function-config.ts";
import { ConfigError, compileConfig } from "../../shared/domain/config/compile.ts";
import { type ConfigFile, type ConfigInput, configSchema } from "../../shared/domain/config/schema.ts";
import { show, VigilError } from "../../shared/domain/errors.ts";
import { PLAYBOOK_IDS } from "../../shared/domain/playbooks/catalog.ts";

/** Props that cannot be deployed; the message names the field, shows the value and says how to fix it. */
export class VigilPropsError extends VigilError {
  override name = "VigilPropsError";
}

/** How long records are kept when the props do not say. */
export const DEFAULT_RETENTION_DAYS = 365;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The configuration fields of the props, validated with the same schema and checks as the CLI's
 * config file; a problem becomes a VigilPropsError listing every problem. `where` names the construct.
 */
export function validateConfig(input: ConfigInput, where: string): ConfigFile {
  try {
    compileConfig(input, where, PLAYBOOK_IDS);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new VigilPropsError(
      `${error.message}\nThe props have the shape of the config file described in the README.`,
      {
        cause: error,
        context: { problems: error.problems },
      },
    );
  }
  return configSchema.parse(input);
}

/** The mode, `observe` when not given; anything but a known mode is refused. */
export function modeOf(mode: Mode | undefined, where: string): Mode {
  const value = mode ?? "observe";
  if (!(MODES as readonly string[]).includes(value)) {
    throw new VigilPropsError(`${where}: mode ${show(value)} must be ${MODES.join(" or ")}`);
  }
  return value;
}

/** The record retention as a CloudWatch Logs retention; a number CloudWatch Logs does not offer is refused. */
export function retentionOf(days: number | undefined, where: string): logs.RetentionDays {
  const value = days ?? DEFAULT_RETENTION_DAYS;
  const allowed = Object.values(logs.RetentionDays).filter(
    (v): v is logs.RetentionDays => typeof v === "number" && v !== logs.RetentionDays.INFINITE,
  );
  if (!allowed.includes(value as logs.RetentionDays)) {
    throw new VigilPropsError(
      `${where}: recordRetentionDays ${show(value)} is not a retention CloudWatch Logs offers; use one of ${allowed.join(", ")}`,
    );
  }
  return value as logs.RetentionDays;
}

/** Refuses a notification address that is not an email address. */
export function checkEmails(emails: readonly string[], where: string): void {
  for (const email of emails) {
    if (!EMAIL.test(email)) {
      throw new VigilPropsError(
        `${where}: notificationEmails entry ${show(email)} is not an email address; write it like oncall@example.com`,
      );
    }
  }
}
