import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BundlingOptions, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { BUNDLED } from "../functions/common/function-config.ts";
import type { ConfigFile } from "../shared/domain/config/schema.ts";
import { asnPackage, writeAmazonRanges } from "./amazon-ranges.ts";

/** The esbuild options of every function bundle that `npm run bench` must measure the same way. */
export type FunctionBundling = Required<
  Pick<BundlingOptions, "format" | "target" | "minify" | "keepNames" | "externalModules" | "mainFields">
>;

/**
 * How every vigil function is bundled: NodejsFunction's `bundling` without the command hooks, shared
 * by the construct and the cold-start benchmark (test/bench/lambda.ts) so the two cannot drift.
 * The AWS SDK is bundled rather than taken from the Lambda runtime: from its ES module build
 * (`module` before `main`) esbuild keeps only what the clients use, and one minified file loads faster
 * than the runtime's CommonJS SDK, which Node resolves, reads and scans for exports file by file
 * (`npm run bench -- --only lambda` measures it); the functions also run the SDK version the tests
 * ran, not whichever one the runtime ships.
 */
export const FUNCTION_BUNDLING: Readonly<FunctionBundling> = {
  format: OutputFormat.ESM,
  target: "node22",
  minify: true,
  keepNames: true,
  externalModules: [],
  mainFields: ["module", "main"],
};

/** Where synth keeps the files it adds to the function bundles; one directory per content. */
const CACHE = join(tmpdir(), "vigil-cdk");

/**
 * A directory holding what each function bundle needs beside its code: the validated config
 * (`vigil.config.json`) and Amazon's address ranges (`amazon-ranges/`). The name is a hash of the
 * content, so two configs never share a directory and the bundling step that copies it stays
 * deterministic; an existing directory is reused.
 */
export function functionDataDir(config: ConfigFile): string {
  const pkg = asnPackage();
  const ranges = join(CACHE, `amazon-ranges-gz-${pkg.version}`);
  writeAmazonRanges(ranges, pkg);
  const json = `${JSON.stringify(config, null, 2)}\n`;
  const hash = createHash("sha256").update(ranges).update("\0").update(json).digest("hex").slice(0, 20);
  const dir = join(CACHE, `function-data-${hash}`);
  if (existsSync(join(dir, BUNDLED.configFile))) return dir;
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  cpSync(ranges, join(staging, BUNDLED.rangesDir), { recursive: true });
  writeFileSync(join(staging, BUNDLED.configFile), json);
  try {
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(dir, BUNDLED.configFile))) throw error;
  }
  return dir;
}
