import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { Exposure } from "../domain/finding.ts";
import { canonicalJson } from "../domain/ledger/canonical-json.ts";
import type { StoredExposures } from "../ports/stored-exposures.ts";
import { parseItemBody } from "./dynamodb-items.ts";
import { type DynamoTable, isAwsError, keys, scanItems } from "./dynamodb-table.ts";
import { StoredExposureSchema } from "./stored-exposure-schema.ts";

/** What the adapter calls on the table. */
export const DYNAMO_EXPOSURE_ACTIONS = ["dynamodb:PutItem", "dynamodb:Scan"] as const;

type Item = Record<string, unknown>;

/** Where an exposure read from the table is stored, and the version it was read at. */
interface Origin {
  readonly pk: string;
  readonly sk: string;
  readonly ver: number;
}

/** The partition-key prefix of exposure items (`X#<exposure key>`, written by DynamoEventStateStore). */
const EXPOSURE_PREFIX = keys.exposure("").pk;
/** How a suppressed exposure's JSON body spells its decision (JSON.stringify writes no spaces). */
const SUPPRESSED_TEXT = `"decision":"suppressed-by-exception"`;

/**
 * StoredExposures over the exposure items the evaluate and ingest functions write through
 * DynamoEventStateStore (`X#<exposure key>`, `v` = the exposure's JSON, `ver` = its version, raised
 * on every write). Those items carry no attribute to index a decision on, so `suppressed` is a
 * strongly consistent, paginated Scan filtered to exposure items whose body holds the suppressed
 * decision (read units are billed for the whole table; it runs once per ended exception). `replace`
 * puts the new exposure only while `ver` is still the one read — the same condition the evaluate
 * path writes under, so whichever writes second sees the other's write: a newer evaluation wins over
 * a re-decision, and a re-decision makes a stale evaluation re-read. An exposure not read through
 * this instance's `suppressed` is first found by a Scan comparing canonical JSON (a secret's item is
 * keyed by its profile id, which the exposure does not carry). IAM: {@link DYNAMO_EXPOSURE_ACTIONS}.
 */
export class DynamoStoredExposures implements StoredExposures {
  /** Where each exposure this instance returned was read, and at which version. */
  readonly #origins = new WeakMap<Exposure, Origin>();

  constructor(private readonly table: DynamoTable) {}

  async suppressed(): Promise<readonly Exposure[]> {
    const found: Exposure[] = [];
    for await (const item of this.#scan(true)) {
      const exposure = this.#parse(item);
      if (exposure.decision !== "suppressed-by-exception") continue;
      this.#origins.set(exposure, originOf(item));
      found.push(exposure);
    }
    return found.sort(byRank);
  }

  /**
   * Every stored exposure, highest score first (what the console lists against a deployment): one
   * strongly consistent, paginated Scan filtered to exposure items. A Scan reads (and bills) the whole
   * table, which is acceptable for a person opening a page, not for a hot path. The returned exposures
   * can be passed to `replace` like those of `suppressed`.
   */
  async all(): Promise<readonly Exposure[]> {
    const found: Exposure[] = [];
    for await (const item of this.#scan(false)) {
      const exposure = this.#parse(item);
      this.#origins.set(exposure, originOf(item));
      found.push(exposure);
    }
    return found.sort(byRank);
  }

  async replace(previous: Exposure, next: Exposure): Promise<boolean> {
    const origin = this.#origins.get(previous) ?? (await this.#locate(previous));
    if (origin === undefined) return false;
    const { client, tableName, usage } = this.table;
    const item = { pk: origin.pk, sk: origin.sk, v: JSON.stringify(next), ver: origin.ver + 1 };
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: "ver = :ver",
          ExpressionAttributeValues: { ":ver": origin.ver },
        }),
      );
      usage?.write([item], false);
      return true;
    } catch (error) {
      if (!isAwsError(error, "ConditionalCheckFailedException")) throw error;
      usage?.write([item], false);
      return false;
    }
  }

  /** The stored item holding exactly `exposure`, if any. */
  async #locate(exposure: Exposure): Promise<Origin | undefined> {
    const wanted = canonicalJson(exposure);
    for await (const item of this.#scan(false)) {
      if (canonicalJson(this.#parse(item)) === wanted) return originOf(item);
    }
    return undefined;
  }

  /** The exposure items of the table (only those whose body names the suppressed decision, if asked). */
  async *#scan(suppressedOnly: boolean): AsyncGenerator<Item> {
    yield* scanItems(this.table, {
      FilterExpression: suppressedOnly
        ? "begins_with(pk, :prefix) AND contains(v, :suppressed)"
        : "begins_with(pk, :prefix)",
      ExpressionAttributeValues: {
        ":prefix": EXPOSURE_PREFIX,
        ...(suppressedOnly ? { ":suppressed": SUPPRESSED_TEXT } : {}),
      },
    });
  }

  #parse(item: Item): Exposure {
    return parseItemBody(
      StoredExposureSchema,
      item.v,
      `the stored exposure ${String(item.pk)} in ${this.table.tableName}`,
      "evaluate its credential's events again to rebuild it",
    ) as Exposure;
  }
}

/** Highest score first, then by credential id. */
function byRank(a: Exposure, b: Exposure): number {
  return (
    b.score - a.score || (a.credential.id < b.credential.id ? -1 : a.credential.id > b.credential.id ? 1 : 0)
  );
}

function originOf(item: Item): Origin {
  return { pk: String(item.pk), sk: String(item.sk), ver: Number(item.ver) };
}
