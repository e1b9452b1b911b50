import { VigilError } from "../errors.ts";

/** Base of the errors about break-glass exceptions and quarantine lifts. */
export class ExceptionError extends VigilError {
  override name = "ExceptionError";
}

/** A grant, revocation or lift was asked for with a missing or invalid field; the message names it and the fix. */
export class ExceptionInputError extends ExceptionError {
  override name = "ExceptionInputError";
}

/** A duration longer than `exceptions.maxHours` allows. */
export class DurationTooLongError extends ExceptionError {
  override name = "DurationTooLongError";
}

/** No exception with that id in the store. */
export class ExceptionNotFoundError extends ExceptionError {
  override name = "ExceptionNotFoundError";
}

/** The exception already ended (expired or revoked): it cannot be revoked again. */
export class ExceptionEndedError extends ExceptionError {
  override name = "ExceptionEndedError";
}

/** There is no applied quarantine to lift, or it is already lifted. */
export class LiftError extends ExceptionError {
  override name = "LiftError";
}
