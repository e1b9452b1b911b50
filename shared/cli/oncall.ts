import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { createSnsClient, SnsNotifier } from "../adapters/aws-sns-notifier.ts";
import { StoreError } from "../adapters/sqlite-store.ts";
import type { Notifier } from "../ports/notifier.ts";
import { printNotifier } from "./apply.ts";
import { type CliIo, type OptionValues, stringOption } from "./command.ts";
import { storePath } from "./run-context.ts";
import { UsageError } from "./usage.ts";

/** Wiring shared by `vigil approvals` and `vigil exceptions`: ids, the store, options, notifications. */

/** A new id with a readable prefix: `apr-3f9c0a1b2c4d`, `exc-…`. */
export function newIdOf(prefix: "apr" | "exc"): () => string {
  return () => `${prefix}-${randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** The store path; refuses a store that does not exist yet (nothing to decide or grant against). */
export function existingStore(values: OptionValues, io: CliIo): string {
  const path = storePath(values, io);
  if (!existsSync(path)) {
    throw new StoreError(
      `no store at ${path}; run 'vigil replay FILE --store ${path}' first, or give the store it wrote with --store PATH`,
      { context: { path } },
    );
  }
  return path;
}

/** A required option, or a UsageError saying what to give. */
export function requiredOption(values: OptionValues, name: string, command: string, hint: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value.trim() === "") {
    throw new UsageError(`${command} needs --${name} ${hint}`);
  }
  return value;
}

/** Exactly one positional id, or a UsageError with an example. */
export function oneId(positionals: readonly string[], command: string, example: string): string {
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0) {
    throw new UsageError(`${command} needs exactly one id, e.g. vigil ${command} ${example}`);
  }
  return id;
}

/** `--hours N`: a positive number (fractions allowed); the maximum is the domain's to check. */
export function hoursOption(values: OptionValues, command: string): number {
  const text = requiredOption(
    values,
    "hours",
    command,
    "N: how long it lasts, e.g. --hours 2 or --hours 0.5",
  );
  const hours = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || hours <= 0) {
    throw new UsageError(`--hours ${JSON.stringify(text)} must be a positive number of hours, e.g. 2 or 0.5`);
  }
  return hours;
}

/** A comma-separated list option (`--playbooks a,b`), or undefined. */
export function listOption(values: OptionValues, name: string): string[] | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Refuses options a subcommand does not take, naming the ones it does. */
export function checkOptions(values: OptionValues, allowed: readonly string[], command: string): void {
  const stray = Object.keys(values).filter((k) => values[k] !== undefined && !allowed.includes(k));
  if (stray.length > 0) {
    throw new UsageError(
      `${command} does not take ${stray.map((k) => `--${k}`).join(", ")}; its options are ${allowed.map((k) => `--${k}`).join(", ")}`,
    );
  }
}

/** Notifications: to the SNS topic of --notify-topic, else printed to standard error. */
export function notifierOf(values: OptionValues, io: CliIo): Notifier {
  const topic = stringOption(values, "notify-topic");
  if (topic !== undefined) {
    const client = createSnsClient({
      region: stringOption(values, "region") ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION,
      endpoint: stringOption(values, "endpoint"),
    });
    return new SnsNotifier(client, topic);
  }
  return printNotifier(io);
}

/** An instant as listings show it. */
export function iso(at: number): string {
  return new Date(at).toISOString();
}

/**
 * Prints what a `list` command shows: under `--json` one JSON array, each item with its `statusNow`;
 * else one line per item and a count ("2 pending requests", "1 exception").
 */
export function printListing<T extends object>(
  io: CliIo,
  json: boolean,
  items: readonly T[],
  show: {
    readonly statusNow: (item: T) => string;
    readonly line: (item: T) => string;
    readonly noun: string;
  },
): void {
  if (json) {
    io.stdout.write(
      `${JSON.stringify(
        items.map((item) => ({ ...item, statusNow: show.statusNow(item) })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  for (const item of items) io.stdout.write(`${show.line(item)}\n`);
  io.stdout.write(`${items.length} ${show.noun}${items.length === 1 ? "" : "s"}\n`);
}
