import { VigilError } from "../errors.ts";

/** Base of the errors about approval requests. */
export class ApprovalError extends VigilError {
  override name = "ApprovalError";
}

/** A vote without a reason or a name, or with another required field missing. */
export class ApprovalInputError extends ApprovalError {
  override name = "ApprovalInputError";
}

/** No request with that id in the store. */
export class ApprovalNotFoundError extends ApprovalError {
  override name = "ApprovalNotFoundError";
}

/** The request was already approved or denied: the message names who decided and when. */
export class AlreadyDecidedError extends ApprovalError {
  override name = "AlreadyDecidedError";
}

/** The request expired before the vote: nothing was executed. */
export class ApprovalExpiredError extends ApprovalError {
  override name = "ApprovalExpiredError";
}

/** The voter is not among the request's approvers, or already approved it (two-person rule). */
export class NotAllowedToDecideError extends ApprovalError {
  override name = "NotAllowedToDecideError";
}

/** A break-glass exception covers the request's subject: nothing may execute while it is in force. */
export class SuppressedByExceptionError extends ApprovalError {
  override name = "SuppressedByExceptionError";
}
