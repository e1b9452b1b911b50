import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  ArchiveInconsistentError,
  archiveState,
  exportKey,
  parseExportKey,
} from "../../functions/export/archive-keys.ts";
import { BUCKET_ENV, loadExportSettings } from "../../functions/export/config.ts";
import {
  createExportHandler,
  EXPORT_FORMAT,
  ExportRefusedError,
} from "../../functions/export/export-handler.ts";
import { sealRecord } from "../../shared/domain/ledger/chain.ts";
import type { LedgerRecord } from "../../shared/domain/ledger/record.ts";
import type { ArchiveObject } from "../../shared/ports/record-archive.ts";
import { ArrayLedger, entry, fixture, MemoryArchive } from "./export-support.ts";
import { capturingLog, type LogLine } from "./support.ts";

const NOW = Date.parse("2026-03-10T02:00:05Z");
const scheduled = fixture("scheduler-invocation.json");

function setup(options: { ledger?: ArrayLedger; archive?: MemoryArchive; now?: number } = {}) {
  const ledger = options.ledger ?? new ArrayLedger();
  const archive = options.archive ?? new MemoryArchive();
  const lines: LogLine[] = [];
  let now = options.now ?? NOW;
  const handler = createExportHandler({
    ledger,
    archive,
    clock: { now: () => now },
    log: capturingLog(lines),
    archiveName: "s3://vigil-records",
  });
  return { ledger, archive, lines, handler, setNow: (at: number) => (now = at) };
}

/** Every exported line's sequence number, in key order of the exports. */
function exportedSeqs(archive: MemoryArchive): number[] {
  return [...archive.objects.keys()]
    .sort((a, b) => (parseExportKey(a)?.firstSeq ?? 0) - (parseExportKey(b)?.firstSeq ?? 0))
    .flatMap((key) => archive.lines(key).map((l) => l.seq as number));
}

