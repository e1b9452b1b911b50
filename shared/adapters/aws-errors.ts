import {
  type AwsCallError,
  AwsServiceError,
  ConcurrentModificationError,
  EntityAlreadyExistsError,
  LimitExceededError,
  NoSuchEntityError,
  ThrottlingError,
  UnmodifiableEntityError,
} from "../domain/playbooks/errors.ts";

/** How AWS names the errors the playbook executor handles deliberately, across IAM, Secrets Manager and SNS. */
const KINDS: ReadonlyArray<
  [
    new (operation: string, code: string, message: string, options?: { cause?: unknown }) => AwsCallError,
    RegExp,
  ]
> = [
  [NoSuchEntityError, /^(NoSuchEntity|ResourceNotFound|NotFound)(Exception)?$/],
  [ThrottlingError, /^(Throttling|Throttled|TooManyRequests|RequestLimitExceeded)(Exception)?$/],
  [ConcurrentModificationError, /^ConcurrentModification(Exception)?$/],
  [LimitExceededError, /^LimitExceeded(Exception)?$/],
  [UnmodifiableEntityError, /^UnmodifiableEntity(Exception)?$/],
  [EntityAlreadyExistsError, /^(EntityAlreadyExists|ResourceExists)(Exception)?$/],
];

/**
 * Maps an AWS SDK v3 error to the typed error of `domain/playbooks/errors.ts`: the error's `name` (its
 * AWS error code) decides; an HTTP 429 is throttling; anything else is an AwsServiceError that keeps the
 * message and the cause.
 */
export function awsCallError(operation: string, error: unknown): AwsCallError {
  const { name, message, $metadata } = (typeof error === "object" && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const code = typeof name === "string" ? name : "UnknownError";
  const text = typeof message === "string" && message !== "" ? message : String(error);
  for (const [Kind, pattern] of KINDS) {
    if (pattern.test(code)) return new Kind(operation, code, text, { cause: error });
  }
  if ($metadata?.httpStatusCode === 429) return new ThrottlingError(operation, code, text, { cause: error });
  return new AwsServiceError(operation, code, text, { cause: error });
}

/** Sends one SDK call, mapping a failure with awsCallError. */
export async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw awsCallError(operation, error);
  }
}
