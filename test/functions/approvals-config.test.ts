import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadApprovalsSettings } from "../../functions/approvals/config.ts";
import { APPROVALS_ENV } from "../../functions/common/approval-links.ts";
import { BUNDLED, ENV, StartupError } from "../../functions/common/function-config.ts";
import { TEST_CONFIG } from "./support.ts";

const bundle = mkdtempSync(join(tmpdir(), "vigil-bundle-"));
writeFileSync(
  join(bundle, BUNDLED.configFile),
  JSON.stringify({
    ...TEST_CONFIG,
    approvals: { playbooks: { "quarantine-role": { approvers: ["alice"] } } },
  }),
);
const SECRET = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:vigil/link-secret-AbC123";
const ENVIRONMENT = {
  [ENV.mode]: "enforce",
  [ENV.tableName]: "vigil-state",
  [ENV.topicArn]: "arn:aws:sns:eu-central-1:111122223333:vigil-alerts",
  [ENV.actionsQueueUrl]: "https://sqs.eu-central-1.amazonaws.com/111122223333/vigil-actions.fifo",
  [APPROVALS_ENV.baseUrl]: "https://abc123defg.execute-api.eu-central-1.amazonaws.com/",
  [APPROVALS_ENV.linkSecretArn]: SECRET,
  AWS_REGION: "eu-central-1",
};

describe("loadApprovalsSettings", () => {
  it("reads the table, topic, queue, base URL (without a trailing /), the secret's ARN and the approval policy", () => {
    const settings = loadApprovalsSettings(ENVIRONMENT, bundle);
    expect(settings).toMatchObject({
      tableName: "vigil-state",
      baseUrl: "https://abc123defg.execute-api.eu-central-1.amazonaws.com",
      linkSecretArn: SECRET,
      actionsQueueUrl: "https://sqs.eu-central-1.amazonaws.com/111122223333/vigil-actions.fifo",
      region: "eu-central-1",
    });
    expect(settings.config.approvals.playbookApprovers.get("quarantine-role")?.map((p) => p.text)).toEqual([
      "alice",
    ]);
  });

  it.each([
    [
      { [APPROVALS_ENV.baseUrl]: undefined },
      /VIGIL_APPROVALS_BASE_URL is not set; set it to the approvals API's URL/,
    ],
    [{ [APPROVALS_ENV.baseUrl]: "abc123" }, /VIGIL_APPROVALS_BASE_URL "abc123" is not a URL/],
    [
      { [APPROVALS_ENV.baseUrl]: "http://approvals.example.com" },
      /"http:\/\/approvals.example.com" must be an https URL .*plain http only for localhost/,
    ],
    [
      { [APPROVALS_ENV.baseUrl]: "https://approvals.example.com/?x=1" },
      /must be an https URL without query, fragment or credentials/,
    ],
    [{ [APPROVALS_ENV.linkSecretArn]: undefined }, /VIGIL_LINK_SECRET_ARN is not set; .*redeploy the stack/],
    [
      { [APPROVALS_ENV.linkSecretArn]: "vigil/link-secret" },
      /VIGIL_LINK_SECRET_ARN "vigil\/link-secret" is not a Secrets Manager secret ARN/,
    ],
    [{ [ENV.actionsQueueUrl]: undefined }, /VIGIL_ACTIONS_QUEUE_URL is not set/],
  ])("refuses to start on %j, naming the setting and the fix", (change, message) => {
    const env = { ...ENVIRONMENT, ...change };
    expect(() => loadApprovalsSettings(env, bundle)).toThrow(StartupError);
    expect(() => loadApprovalsSettings(env, bundle)).toThrow(message);
  });

  it("accepts plain http for a local base URL (the local adapter and the browser test)", () => {
    const env = { ...ENVIRONMENT, [APPROVALS_ENV.baseUrl]: "http://127.0.0.1:8123" };
    expect(loadApprovalsSettings(env, bundle).baseUrl).toBe("http://127.0.0.1:8123");
  });
});
