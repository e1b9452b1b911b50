import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLED, ENV, StartupError } from "../../functions/common/function-config.ts";
import { loadExecuteSettings, MEMBER_ACCOUNT_ENV, TOPIC_ENV } from "../../functions/execute/config.ts";
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

  describe("member accounts", () => {
    const base = { [ENV.mode]: "enforce", [ENV.tableName]: "vigil-state", [TOPIC_ENV]: TOPIC };
    const members = {
      [MEMBER_ACCOUNT_ENV.homeAccount]: "111122223333",
      [MEMBER_ACCOUNT_ENV.roleName]: "vigil-member-responder",
      [MEMBER_ACCOUNT_ENV.externalId]: "o-a1b2c3d4e5",
    };

    it("reads how to act in member accounts when all three settings are there, and nothing when none is", () => {
      expect(loadExecuteSettings({ ...base, ...members }, bundle).members).toEqual({
        homeAccountId: "111122223333",
        memberRoleName: "vigil-member-responder",
        externalId: "o-a1b2c3d4e5",
      });
      expect(loadExecuteSettings(base, bundle).members).toBeUndefined();
    });

    it.each([
      [
        { [MEMBER_ACCOUNT_ENV.externalId]: undefined },
        /VIGIL_MEMBER_EXTERNAL_ID is not set, but VIGIL_HOME_ACCOUNT_ID and VIGIL_MEMBER_ROLE_NAME are; acting in member accounts needs all three/,
      ],
      [
        { [MEMBER_ACCOUNT_ENV.roleName]: undefined, [MEMBER_ACCOUNT_ENV.externalId]: "" },
        /VIGIL_MEMBER_ROLE_NAME and VIGIL_MEMBER_EXTERNAL_ID are not set, but VIGIL_HOME_ACCOUNT_ID is/,
      ],
      [
        { [MEMBER_ACCOUNT_ENV.homeAccount]: "1111-2222-3333" },
        /VIGIL_HOME_ACCOUNT_ID "1111-2222-3333" is not a 12-digit AWS account id/,
      ],
      [
        { [MEMBER_ACCOUNT_ENV.roleName]: "role/with/slash" },
        /VIGIL_MEMBER_ROLE_NAME "role\/with\/slash" is not an IAM role name/,
      ],
      [{ [MEMBER_ACCOUNT_ENV.externalId]: "x" }, /VIGIL_MEMBER_EXTERNAL_ID "x" is not an ExternalId/],
    ])("refuses to start on %j, naming the setting and the fix", (change, message) => {
      const env = { ...base, ...members, ...change };
      expect(() => loadExecuteSettings(env, bundle)).toThrow(StartupError);
      expect(() => loadExecuteSettings(env, bundle)).toThrow(message);
      expect(() => loadExecuteSettings(env, bundle)).toThrow(/redeploy the stack, or remove all three/);
    });
  });
});
