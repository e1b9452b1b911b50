import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BUNDLED,
  ENV,
  readFunctionSettings,
  readTableName,
  StartupError,
} from "../../functions/common/function-config.ts";
import { loadEvaluateSettings } from "../../functions/evaluate/config.ts";
import { loadIngestSettings } from "../../functions/ingest/config.ts";
import { TEST_CONFIG } from "./support.ts";

describe("readFunctionSettings", () => {
  let bundle: string;
  beforeAll(() => {
    bundle = mkdtempSync(join(tmpdir(), "vigil-bundle-"));
    writeFileSync(join(bundle, BUNDLED.configFile), JSON.stringify(TEST_CONFIG));
    mkdirSync(join(bundle, "bad"));
    writeFileSync(join(bundle, "bad", "not-json.json"), "profiles: []");
    writeFileSync(
      join(bundle, "bad", "invalid.json"),
      JSON.stringify({ profiles: [{ id: "ci", match: { accessKeys: ["AKIA"] } }] }),
    );
  });
  afterAll(() => rmSync(bundle, { recursive: true, force: true }));

  it("reads the mode and the bundled config, resolving paths from the bundle directory", () => {
    const settings = readFunctionSettings({ [ENV.mode]: "enforce" }, bundle);
    expect(settings.mode).toBe("enforce");
    expect(settings.config.profiles.map((p) => p.id)).toEqual(["ci-deployer"]);
    expect(settings.rangesDir).toBe(join(bundle, BUNDLED.rangesDir));
  });

  it("is what both functions read, with the name of vigil's table", () => {
    const env = {
      [ENV.mode]: "observe",
      [ENV.tableName]: "vigil-state",
      [ENV.topicArn]: "arn:aws:sns:eu-central-1:111122223333:vigil-alerts",
      [ENV.actionsQueueUrl]: "https://sqs.eu-central-1.amazonaws.com/111122223333/vigil-actions.fifo",
    };
    expect(loadEvaluateSettings(env, bundle)).toMatchObject({ mode: "observe", tableName: "vigil-state" });
    expect(loadIngestSettings(env, bundle).config.profiles).toHaveLength(1);
    expect(loadIngestSettings(env, bundle).tableName).toBe("vigil-state");
  });

  it("names a missing or malformed table name and says how to fix it", () => {
    expect(() => readTableName({})).toThrow(/VIGIL_TABLE_NAME is not set; .*redeploy the stack/);
    expect(() => loadEvaluateSettings({ [ENV.mode]: "observe" }, bundle)).toThrow(StartupError);
    expect(() => readTableName({ [ENV.tableName]: "no spaces/allowed" })).toThrow(
      'VIGIL_TABLE_NAME "no spaces/allowed" is not a DynamoDB table name',
    );
    expect(readTableName({ [ENV.tableName]: "Vigil-Table_1.a" })).toBe("Vigil-Table_1.a");
  });

  it("names a missing or wrong mode and says how to fix it", () => {
    expect(() => readFunctionSettings({}, bundle)).toThrow(StartupError);
    expect(() => readFunctionSettings({}, bundle)).toThrow(/VIGIL_MODE is not set; .*redeploy the stack/);
    expect(() => readFunctionSettings({ [ENV.mode]: "audit" }, bundle)).toThrow(
      'VIGIL_MODE "audit" must be observe or enforce',
    );
  });

  it("names a config file that is missing, not JSON or invalid", () => {
    const env = (file: string) => ({ [ENV.mode]: "observe", [ENV.configFile]: file });
    expect(() => readFunctionSettings(env("nowhere.json"), bundle)).toThrow(
      /the config file ".*nowhere\.json" \(VIGIL_CONFIG_FILE\) cannot be read \(ENOENT\)/,
    );
    expect(() => readFunctionSettings(env("bad/not-json.json"), bundle)).toThrow(/is not JSON/);
    expect(() => readFunctionSettings(env(join(bundle, "bad", "invalid.json")), bundle)).toThrow(
      /profile "ci": match\.accessKeys\[0\] "AKIA" is not an access key id/,
    );
  });
});
