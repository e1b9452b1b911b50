import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { text } from "../normalize/record-schema.ts";
import { field } from "../policy-document.ts";
import { describeCall, refusedUnlogged } from "./describe.ts";
import { apisBySource, type Detection, type DetectionContext } from "./detection.ts";
import { isForeignAccount } from "./estate.ts";
import { expectedChange } from "./expected-change.ts";

/**
 * One way of running code on compute the caller does not own. `interactive` ones (a shell, an SSH
 * key) are access to a machine and never routine for a machine identity; the others change code or
 * boot scripts, which deployers and stacks do all day.
 */
interface ExecutionRule {
  readonly interactive: boolean;
  /** What the call runs where; `undefined` means the call does not run code (e.g. no user data given). */
  readonly what: (use: CredentialUse, ctx: DetectionContext) => string | undefined;
}

function asList(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  const nested = field(value, "items");
  if (nested !== undefined) return asList(nested);
  return Array.isArray(value) ? value : [value];
}

function shownList(value: unknown, max = 3): string | undefined {
  const values = asList(value).filter((v): v is string => typeof v === "string");
  if (values.length === 0) return undefined;
  const shown = values
    .slice(0, max)
    .map((v) => show(v, 60))
    .join(", ");
  return values.length > max ? `${shown} and ${values.length - max} more` : shown;
}

/** SSM SendCommand: the document and the instances or targets it runs on. */
function sendCommand(use: CredentialUse): string {
  const document = param(use, "documentName") ?? "(document not logged)";
  const instances = shownList(use.requestParameters?.instanceIds);
  const targets = asList(use.requestParameters?.targets)
    .map(
      (t) =>
        `${text(field(t, "key")) ?? text(field(t, "Key")) ?? "?"}=${shownList(field(t, "values") ?? field(t, "Values")) ?? "?"}`,
    )
    .join("; ");
  const where = instances ?? (targets === "" ? "(targets not logged)" : `targets ${targets}`);
  return `runs ${show(document, 80)} on ${where}`;
}

/** The accounts that published the layers a request adds (`arn:aws:lambda:REGION:ACCOUNT:layer:…`). */
function layerAccounts(use: CredentialUse): string[] {
  const accounts = asList(use.requestParameters?.layers).flatMap((layer) => {
    const match =
      typeof layer === "string" ? /^arn:aws[a-z-]*:lambda:[^:]*:(\d{12}):layer:/.exec(layer) : null;
    return match === null ? [] : [match[1]!];
  });
  return [...new Set(accounts)];
}

const RULES: ReadonlyMap<string, ExecutionRule> = new Map(
  Object.entries({
    "ssm.amazonaws.com:SendCommand": { interactive: true, what: sendCommand },
    "ssm.amazonaws.com:StartSession": {
      interactive: true,
      what: (use) => `opens a shell session on ${show(param(use, "target") ?? "(target not logged)", 60)}`,
    },
    "ec2-instance-connect.amazonaws.com:SendSSHPublicKey": {
      interactive: true,
      what: (use) =>
        `pushes an SSH key for ${show(param(use, "instanceOSUser") ?? "?", 40)} to ${show(param(use, "instanceId") ?? "(instance not logged)", 40)}`,
    },
    "ec2-instance-connect.amazonaws.com:SendSerialConsoleSSHPublicKey": {
      interactive: true,
      what: (use) =>
        `pushes an SSH key to the serial console of ${show(param(use, "instanceId") ?? "(instance not logged)", 40)}`,
    },
    "ec2.amazonaws.com:ModifyInstanceAttribute": {
      interactive: false,
      what: (use) => {
        const params = use.requestParameters;
        const userData = params?.userData ?? field(params?.attribute, "userData");
        if (userData === undefined && param(use, "attribute") !== "userData") return undefined;
        return `replaces the user data (boot script) of ${show(param(use, "instanceId") ?? "(instance not logged)", 40)}`;
      },
    },
    "sagemaker.amazonaws.com:CreateNotebookInstanceLifecycleConfig": {
      interactive: false,
      what: (use) =>
        `creates notebook lifecycle script ${show(param(use, "notebookInstanceLifecycleConfigName") ?? "(not logged)", 80)}`,
    },
    "sagemaker.amazonaws.com:UpdateNotebookInstanceLifecycleConfig": {
      interactive: false,
      what: (use) =>
        `replaces notebook lifecycle script ${show(param(use, "notebookInstanceLifecycleConfigName") ?? "(not logged)", 80)}`,
    },
    "sagemaker.amazonaws.com:UpdateNotebookInstance": {
      interactive: false,
      what: (use) => {
        const config = param(use, "lifecycleConfigName");
        if (config === undefined) return undefined;
        return `attaches lifecycle script ${show(config, 80)} to notebook ${show(param(use, "notebookInstanceName") ?? "?", 80)}`;
      },
    },
    "lambda.amazonaws.com:UpdateFunctionCode": {
      interactive: false,
      what: (use) =>
        `replaces the code of function ${show(param(use, "functionName") ?? "(not logged)", 100)}`,
    },
    "lambda.amazonaws.com:UpdateFunctionConfiguration": {
      interactive: false,
      what: (use, ctx) => {
        const layers = shownList(use.requestParameters?.layers, 2);
        if (layers === undefined) return undefined;
        const function_ = show(param(use, "functionName") ?? "(not logged)", 100);
        const outside = layerAccounts(use).filter((account) => isForeignAccount(account, use, ctx));
        const whose =
          outside.length === 0 ? "" : ` (published by account ${outside.join(", ")}, outside the estate)`;
        return `adds layers ${layers}${whose} to function ${function_}`;
      },
    },
  }),
);

/** The calls this detection judges, by event source; Lambda's by the prefix of their versioned names. */
export const REMOTE_EXECUTION_APIS: Readonly<Record<string, readonly string[]>> = apisBySource(RULES.keys());

function ruleKey(use: CredentialUse): string {
  const name =
    use.eventSource === "lambda.amazonaws.com" ? use.eventName.replace(/\d{8}(v\d+)?$/, "") : use.eventName;
  return `${use.eventSource}:${name}`;
}

/**
 * `remote-execution`: a credential runs code on compute through the control plane — SSM SendCommand
 * or StartSession, an SSH key pushed with EC2 Instance Connect (or to the serial console), an
 * instance's user data replaced, a SageMaker notebook lifecycle script created or attached, a Lambda
 * function's code replaced or layers added. The interactive ways (commands, shells, SSH keys) count
 * for every credential but console sessions (the console's Connect buttons); the code and boot-script
 * changes stay quiet for declared deployers, CloudFormation and the console, whose work they are.
 * Calls an AWS service makes on the caller's behalf (State Manager's associations) are not counted.
 * Denied attempts count, worded as attempts.
 */
export const remoteExecution: Detection = {
  id: "remote-execution",
  title: "Ran code on compute through the control plane",
  weight: 30,
  attack: ["T1651", "T1021.004", "T1098.004", "T1648", "T1059"],
  evaluate(use, ctx) {
    const rule = RULES.get(ruleKey(use));
    if (rule === undefined) return undefined;
    if (
      rule.interactive
        ? use.fromConsole || use.source.kind === "aws-service"
        : expectedChange(use, ctx) !== undefined
    ) {
      return undefined;
    }
    const what = refusedUnlogged(use)
      ? `${rule.what(use, ctx) ?? "changes the function or instance"}; request not logged`
      : rule.what(use, ctx);
    return what === undefined ? undefined : { id: "remote-execution", reason: describeCall(use, what) };
  },
};
