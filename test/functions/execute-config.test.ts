import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLED, ENV, StartupError } from "../../functions/common/function-config.ts";
import { loadExecuteSettings, TOPIC_ENV } from "../../functions/execute/config.ts";
import { TEST_CONFIG } from "./support.ts";

const bundle = mkdtempSync(join(tmpdir(), "vigil-bundle-"));
writeFileSync(join(bundle, BUNDLED.configFile), JSON.stringify(TEST_CONFIG));
const TOPIC = "arn:aws:sns:eu-central-1:111122223333:vigil-alerts";

describe("loadExecuteSettings", () => {
  it("reads the mode, the table, the topic and the Region", () => {
    const env = {
      [ENV.mode]: "enforce",
      [ENV.tableName]: "vigil-state",
      [TOPIC_ENV]: TOPIC,
      AWS_REGION: "eu-central-1",
    };
    expect(loadExecuteSettings(env, bundle)).toMatchObject({
      mode: "enforce",
      tableName: "vigil-state",
      topicArn: TOPIC,
      region: "eu-central-1",
    });
  });

  it("names a missing or malformed topic and says how to fix it", () => {
    const env = { [ENV.mode]: "enforce", [ENV.tableName]: "vigil-state" };
    expect(() => loadExecuteSettings(env, bundle)).toThrow(StartupError);
    expect(() => loadExecuteSettings(env, bundle)).toThrow(
      /VIGIL_TOPIC_ARN is not set; .*redeploy the stack/,
    );
    expect(() => loadExecuteSettings({ ...env, [TOPIC_ENV]: "vigil-alerts" }, bundle)).toThrow(
      'VIGIL_TOPIC_ARN "vigil-alerts" is not an SNS topic ARN',
    );
  });
});
