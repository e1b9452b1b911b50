/**
 * The IAM operations the playbook steps need, and nothing more. Adapters map AWS errors to the typed
 * errors of `domain/playbooks/errors.ts` (NoSuchEntityError, ThrottlingError, LimitExceededError, …).
 */

/** An IAM user or role, by name (the last segment of its ARN). */
export interface IamPrincipal {
  readonly kind: "user" | "role";
  readonly name: string;
}

export type AccessKeyStatus = "Active" | "Inactive";

/** A managed policy attached to a principal. */
export interface AttachedPolicy {
  readonly arn: string;
  readonly name: string;
}

/** What the steps need to know of a role before acting on it. */
export interface RoleInfo {
  readonly arn: string;
  readonly path: string;
  /** Service-linked roles (path /aws-service-role/) cannot be changed: IAM answers UnmodifiableEntity. */
  readonly serviceLinked: boolean;
}

export interface IamGateway {
  /** The status of one access key of a user; NoSuchEntityError when the user or the key is gone. */
  getAccessKeyStatus(userName: string, accessKeyId: string): Promise<AccessKeyStatus>;
  updateAccessKeyStatus(userName: string, accessKeyId: string, status: AccessKeyStatus): Promise<void>;
  getRole(roleName: string): Promise<RoleInfo>;
  /** The names of the principal's inline policies. */
  listInlinePolicies(principal: IamPrincipal): Promise<string[]>;
  /** An inline policy's document as JSON text (decoded), or undefined when the principal has none by that name. */
  getInlinePolicy(principal: IamPrincipal, policyName: string): Promise<string | undefined>;
  putInlinePolicy(principal: IamPrincipal, policyName: string, document: string): Promise<void>;
  deleteInlinePolicy(principal: IamPrincipal, policyName: string): Promise<void>;
  listAttachedPolicies(principal: IamPrincipal): Promise<AttachedPolicy[]>;
  attachPolicy(principal: IamPrincipal, policyArn: string): Promise<void>;
  detachPolicy(principal: IamPrincipal, policyArn: string): Promise<void>;
  /** Creates a customer managed policy; returns its ARN. EntityAlreadyExistsError when the name is taken. */
  createPolicy(name: string, path: string, document: string, description: string): Promise<string>;
  deletePolicy(policyArn: string): Promise<void>;
  listTags(principal: IamPrincipal): Promise<Record<string, string>>;
  tag(principal: IamPrincipal, tags: Readonly<Record<string, string>>): Promise<void>;
  untag(principal: IamPrincipal, keys: readonly string[]): Promise<void>;
}
