import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AsnDataError, AwsNetworkClassifier } from "../../shared/adapters/aws-network-classifier.ts";

// Built once: the Amazon ranges load on the first public lookup and are shared by the tests below.
const network = new AwsNetworkClassifier();

describe("AwsNetworkClassifier", () => {
  it("classifies well-known Amazon IPv4 addresses (AS16509 and AS14618) as aws", () => {
    expect(network.classify("52.94.76.1")).toBe("aws"); // AS16509
    expect(network.classify("3.5.140.2")).toBe("aws"); // AS16509, S3
    expect(network.classify("54.239.28.85")).toBe("aws"); // AS16509
    expect(network.classify("3.80.0.1")).toBe("aws"); // AS14618, us-east-1 EC2
    expect(network.classify("44.192.0.1")).toBe("aws"); // AS14618
    // both ends of one AS14618 row: 3.80.0.0 - 3.95.255.255
    expect(network.classify("3.80.0.0")).toBe("aws");
    expect(network.classify("3.95.255.255")).toBe("aws");
  });

  it("classifies other public addresses as public", () => {
    expect(network.classify("8.8.8.8")).toBe("public");
    expect(network.classify("1.1.1.1")).toBe("public");
    expect(network.classify("9.255.255.255")).toBe("public");
    expect(network.classify("2001:4860:4860::8888")).toBe("public");
  });

  it("classifies Amazon IPv6 addresses as aws", () => {
    expect(network.classify("2600:1f18::1")).toBe("aws");
    expect(network.classify("2600:1f10:4000::1")).toBe("aws"); // AS14618
    expect(network.classify("2a05:d018::1")).toBe("aws");
    expect(network.classify("2600:1F18:0:0:0:0:0:1")).toBe("aws"); // upper case, no "::"
  });

  it("maps IPv4-mapped IPv6 addresses to IPv4", () => {
    expect(network.classify("::ffff:52.94.76.1")).toBe("aws");
    expect(network.classify("::FFFF:3.80.0.1")).toBe("aws");
    expect(network.classify("::ffff:8.8.8.8")).toBe("public");
    expect(network.classify("::ffff:10.0.0.1")).toBe("private");
    expect(network.classify("::ffff:192.0.2.1")).toBe("public");
  });

  it.each([
    "192.0.2.10",
    "198.51.100.7",
    "203.0.113.10",
    "2001:db8::1",
    "2001:0db8:0000:0000:0000:0000:0000:0001",
  ])("classifies documentation address %s as public (never AWS; it stands for an internet address)", (ip) => {
    expect(network.classify(ip)).toBe("public");
  });

  it.each([
    ["0.0.0.0", "this network"],
    ["0.255.255.255", "this network"],
    ["10.0.0.0", "RFC 1918"],
    ["10.255.255.255", "RFC 1918"],
    ["172.16.0.1", "RFC 1918"],
    ["172.31.255.255", "RFC 1918"],
    ["192.168.1.20", "RFC 1918"],
    ["127.0.0.1", "loopback"],
    ["169.254.169.254", "link-local (instance metadata)"],
    ["100.64.0.1", "CGNAT"],
    ["100.127.255.255", "CGNAT"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    ["224.0.0.251", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
    ["::1", "IPv6 loopback"],
    ["::", "IPv6 unspecified"],
    ["fc00::1", "IPv6 unique local"],
    ["fd12:3456:789a::1", "IPv6 unique local"],
    ["fe80::1", "IPv6 link-local"],
    ["febf::1", "IPv6 link-local"],
    ["ff02::1", "IPv6 multicast"],
  ])("classifies %s (%s) as private", (ip) => {
    expect(network.classify(ip)).toBe("private");
  });

  it.each([
    "172.15.255.255",
    "172.32.0.0",
    "100.128.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "192.169.0.1",
    "fbff::1",
    "fec0::1",
    "2001:db9::1",
  ])("does not treat %s, just outside a reserved range, as private", (ip) => {
    expect(network.classify(ip)).not.toBe("private");
  });

  it.each([
    "",
    "AWS Internal",
    "ec2.amazonaws.com",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.4 ",
    "1..2.3",
    "::ffff:1.2.3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    ":::1",
    "1::2::3",
    "12345::1",
    "g::1",
    "fe80::1%eth0",
    "2001:db8::1:",
    ":1::",
  ])("returns undefined for %j, which is not an address", (text) => {
    expect(network.classify(text)).toBeUndefined();
  });

  it("loads only Amazon's ranges, lazily and quickly, and looks up fast", () => {
    const fresh = new AwsNetworkClassifier();
    expect(fresh.classify("10.0.0.1")).toBe("private");
    expect(fresh.stats).toBeUndefined(); // private addresses need no data
    expect(fresh.classify("52.94.76.1")).toBe("aws");
    const stats = fresh.stats;
    expect(stats?.ipv4Ranges).toBeGreaterThan(1_000);
    expect(stats?.ipv6Ranges).toBeGreaterThan(100);
    expect(stats?.loadMs).toBeLessThan(2_000);

    const addresses = Array.from(
      { length: 1_000 },
      (_, i) => `${(i % 223) + 1}.${i % 256}.${(i * 7) % 256}.1`,
    );
    const started = performance.now();
    for (let round = 0; round < 100; round++) for (const ip of addresses) fresh.classify(ip);
    expect(performance.now() - started).toBeLessThan(1_000); // 100k lookups: at least 100k/s even on a slow CI
  });

  it("throws at construction, naming the package and the fix, when the data files are missing", () => {
    const empty = mkdtempSync(join(tmpdir(), "vigil-asn-"));
    expect(() => new AwsNetworkClassifier({ packageDir: empty })).toThrow(AsnDataError);
    expect(() => new AwsNetworkClassifier({ packageDir: empty })).toThrow(
      `cannot load Amazon address ranges from the npm package @ip-location-db/asn: ${join(empty, "asn-ipv4-num.csv")} ` +
        "is missing (and no asn-ipv4-num.csv.gz beside it); run `npm ci` (or `npm install @ip-location-db/asn`) in the vigil directory",
    );
  });

  it("throws a clear error on first public lookup when the data holds no Amazon rows", () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-asn-"));
    writeFileSync(join(dir, "asn-ipv4-num.csv"), '16777216,16777471,13335,"Cloudflare, Inc."\n');
    writeFileSync(join(dir, "asn-ipv6-num.csv"), "");
    const broken = new AwsNetworkClassifier({ packageDir: dir });
    expect(broken.classify("192.168.0.1")).toBe("private");
    expect(() => broken.classify("8.8.8.8")).toThrow(/no AS16509\/AS14618 rows in .*; run `npm ci`/);
  });

  it("reads the ASN column, not a number that happens to appear elsewhere in a row", () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-asn-"));
    writeFileSync(
      join(dir, "asn-ipv4-num.csv"),
      [
        "16777216,16777471,13335,Example AS,16509,Networks", // 1.0.0.0/24: not Amazon
        '16777472,16777727,16509,"Amazon.com, Inc."', // 1.0.1.0/24
        '16777728,16777983,14618,"Amazon.com, Inc."', // 1.0.2.0/24, touches the row above
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(dir, "asn-ipv6-num.csv"),
      '55857756048456700347550730041688064000,55857756127684862861815067635232014335,16509,"Amazon.com, Inc."\n', // 2a05:d000::/32
    );
    const small = new AwsNetworkClassifier({ packageDir: dir });
    expect(small.classify("1.0.0.1")).toBe("public");
    expect(small.classify("1.0.1.1")).toBe("aws");
    expect(small.classify("1.0.2.255")).toBe("aws");
    expect(small.classify("1.0.3.0")).toBe("public");
    expect(small.stats?.ipv4Ranges).toBe(1); // the two touching rows were merged
    expect(small.classify("2a05:d000::1")).toBe("aws");
    expect(small.classify("2a05:d000:ffff:ffff:ffff:ffff:ffff:ffff")).toBe("aws");
    expect(small.classify("2a05:d001::")).toBe("public");
    expect(small.classify("2a05:cfff:ffff:ffff:ffff:ffff:ffff:ffff")).toBe("public");
  });
});
