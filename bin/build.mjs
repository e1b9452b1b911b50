// Bundles the CLI into dist/vigil.mjs (run by `npm ci` through the `prepare` script): the command then
// starts in a fraction of the time tsx needs to load the TypeScript sources one by one.
import { build } from "esbuild";

await build({
  entryPoints: [new URL("../shared/cli/main.ts", import.meta.url).pathname],
  outfile: new URL("../dist/vigil.mjs", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
