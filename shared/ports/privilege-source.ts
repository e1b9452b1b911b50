/** What a principal can do, strongest first. */
export const PRIVILEGE_LEVELS = [
  "admin",
  "iam-write",
  "secrets-read",
  "data-write",
  "read-only",
  "none",
] as const;
export type PrivilegeLevel = (typeof PRIVILEGE_LEVELS)[number];

export interface PrivilegeAssessment {
  readonly level: PrivilegeLevel;
  /** One line a person can check, e.g. "iam:PutRolePolicy allowed by inline policy deploy on role ci". */
  readonly reason: string;
}

/** Answers "what can this principal do?" — from an IAM snapshot evaluated offline, or not at all. */
export interface PrivilegeSource {
  /** `principalArn` is an IAM user or role ARN (never a session ARN). Undefined when unknown. */
  assess(principalArn: string): PrivilegeAssessment | undefined;
}
