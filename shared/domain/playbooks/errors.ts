import { show, VigilError } from "../errors.ts";

/** Base of the errors raised while validating, running or undoing a playbook. */
export class PlaybookError extends VigilError {
  override name = "PlaybookError";
}

/** A playbook names a step id that is not registered. */
export class UnknownStepError extends PlaybookError {
  override name = "UnknownStepError";
}

/** A planned step's parameters do not fit the step's schema. */
export class StepParamsError extends PlaybookError {
  override name = "StepParamsError";
}

/** A run id that the playbook run store does not know, or a run that cannot be undone. */
export class RunNotFoundError extends PlaybookError {
  override name = "RunNotFoundError";
}

/**
 * An AWS call failed in a way the executor handles deliberately. Adapters map SDK errors to the
 * subclasses below; `operation` is the API call and `code` the error code AWS returned.
 */
export class AwsCallError extends PlaybookError {
  override name = "AwsCallError";
  readonly operation: string;
  readonly code: string;

  constructor(operation: string, code: string, message: string, options: { cause?: unknown } = {}) {
    super(`${operation} failed with ${code}: ${message}`, {
      cause: options.cause,
      context: { operation, code },
    });
    this.operation = operation;
    this.code = code;
  }
}

/** The entity is gone (user, role, key, policy, secret): recorded as such, never a failed run. */
export class NoSuchEntityError extends AwsCallError {
  override name = "NoSuchEntityError";
}

/** AWS throttled the call: retried with jittered, bounded backoff. */
export class ThrottlingError extends AwsCallError {
  override name = "ThrottlingError";
}

/** Another change to the same entity was in flight: retried. */
export class ConcurrentModificationError extends AwsCallError {
  override name = "ConcurrentModificationError";
}

/** A quota was hit, e.g. the size of a principal's inline policies: the steps fall back to a managed deny policy. */
export class LimitExceededError extends AwsCallError {
  override name = "LimitExceededError";
}

/** The entity cannot be changed (a service-linked role): the step is blocked, never retried. */
export class UnmodifiableEntityError extends AwsCallError {
  override name = "UnmodifiableEntityError";
}

/** The entity already exists (a managed policy vigil creates under a fixed name). */
export class EntityAlreadyExistsError extends AwsCallError {
  override name = "EntityAlreadyExistsError";
}

/** Any other AWS failure (access denied, service failure, bad request): the step fails with its message. */
export class AwsServiceError extends AwsCallError {
  override name = "AwsServiceError";
}

/** Why a person has to take over a step: rotation not configured or already in progress. */
export class EscalationError extends PlaybookError {
  override name = "EscalationError";
}

/** The secret has no rotation configured, so RotateSecret cannot produce a new value. */
export class RotationNotConfiguredError extends EscalationError {
  override name = "RotationNotConfiguredError";
  constructor(secret: string) {
    super(
      `secret ${show(secret)} has no rotation configured, so vigil cannot rotate it; a person must rotate it by hand ` +
        "(put a new value and change the credential where it is used), or configure rotation (a rotation Lambda or managed rotation) first",
      { context: { secret } },
    );
  }
}

/** A rotation of the secret is already in progress (AWSPENDING is on a version other than AWSCURRENT). */
export class RotationInProgressError extends EscalationError {
  override name = "RotationInProgressError";
  constructor(secret: string, pendingVersion: string) {
    super(
      `secret ${show(secret)} has a rotation in progress (AWSPENDING is on version ${pendingVersion}, not on AWSCURRENT), ` +
        "so a new rotation would fail; a person must finish or fix that rotation (check the rotation Lambda's logs) before rotating again",
      { context: { secret, pendingVersion } },
    );
  }
}
