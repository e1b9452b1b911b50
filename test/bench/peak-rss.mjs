// Preloaded with `node --import` by the benchmark: when the process exits, records its peak resident
// set size (process.resourceUsage().maxRSS, in kilobytes) in the file named by VIGIL_PEAK_RSS_FILE,
// or on stderr when that variable is not set.
import { writeFileSync, writeSync } from "node:fs";

process.on("exit", () => {
  const kilobytes = process.resourceUsage().maxRSS;
  const target = process.env.VIGIL_PEAK_RSS_FILE;
  if (target) writeFileSync(target, `${kilobytes}\n`);
  else writeSync(2, `peak-rss-kb ${kilobytes}\n`);
});
