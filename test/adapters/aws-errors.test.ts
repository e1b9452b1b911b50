import { NoSuchEntityException, ServiceFailureException } from "@aws-sdk/client-iam";
import { describe, expect, it } from "vitest";
import { awsCallError } from "../../shared/adapters/aws-errors.ts";
import {
  AwsServiceError,
  ConcurrentModificationError,
  EntityAlreadyExistsError,
  LimitExceededError,
  NoSuchEntityError,
  ThrottlingError,
  UnmodifiableEntityError,
} from "../../shared/domain/playbooks/errors.ts";

const named = (name: string, status = 400) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe("awsCallError", () => {
  it("maps the AWS error codes the executor handles to typed errors, keeping operation, code and cause", () => {
    const cases: Array<[string, unknown]> = [
      ["NoSuchEntity", NoSuchEntityError],
      ["ResourceNotFoundException", NoSuchEntityError],
      ["Throttling", ThrottlingError],
      ["ThrottlingException", ThrottlingError],
      ["ConcurrentModification", ConcurrentModificationError],
      ["LimitExceeded", LimitExceededError],
      ["LimitExceededException", LimitExceededError],
      ["UnmodifiableEntity", UnmodifiableEntityError],
      ["EntityAlreadyExists", EntityAlreadyExistsError],
    ];
    for (const [code, kind] of cases) {
      const cause = named(code);
      const mapped = awsCallError("PutRolePolicy", cause);
      expect(mapped, code).toBeInstanceOf(kind as typeof Error);
      expect(mapped).toMatchObject({ operation: "PutRolePolicy", code, cause });
      expect(mapped.message).toBe(`PutRolePolicy failed with ${code}: ${code} happened`);
    }
  });

  it("maps the SDK's own exception classes by their name", () => {
    const gone = new NoSuchEntityException({
      message: "The role with name app cannot be found.",
      $metadata: {},
    });
    expect(awsCallError("GetRole", gone)).toBeInstanceOf(NoSuchEntityError);
    const failure = new ServiceFailureException({ message: "internal", $metadata: {} });
    expect(awsCallError("GetRole", failure)).toBeInstanceOf(AwsServiceError);
  });

  it("treats an HTTP 429 as throttling and anything else as a service error", () => {
    expect(awsCallError("Publish", named("SlowDown", 429))).toBeInstanceOf(ThrottlingError);
    const denied = awsCallError("UpdateAccessKey", named("AccessDenied", 403));
    expect(denied).toBeInstanceOf(AwsServiceError);
    expect(denied).not.toBeInstanceOf(ThrottlingError);
    expect(awsCallError("GetRole", "socket hang up").message).toBe(
      "GetRole failed with UnknownError: socket hang up",
    );
  });
});
