import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { AMAZON_ASNS, ASN_PACKAGE } from "../shared/adapters/aws-network-classifier.ts";
import { VigilError } from "../shared/domain/errors.ts";

/**
 * Amazon's address ranges for the Lambda functions, cut at synth time out of the 63 MB
 * `@ip-location-db/asn` package: only the AS16509/AS14618 rows, adjacent ranges merged, in the package's
 * own `start,end,asn,` layout, gzipped, so that {@link AwsNetworkClassifier} reads the small files
 * as it reads the package (`new AwsNetworkClassifier({ packageDir })`). The data is CC BY 4.0 (RouteViews, NRO, DB-IP): the
 * license files travel with it.
 */

/** The file names the classifier reads, and the attribution files copied beside them. */
export const RANGE_FILES = { v4: "asn-ipv4-num.csv", v6: "asn-ipv6-num.csv" } as const;
const ATTRIBUTION_FILES = ["DBIP-LICENSE", "NRO_LICENSE", "ROUTEVIEWS-LICENSE", "MODIFICATIONS"] as const;

/** The Amazon ranges could not be produced. */
export class AmazonRangesError extends VigilError {
  override name = "AmazonRangesError";
}

/**
 * Keeps the rows of an `asn-*-num.csv` file whose ASN is Amazon's and merges ranges that touch, as
 * `start,end,asn,` lines (decimal numbers, sorted). `csv` is the whole file.
 */
export function amazonRangesCsv(csv: string): string {
  const rows: Array<[bigint, bigint, string]> = [];
  const asns = new Set(AMAZON_ASNS.map(String));
  for (const line of csv.split("\n")) {
    const first = line.indexOf(",");
    const second = line.indexOf(",", first + 1);
    const third = line.indexOf(",", second + 1);
    if (first < 0 || second < 0) continue;
    const asn = line.slice(second + 1, third < 0 ? undefined : third);
    if (!asns.has(asn)) continue;
    rows.push([BigInt(line.slice(0, first)), BigInt(line.slice(first + 1, second)), asn]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: Array<[bigint, bigint, string]> = [];
  for (const row of rows) {
    const last = merged.at(-1);
    if (last !== undefined && row[0] <= last[1] + 1n) {
      if (row[1] > last[1]) last[1] = row[1];
    } else {
      merged.push([...row]);
    }
  }
  return merged.map(([start, end, asn]) => `${start},${end},${asn},\n`).join("");
}

/** The installed `@ip-location-db/asn` directory and version. */
export function asnPackage(): { readonly dir: string; readonly version: string } {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve(`${ASN_PACKAGE}/package.json`);
  } catch (error) {
    throw new AmazonRangesError(
      `cannot find the npm package ${ASN_PACKAGE} to cut Amazon's address ranges from; run \`npm ci\` in the vigil directory`,
      { cause: error },
    );
  }
  const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
  return { dir: dirname(manifest), version };
}

/**
 * Writes the Amazon range files (and the attribution files) into `target`, once per package version:
 * an existing complete directory is reused. Written to a temporary directory and renamed, so a
 * concurrent synth never sees half a file.
 */
export function writeAmazonRanges(target: string, pkg = asnPackage()): void {
  if (existsSync(join(target, `${RANGE_FILES.v6}.gz`))) return;
  const staging = `${target}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const file of Object.values(RANGE_FILES)) {
    const csv = readFileSync(join(pkg.dir, file), "latin1");
    const ranges = amazonRangesCsv(csv);
    if (ranges === "") {
      throw new AmazonRangesError(
        `${join(pkg.dir, file)} has no AS${AMAZON_ASNS.join("/AS")} rows; reinstall ${ASN_PACKAGE} (npm ci)`,
      );
    }
    // Gzipped: a third of the size in every function bundle; the classifier reads either form.
    writeFileSync(join(staging, `${file}.gz`), gzipSync(ranges, { level: 9 }));
  }
  for (const file of ATTRIBUTION_FILES) {
    const from = join(pkg.dir, file);
    if (existsSync(from)) copyFileSync(from, join(staging, file));
  }
  writeFileSync(
    join(staging, "README"),
    `Amazon (AS${AMAZON_ASNS.join(", AS")}) rows of ${ASN_PACKAGE}@${pkg.version}, adjacent ranges merged.\n` +
      "IP-to-ASN data by RouteViews (routeviews.org), the RIRs via NRO (nro.net) and DB-IP (db-ip.com), CC BY 4.0.\n",
  );
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another process finished first: its files are the same.
    if (!existsSync(join(target, `${RANGE_FILES.v6}.gz`))) throw error;
  }
}