describe("export handler", () => {
  it("writes the records as one JSON Lines object named by day and range, with checksum and chain verdict", async () => {
    const { ledger, archive, handler, lines } = setup();
    await ledger.fill(3);
    const result = await handler(scheduled);
    expect(result).toMatchObject({
      status: "exported",
      key: "records/2026/03/10/1-3.jsonl",
      firstSeq: 1,
      lastSeq: 3,
      records: 3,
    });
    const stored = archive.objects.get("records/2026/03/10/1-3.jsonl")!;
    expect(archive.lines(stored.key)).toEqual(ledger.items);
    expect(stored.sha256).toBe(createHash("sha256").update(stored.body).digest("hex"));
    expect(stored.contentType).toBe("application/x-ndjson");
    const last = ledger.items[2] as LedgerRecord;
    expect(stored.metadata).toEqual({
      "vigil-format": EXPORT_FORMAT,
      "vigil-first-seq": "1",
      "vigil-last-seq": "3",
      "vigil-records": "3",
      "vigil-prev-hash": "0".repeat(64),
      "vigil-last-hash": last.hash,
      "vigil-sha256": stored.sha256,
      "vigil-chain": "intact",
      "vigil-chain-records": "3",
      "vigil-chain-head": last.hash,
      "vigil-exported-at": "2026-03-10T02:00:05.000Z",
    });
    expect(lines.find((l) => l.message === "records exported")?.attributes).toMatchObject({
      trigger: '"2026-03-10T02:00:00Z"',
      key: "records/2026/03/10/1-3.jsonl",
      records: 3,
    });
  });

  it("continues after the last exported record, so consecutive exports hold every record exactly once", async () => {
    const { ledger, archive, handler, setNow } = setup();
    await ledger.fill(3);
    await handler(scheduled);
    expect(await handler(fixture("eventbridge-scheduled-event.json"))).toMatchObject({
      status: "up-to-date",
      lastSeq: 3,
    });
    await ledger.fill(2);
    setNow(NOW + 86_400_000);
    const second = await handler(scheduled);
    expect(second).toMatchObject({ status: "exported", key: "records/2026/03/11/4-5.jsonl" });
    expect(archive.objects.get("records/2026/03/11/4-5.jsonl")?.metadata["vigil-prev-hash"]).toBe(
      (ledger.items[2] as LedgerRecord).hash,
    );
    expect(exportedSeqs(archive)).toEqual([1, 2, 3, 4, 5]);
  });

  it("writes nothing when there is nothing to export, also on an empty ledger", async () => {
    const { archive, handler } = setup();
    expect(await handler({})).toEqual({
      status: "up-to-date",
      lastSeq: 0,
      chain: { records: 0, head: "0".repeat(64) },
    });
    expect(archive.puts).toBe(0);
  });

  it("a retry after a crash that followed the write neither repeats nor skips records", async () => {
    const archive = new MemoryArchive();
    const original = archive.putOnce.bind(archive);
    let crash = true;
    archive.putOnce = async (object: ArchiveObject) => {
      const done = await original(object);
      if (crash) {
        crash = false;
        throw new Error("Task timed out after 60.00 seconds");
      }
      return done;
    };
    const { ledger, handler } = setup({ archive });
    await ledger.fill(3);
    await expect(handler(scheduled)).rejects.toThrow(/timed out/);
    await ledger.fill(1);
    expect(await handler(scheduled)).toMatchObject({ status: "exported", firstSeq: 4, lastSeq: 4 });
    expect(exportedSeqs(archive)).toEqual([1, 2, 3, 4]);
  });

  it("a retry after a write that failed exports the same records again", async () => {
    const archive = new MemoryArchive();
    const original = archive.putOnce.bind(archive);
    archive.putOnce = async () => {
      throw new Error("S3 PutObject failed (InternalError)");
    };
    const { ledger, handler } = setup({ archive });
    await ledger.fill(2);
    await expect(handler(scheduled)).rejects.toThrow(/InternalError/);
    archive.putOnce = original;
    expect(await handler(scheduled)).toMatchObject({ status: "exported", firstSeq: 1, lastSeq: 2 });
    expect(exportedSeqs(archive)).toEqual([1, 2]);
  });

  it("reports an export another run already wrote under the same key", async () => {
    const archive = new MemoryArchive();
    const { ledger, handler } = setup({ archive });
    await ledger.fill(2);
    archive.list = async () => [];
    await handler(scheduled);
    expect(await handler(scheduled)).toMatchObject({ status: "already-exported", firstSeq: 1, lastSeq: 2 });
    expect(archive.objects.size).toBe(1);
  });

  it("refuses to export, writing nothing, when a stored record was edited", async () => {
    const { ledger, archive, handler, lines } = setup();
    await ledger.fill(3);
    ledger.items[1] = { ...(ledger.items[1] as LedgerRecord), reason: "nothing happened" };
    const failure = handler(scheduled);
    await expect(failure).rejects.toBeInstanceOf(ExportRefusedError);
    await expect(failure).rejects.toThrow(
      /chain does not verify \(edited\): record 2 at position 2 was edited/,
    );
    expect(archive.puts).toBe(0);
    expect(lines.find((l) => l.level === "error")?.message).toBe(
      "ledger chain does not verify: nothing exported",
    );
  });

  it("refuses when a record was deleted from the ledger", async () => {
    const { ledger, archive, handler } = setup();
    await ledger.fill(4);
    ledger.items.splice(1, 1);
    await expect(handler(scheduled)).rejects.toThrow(/\(deleted\): record 2 is missing/);
    expect(archive.puts).toBe(0);
  });

  it("refuses when the ledger was rewritten and re-hashed after its records were exported", async () => {
    const { ledger, archive, handler } = setup();
    await ledger.fill(3);
    await handler(scheduled);
    // Re-seal the whole chain with record 2 changed: it verifies, but record 3 no longer has the exported hash.
    const forged: LedgerRecord[] = [];
    for (let n = 1; n <= 4; n++) {
      const e = n === 2 ? { ...entry(2), reason: "nothing happened" } : entry(n);
      forged.push(sealRecord(e, forged.at(-1)));
    }
    ledger.items.splice(0, ledger.items.length, ...forged);
    await expect(handler(scheduled)).rejects.toThrow(
      /record 3 was exported with hash .* but the ledger now holds hash .*: the ledger was rewritten/,
    );
    expect(archive.objects.size).toBe(1);
  });

  it("refuses when the ledger holds fewer records than were exported", async () => {
    const { ledger, archive, handler } = setup();
    await ledger.fill(3);
    await handler(scheduled);
    ledger.items.splice(2);
    await expect(handler(scheduled)).rejects.toThrow(
      /the ledger holds 2 records but records up to 3 were already exported/,
    );
    expect(archive.objects.size).toBe(1);
  });

  it("refuses when the last export carries no vigil metadata", async () => {
    const { ledger, archive, handler } = setup();
    await ledger.fill(2);
    archive.objects.set("records/2026/03/09/1-1.jsonl", {
      key: "records/2026/03/09/1-1.jsonl",
      body: "{}\n",
      contentType: "text/plain",
      sha256: "",
      metadata: {},
      versionId: "x",
    });
    await expect(handler(scheduled)).rejects.toThrow(/has no vigil-last-hash metadata/);
    expect(archive.objects.size).toBe(1);
  });

  it("leaves objects that are not exports alone and says so", async () => {
    const { ledger, archive, handler, lines } = setup();
    await ledger.fill(1);
    await archive.putOnce({
      key: "records/README.txt",
      body: "compliance exports",
      contentType: "text/plain",
      sha256: "",
      metadata: {},
    });
    expect(await handler(scheduled)).toMatchObject({ status: "exported", firstSeq: 1, lastSeq: 1 });
    expect(lines.find((l) => l.level === "warn")?.attributes).toEqual({ keys: ["records/README.txt"] });
  });
});

