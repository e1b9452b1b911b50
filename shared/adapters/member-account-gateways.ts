import { IAMClient } from "@aws-sdk/client-iam";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { show, VigilError } from "../domain/errors.ts";
import type { IamGateway } from "../ports/iam-gateway.ts";
import type { SecretsGateway } from "../ports/secrets-gateway.ts";
import { AwsIamGateway } from "./aws-iam-gateway.ts";
import { AwsSecretsGateway } from "./aws-secrets-gateway.ts";

/** The gateways the playbook steps act through, for the principals of one account. */
export interface AccountGateways {
  readonly iam: IamGateway;
  readonly secrets: SecretsGateway;
}

/** What {@link MemberAccountGateways} needs. */
export interface MemberAccountGatewaysOptions {
  /** vigil's own account: its principals are acted on through `own`, with the function's own credentials. */
  readonly homeAccountId: string;
  /** The gateways of vigil's own account. */
  readonly own: AccountGateways;
  /** The role each member account's stack creates (VigilMember): `arn:<partition>:iam::<account>:role/<name>`. */
  readonly memberRoleName: string;
  /** The ExternalId the member roles require. */
  readonly externalId: string;
  /** Region of the STS, IAM and Secrets Manager clients (the function's Region). */
  readonly region?: string;
  /** An emulator (moto) or VPC endpoint for all three services; default: AWS's. */
  readonly endpoint?: string;
  /** The credentials that assume the member roles; default: the default credential chain (the function's role). */
  readonly masterCredentials?: Parameters<typeof fromTemporaryCredentials>[0]["masterCredentials"];
}

/** A principal ARN whose account cannot be told, so vigil cannot know with which credentials to act. */
export class MemberAccountError extends VigilError {
  override name = "MemberAccountError";
}

/** How long the member-role sessions last: the minimum; a playbook run takes seconds. */
const SESSION_SECONDS = 900;
/** The session name the member accounts' CloudTrail shows for vigil's actions. */
export const MEMBER_SESSION_NAME = "vigil-execute";
const ACCOUNT_ID = /^\d{12}$/;

/**
 * The IAM and Secrets Manager gateways for the account of a principal: vigil's own account gets the
 * function's own gateways; any other account gets gateways whose SDK v3 clients act with the
 * temporary credentials of that account's member role (assumed with the ExternalId, renewed by the
 * clients when they expire). Built once per account and kept for the life of the function instance.
 *
 * @example
 * const members = new MemberAccountGateways({ homeAccountId, own: { iam, secrets }, memberRoleName, externalId, region });
 * const { iam, secrets } = members.forPrincipal(request.principalArn);
 */
export class MemberAccountGateways {
  readonly #options: MemberAccountGatewaysOptions;
  readonly #byAccount = new Map<string, AccountGateways>();

  constructor(options: MemberAccountGatewaysOptions) {
    this.#options = options;
  }

  /**
   * The gateways for the account of `principalArn` (a user, role or assumed-role ARN, any partition).
   * Throws MemberAccountError when the ARN carries no 12-digit account id.
   */
  forPrincipal(principalArn: string): AccountGateways {
    const [prefix, partition, , , account] = principalArn.split(":");
    if (prefix !== "arn" || partition === undefined || partition === "" || !ACCOUNT_ID.test(account ?? "")) {
      throw new MemberAccountError(
        `principal ${show(principalArn)} is not an ARN with a 12-digit account id (like arn:aws:iam::111122223333:user/svc-ci), so vigil cannot tell which account's credentials to act with; fix the playbook request's principalArn`,
        { context: { principalArn } },
      );
    }
    return this.forAccount(account!, partition);
  }

  /** The gateways for `accountId` in `partition` (default `aws`). */
  forAccount(accountId: string, partition = "aws"): AccountGateways {
    if (accountId === this.#options.homeAccountId) return this.#options.own;
    const key = `${partition}:${accountId}`;
    const cached = this.#byAccount.get(key);
    if (cached !== undefined) return cached;
    const gateways = this.#build(`arn:${partition}:iam::${accountId}:role/${this.#options.memberRoleName}`);
    this.#byAccount.set(key, gateways);
    return gateways;
  }

  #build(roleArn: string): AccountGateways {
    const { region, endpoint, externalId, masterCredentials } = this.#options;
    const location = {
      ...(region === undefined ? {} : { region }),
      ...(endpoint === undefined ? {} : { endpoint }),
    };
    const credentials = fromTemporaryCredentials({
      params: {
        RoleArn: roleArn,
        ExternalId: externalId,
        RoleSessionName: MEMBER_SESSION_NAME,
        DurationSeconds: SESSION_SECONDS,
      },
      ...(masterCredentials === undefined ? {} : { masterCredentials }),
      clientConfig: location,
    });
    // As createIamClient and createSecretsClient: SDK retries off, the playbook executor retries itself.
    return {
      iam: new AwsIamGateway(
        new IAMClient({ maxAttempts: 1, ...location, region: region ?? "us-east-1", credentials }),
      ),
      secrets: new AwsSecretsGateway(new SecretsManagerClient({ maxAttempts: 1, ...location, credentials })),
    };
  }
}
