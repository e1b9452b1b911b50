import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { amazonRangesCsv, RANGE_FILES, writeAmazonRanges } from "../../infra/amazon-ranges.ts";
import { AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";

describe("amazonRangesCsv", () => {
  it("keeps only AS16509 and AS14618 rows, merging ranges that touch or overlap", () => {
    const csv = [
      '16777216,16777471,13335,"Cloudflare, Inc."',
      "50000000,50000099,16509,Amazon.com",
      "50000100,50000199,14618,Amazon.com",
      "50000150,50000300,16509,Amazon.com",
      "50000400,50000499,16509,Amazon.com",
      "60000000,60000099,165090,Not Amazon",
      "",
    ].join("\n");
    expect(amazonRangesCsv(csv)).toBe("50000000,50000300,16509,\n50000400,50000499,16509,\n");
  });

  it("reads IPv6 rows beyond 2^53 exactly", () => {
    const start = (0x2600n << 112n) + 1n;
    expect(amazonRangesCsv(`${start},${start + 255n},16509,Amazon\n`)).toBe(
      `${start},${start + 255n},16509,\n`,
    );
  });
});

describe("writeAmazonRanges", () => {
  let dir: string;
  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), "vigil-ranges-test-")), "ranges");
    writeAmazonRanges(dir);
  });
  afterAll(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

  it("writes small gzipped files (with the attribution) that classify like the whole package", () => {
    const size = readdirSync(dir).reduce((total, file) => total + readFileSync(join(dir, file)).length, 0);
    expect(size).toBeLessThan(100_000);
    expect(readdirSync(dir)).toEqual(
      expect.arrayContaining([`${RANGE_FILES.v4}.gz`, `${RANGE_FILES.v6}.gz`, "DBIP-LICENSE"]),
    );
    const small = new AwsNetworkClassifier({ packageDir: dir });
    const full = new AwsNetworkClassifier();
    for (const ip of [
      "52.94.76.1",
      "3.120.181.40",
      "54.239.28.85",
      "8.8.8.8",
      "203.0.113.10",
      "2600:1f18::1",
    ]) {
      expect(small.classify(ip), ip).toBe(full.classify(ip));
    }
    expect(small.classify("52.94.76.1")).toBe("aws");
  });
});
