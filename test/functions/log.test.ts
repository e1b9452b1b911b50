import { Logger } from "@aws-lambda-powertools/logger";
import { afterEach, describe, expect, it, vi } from "vitest";
import { maskAccessKeyIds, powertoolsLog } from "../../functions/common/log.ts";

describe("maskAccessKeyIds", () => {
  it("keeps the first 4 characters of every access key id, however deep", () => {
    expect(
      maskAccessKeyIds({
        credential: { id: "AKIAIOSFODNN7EXAMPLE" },
        reasons: ["session ASIAEXAMPLESESSION01 of role x used key AKIAIOSFODNN7EXAMPLE"],
        score: 70,
      }),
    ).toEqual({
      credential: { id: "AKIA****************" },
      reasons: ["session ASIA**************** of role x used key AKIA****************"],
      score: 70,
    });
  });

  it("leaves other text alone, including ids that only look close", () => {
    expect(maskAccessKeyIds("AKIA12 and AIDAEXAMPLEUSER00001 and arn:aws:iam::111122223333:user/x")).toBe(
      "AKIA12 and AIDAEXAMPLEUSER00001 and arn:aws:iam::111122223333:user/x",
    );
  });
});

describe("powertoolsLog", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes one JSON line per entry with the key ids masked", () => {
    const written: string[] = [];
    const logger = new Logger({ serviceName: "vigil-test" });
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    powertoolsLog(logger).info("finding", { finding: { credential: { id: "AKIAIOSFODNN7EXAMPLE" } } });
    const line = JSON.parse(written.join("")) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "INFO",
      message: "finding",
      service: "vigil-test",
      finding: { credential: { id: "AKIA****************" } },
    });
    expect(written.join("")).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });
});