describe("archiveState", () => {
  const object = (key: string) => ({ key, versionId: undefined });

  it("reads the cursor from the highest range and accepts ranges that tile from the oldest kept", () => {
    const state = archiveState([
      object("records/2026/03/11/11-20.jsonl"),
      object("records/2026/03/10/5-10.jsonl"),
    ]);
    expect(state.cursor).toBe(20);
    expect(state.last?.object.key).toBe("records/2026/03/11/11-20.jsonl");
    expect(archiveState([]).cursor).toBe(0);
  });

  it("refuses a gap between two exports", () => {
    expect(() =>
      archiveState([object("records/2026/03/10/1-3.jsonl"), object("records/2026/03/11/5-6.jsonl")]),
    ).toThrow(ArchiveInconsistentError);
    expect(() =>
      archiveState([object("records/2026/03/10/1-3.jsonl"), object("records/2026/03/11/5-6.jsonl")]),
    ).toThrow(/records 4 to 4 were never exported/);
  });

  it("refuses two exports that overlap", () => {
    expect(() =>
      archiveState([object("records/2026/03/10/1-3.jsonl"), object("records/2026/03/10/3-4.jsonl")]),
    ).toThrow(/records 3 to 3 were exported twice/);
  });
});

describe("export keys", () => {
  it("names the UTC day and the range", () => {
    expect(exportKey(Date.parse("2026-12-31T23:59:59Z"), 7, 42)).toBe("records/2026/12/31/7-42.jsonl");
    expect(parseExportKey("records/2026/12/31/7-42.jsonl")).toEqual({ firstSeq: 7, lastSeq: 42 });
  });

  it("does not take other keys for exports", () => {
    for (const key of [
      "records/2026/12/31/7-42.json",
      "records/2026/12/31/42-7.jsonl",
      "records/2026/12/31/0-7.jsonl",
      "other/2026/12/31/1-2.jsonl",
      "records/2026/12/1-2.jsonl",
    ]) {
      expect(parseExportKey(key)).toBeUndefined();
    }
  });
});

describe("export settings", () => {
  it("reads the table and the bucket", () => {
    expect(loadExportSettings({ VIGIL_TABLE_NAME: "vigil-state", [BUCKET_ENV]: "vigil-records-1" })).toEqual({
      tableName: "vigil-state",
      bucket: "vigil-records-1",
    });
  });

  it("refuses to start without the bucket, or with a name that is not a bucket's", () => {
    expect(() => loadExportSettings({ VIGIL_TABLE_NAME: "vigil-state" })).toThrow(
      /VIGIL_RECORDS_BUCKET is not set; it names the records bucket/,
    );
    expect(() =>
      loadExportSettings({ VIGIL_TABLE_NAME: "vigil-state", [BUCKET_ENV]: "Records_Bucket" }),
    ).toThrow(/VIGIL_RECORDS_BUCKET "Records_Bucket" is not an S3 bucket name/);
    expect(() => loadExportSettings({ [BUCKET_ENV]: "vigil-records" })).toThrow(
      /VIGIL_TABLE_NAME is not set/,
    );
  });
});
