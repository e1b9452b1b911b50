import { describe, expect, it } from "vitest";
import { remoteExecution } from "../../../shared/domain/detections/remote-execution.ts";
import { configOf, contextFor } from "../../support/context.ts";
import { ACCOUNT, type RawRecord, roleSessionRecord, useOf, userKeyRecord } from "../../support/records.ts";

const DEPLOYER = configOf({
  profiles: [{ id: "ci", match: { accessKeys: ["AKIAEXAMPLE000000001"] }, deployer: true }],
});

function call(
  eventSource: string,
  eventName: string,
  requestParameters: RawRecord | null,
  extra: RawRecord = {},
) {
  return userKeyRecord({ eventSource, eventName, requestParameters, managementEvent: true, ...extra });
}

function evaluate(record: RawRecord, config = configOf()) {
  const use = useOf(record);
  return remoteExecution.evaluate(use, contextFor(use, { config }));
}

const sendCommand = call("ssm.amazonaws.com", "SendCommand", {
  documentName: "AWS-RunShellScript",
  instanceIds: ["i-0123", "i-0456"],
  parameters: "HIDDEN_DUE_TO_SECURITY_REASONS",
});

describe("remoteExecution", () => {
  it("declares its id, weight and ATT&CK techniques", () => {
    expect(remoteExecution.id).toBe("remote-execution");
    expect(remoteExecution.weight).toBe(30);
    expect(remoteExecution.attack).toContain("T1651");
  });

  it("fires on SSM SendCommand, naming the document and the instances", () => {
    expect(evaluate(sendCommand)?.reason).toContain(
      'called ssm:SendCommand (runs "AWS-RunShellScript" on "i-0123", "i-0456")',
    );
    const byTag = call("ssm.amazonaws.com", "SendCommand", {
      documentName: "AWS-RunPowerShellScript",
      targets: [{ key: "tag:role", values: ["web"] }],
    });
    expect(evaluate(byTag)?.reason).toContain('on targets tag:role="web"');
  });

  it("fires on shells and SSH keys pushed to instances or their serial console", () => {
    expect(evaluate(call("ssm.amazonaws.com", "StartSession", { target: "i-0123" }))?.reason).toContain(
      'opens a shell session on "i-0123"',
    );
    expect(
      evaluate(
        call("ec2-instance-connect.amazonaws.com", "SendSSHPublicKey", {
          instanceId: "i-1",
          instanceOSUser: "ec2-user",
        }),
      )?.reason,
    ).toContain('pushes an SSH key for "ec2-user" to "i-1"');
    expect(
      evaluate(
        call("ec2-instance-connect.amazonaws.com", "SendSerialConsoleSSHPublicKey", {
          instanceId: "i-1",
          serialPort: 0,
        }),
      )?.reason,
    ).toContain('the serial console of "i-1"');
  });

  it("fires on user data, lifecycle scripts, function code and layers; not on other changes", () => {
    expect(
      evaluate(
        call("ec2.amazonaws.com", "ModifyInstanceAttribute", {
          instanceId: "i-1",
          userData: "<sensitiveDataRemoved>",
        }),
      ),
    ).toBeDefined();
    expect(
      evaluate(
        call("ec2.amazonaws.com", "ModifyInstanceAttribute", {
          instanceId: "i-1",
          attribute: "userData",
          value: "<sensitiveDataRemoved>",
        }),
      ),
    ).toBeDefined();
    expect(
      evaluate(
        call("ec2.amazonaws.com", "ModifyInstanceAttribute", {
          instanceId: "i-1",
          instanceType: { value: "m5.large" },
        }),
      ),
    ).toBeUndefined();
    expect(
      evaluate(
        call("sagemaker.amazonaws.com", "UpdateNotebookInstance", {
          notebookInstanceName: "nb",
          lifecycleConfigName: "evil",
        }),
      )?.reason,
    ).toContain('attaches lifecycle script "evil" to notebook "nb"');
    expect(
      evaluate(
        call("sagemaker.amazonaws.com", "UpdateNotebookInstance", {
          notebookInstanceName: "nb",
          instanceType: "ml.t3.large",
        }),
      ),
    ).toBeUndefined();
    expect(
      evaluate(call("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", { functionName: "orders" }))
        ?.reason,
    ).toContain('replaces the code of function "orders"');
    expect(
      evaluate(
        call("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", {
          functionName: "orders",
          timeout: 30,
        }),
      ),
    ).toBeUndefined();
  });

  it("names a layer published by an account outside the estate", () => {
    const foreign = call("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", {
      functionName: "orders",
      layers: ["arn:aws:lambda:eu-central-1:444455556666:layer:ext:3"],
    });
    expect(evaluate(foreign)?.reason).toContain("(published by account 444455556666, outside the estate)");
    const own = call("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", {
      functionName: "orders",
      layers: [`arn:aws:lambda:eu-central-1:${ACCOUNT}:layer:ext:3`],
    });
    expect(evaluate(own)?.reason).not.toContain("outside the estate");
  });

  it("lets deployers, stacks and the console change code and boot scripts, never run commands", () => {
    const code = call("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", { functionName: "orders" });
    expect(evaluate(code, DEPLOYER)).toBeUndefined();
    expect(evaluate({ ...code, sourceIPAddress: "cloudformation.amazonaws.com" })).toBeUndefined();
    expect(evaluate(sendCommand, DEPLOYER)).toBeDefined();
    const consoleConnect = roleSessionRecord(
      {
        eventSource: "ec2-instance-connect.amazonaws.com",
        eventName: "SendSSHPublicKey",
        requestParameters: { instanceId: "i-1", instanceOSUser: "ec2-user" },
        sessionCredentialFromConsole: "true",
      },
      { role: "AWSReservedSSO_Admin_0123456789abcdef", name: "lena@example.com" },
    );
    expect(evaluate(consoleConnect)).toBeUndefined();
    const stateManager = { ...sendCommand, sourceIPAddress: "ssm.amazonaws.com" };
    expect(evaluate(stateManager)).toBeUndefined();
  });

  it("words denied attempts as attempts, also when the request was not logged", () => {
    expect(evaluate({ ...sendCommand, errorCode: "AccessDeniedException" })?.reason).toContain(
      "attempted ssm:SendCommand",
    );
    const refused = call("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", null, {
      errorCode: "AccessDeniedException",
    });
    expect(evaluate(refused)?.reason).toContain("changes the function or instance; request not logged");
  });
});
