import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.ts";
import { roleSessionRecord, userKeyRecord } from "../support/records.ts";
import { replayContract } from "./replay-contract.ts";

const CONFIG = `
profiles:
  - id: ci-deployer
    match: { accessKeys: [AKIAEXAMPLE000000001] }
    sources: ["203.0.113.0/24"]
    windows: [{ days: [mon, tue, wed, thu, fri], from: "07:00", to: "20:00", tz: Europe/Berlin }]
    criticality: high
    privilege: iam-write
    owner: platform-team
    playbook: deactivate-access-key
learning: { days: 0 }
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vigil-cli-"));
  mkdirSync(join(dir, "trail", "2026", "03"), { recursive: true });
  writeFileSync(join(dir, "vigil.yaml"), CONFIG);
  const normal = Array.from({ length: 20 }, (_, i) => userKeyRecord({ eventID: `n${i}` }));
  writeFileSync(join(dir, "trail", "2026", "03", "a.json"), JSON.stringify({ Records: normal }));
  const attack = userKeyRecord({
    eventID: "attack-1",
    eventTime: "2026-03-07T02:14:00Z",
    sourceIPAddress: "198.51.100.23",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "StopLogging",
    requestParameters: { name: "org-trail" },
  });
  const bridge = {
    version: "0",
    id: "eb-1",
    "detail-type": "AWS API Call via CloudTrail",
    source: "aws.cloudtrail",
    detail: attack,
  };
  writeFileSync(join(dir, "trail", "2026", "03", "b.json.gz"), gzipSync(`${JSON.stringify(bridge)}\n`));
  writeFileSync(
    join(dir, "trail", "2026", "03", "c.jsonl"),
    `${JSON.stringify(roleSessionRecord({ eventID: "r1" }))}\n{"eventName": 3,}\nnot json at all\n`,
  );
});

describe("vigil replay --json", () => {
  it("prints one document that validates against the CLI contract", async () => {
    const { code, stdout, stderr } = await runCli(
      ["replay", "trail", "--config", "vigil.yaml", "--json", "--memory"],
      { cwd: dir },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const doc = replayContract.parse(JSON.parse(stdout));
    expect(doc.summary).toEqual({ records: 24, rejected: 2, findings: 1, exposures: 1 });
    expect(doc.exposures[0]).toMatchObject({
      credential: { kind: "access-key", id: "AKIAEXAMPLE000000001" },
      severity: "critical",
      signals: ["logging-tampering", "unexpected-source", "new-source", "outside-window"],
    });
    expect(doc.findings[0]?.decision).toBe("auto");
    expect(doc.findings[0]?.playbook?.steps.map((s) => s.step)).toEqual(["deactivate-access-key", "notify"]);
  });

  it("lists each unusable record with file, line, position and reason, and keeps going", async () => {
    const { stdout } = await runCli(["replay", "trail", "--config", "vigil.yaml", "--json", "--memory"], {
      cwd: dir,
    });
    const doc = replayContract.parse(JSON.parse(stdout));
    const file = resolve(dir, "trail/2026/03/c.jsonl");
    expect(doc.rejected).toEqual([
      {
        index: 1,
        source: `${file}:2`,
        error: "record is not valid JSON: Expected double-quoted property name in JSON at position 16",
      },
      {
        index: 2,
        source: `${file}:3`,
        error: 'not JSON: starts with "not json at all"; expected a CloudTrail record object',
      },
    ]);
  });
});

describe("vigil replay (text report)", () => {
  it("ranks the exposure with its reasons, factors, decision and plan", async () => {
    const { code, stdout } = await runCli(["replay", "trail", "--config", "vigil.yaml", "--memory"], {
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(stdout).toContain("24 records from 1 input");
    expect(stdout).toMatch(
      /1\. CRITICAL\s+\d+ {2}access-key AKIAEXAMPLE000000001 · arn:aws:iam::111122223333:user\/svc-ci · owner platform-team/,
    );
    expect(stdout).toContain("why      logging-tampering: ");
    expect(stdout).toContain("reachability: 198.51.100.23 is on the public internet, outside AWS");
    expect(stdout).toContain(
      'decision auto: critical reaches the auto band; playbook deactivate-access-key from profile "ci-deployer"',
    );
    expect(stdout).toContain("plan     1. deactivate-access-key");
    expect(stdout).toContain("Rejected records (2)");
    expect(stdout).toContain("Planned only: nothing was executed");
  });

  it("reads standard input when the path is -", async () => {
    const input = `${JSON.stringify(userKeyRecord({ eventID: "s1" }))}\n`;
    const { code, stdout } = await runCli(["replay", "-", "--json", "--memory", "--config", "vigil.yaml"], {
      cwd: dir,
      stdin: input,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).summary.records).toBe(1);
  });
});

describe("vigil errors", () => {
  it.each([
    [["replay"], 2, "vigil: replay needs at least one file or directory, e.g. vigil replay trail.json.gz\n"],
    [
      ["frobnicate"],
      2,
      'vigil: unknown command "frobnicate"; the commands are replay, learn, records, undo, kill-switch, approvals, exceptions, console and help\n',
    ],
    [
      ["replay", "x", "--bogus"],
      2,
      "vigil: Unknown option '--bogus'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--bogus\"; run 'vigil help' for the options of replay\n",
    ],
    [
      ["replay", "trail", "--apply", "--memory"],
      2,
      "vigil: --apply keeps its runs in the store so they can be undone; drop --memory\n",
    ],
    [
      ["replay", "trail", "--apply"],
      2,
      "vigil: --apply acts on the AWS account of the default credentials; add --yes to confirm, or --endpoint URL to act on an emulator\n",
    ],
    [
      ["replay", "trail", "--memory", "--store", "x.db"],
      2,
      "vigil: --memory and --store exclude each other; choose one\n",
    ],
    [
      ["replay", "trail", "--top", "0", "--memory"],
      2,
      'vigil: --top "0" must be a whole number from 1 to 10000\n',
    ],
    [
      ["learn", "--memory", "trail"],
      2,
      "vigil: learn keeps baselines in the store; --memory would throw them away\n",
    ],
  ])("vigil %j exits %i with a message saying how to fix it", async (argv, exit, message) => {
    const { code, stderr } = await runCli(argv, { cwd: dir });
    expect(stderr).toBe(message);
    expect(code).toBe(exit);
  });

  it("exits 1 on a bad config, naming the file, profile, field and fix", async () => {
    writeFileSync(
      join(dir, "bad.yaml"),
      "profiles:\n  - id: ci\n    match: { roles: [arn:aws:iam::111122223333:role/ci] }\n    sources: [10.0.0.0/33]\n",
    );
    const { code, stderr } = await runCli(["replay", "trail", "--config", "bad.yaml", "--memory"], {
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      `vigil: ${join(dir, "bad.yaml")}: 1 problem in the configuration:\n  - profile "ci": sources[0] "10.0.0.0/33" has prefix length "33"; IPv4 prefixes are 0 to 32\n`,
    );
  });

  it("exits 1 on a config that is not YAML, with the line", async () => {
    writeFileSync(join(dir, "broken.yaml"), "profiles:\n  - id: ci\n   match: [\n");
    const { code, stderr } = await runCli(["replay", "trail", "--config", "broken.yaml", "--memory"], {
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /broken\.yaml: 1 problem in the configuration:\n {2}- not valid YAML or JSON at line \d+, column \d+: /,
    );
  });

  it("exits 1 on a missing config file", async () => {
    const { code, stderr } = await runCli(["replay", "trail", "--config", "nope.yaml", "--memory"], {
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(stderr).toContain("the config file does not exist; pass an existing file with --config PATH");
  });
});

describe("vigil replay --iam-snapshot", () => {
  it("scores privilege from the snapshot's policies", async () => {
    const snapshot = resolve(import.meta.dirname, "../../shared/demo/iam-snapshot.json");
    const { stdout } = await runCli(
      ["replay", "trail", "--config", "vigil.yaml", "--memory", "--json", "--iam-snapshot", snapshot],
      {
        cwd: dir,
      },
    );
    const privilege = JSON.parse(stdout).exposures[0].factors.find(
      (f: { name: string }) => f.name === "privilege",
    );
    expect(privilege).toEqual({
      name: "privilege",
      points: 16,
      reason: "iam-write: iam:PutRolePolicy on some role allowed by inline policy deploy of user svc-ci",
    });
  });

  it.each([
    [
      "missing.json",
      "vigil: --iam-snapshot missing.json cannot be read (ENOENT); give the JSON file written by 'aws iam get-account-authorization-details'\n",
    ],
    [
      "vigil.yaml",
      /^vigil: --iam-snapshot vigil\.yaml is not JSON \(.+\); give the output of 'aws iam get-account-authorization-details'\n$/,
    ],
  ])("rejects an unusable snapshot %s with a clear message", async (file, message) => {
    const { code, stderr } = await runCli(
      ["replay", "trail", "--memory", "--config", "vigil.yaml", "--iam-snapshot", file],
      { cwd: dir },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe("the text report", () => {
  it("shows attacker-controlled strings as text, never as terminal control sequences", async () => {
    const work = mkdtempSync(join(tmpdir(), "vigil-escape-"));
    writeFileSync(join(work, "vigil.config.yaml"), "learning: { days: 0 }\n");
    const evil = roleSessionRecord(
      {
        eventID: "x1",
        eventSource: "cloudtrail.amazonaws.com",
        eventName: "StopLogging",
        requestParameters: { name: "trail\u001b[2J\u001b]0;pwned\u0007" },
      },
      { name: "i-0abc\u001b[31m" },
    );
    const evilKey = userKeyRecord({
      eventID: "x2",
      eventSource: "cloudtrail.amazonaws.com",
      eventName: "DeleteTrail",
      userIdentity: {
        type: "IAMUser",
        arn: "arn:aws:iam::111122223333:user/x",
        accessKeyId: "AKIA\u001b]0;pwned\u0007X",
      },
    });
    writeFileSync(join(work, "t.json"), JSON.stringify({ Records: [evil, evilKey] }));
    const { stdout } = await runCli(["replay", "t.json", "--memory"], { cwd: work });
    expect(stdout).not.toContain("\u001b");
    expect(stdout).not.toContain("\u0007");
    expect(stdout).toContain("\\u001b[2J"); // shown escaped, as text
    expect(stdout).toContain("access-key AKIA\\x1b]0;pwned\\x07X");
  });

  it("draws progress on a terminal's stderr only", async () => {
    const tty = await runCli(["replay", "trail", "--config", "vigil.yaml", "--memory"], {
      cwd: dir,
      tty: true,
    });
    const pipe = await runCli(["replay", "trail", "--config", "vigil.yaml", "--memory"], {
      cwd: dir,
      tty: false,
    });
    expect(tty.stderr).toMatch(/^\r {2,}\r$/);
    expect(pipe.stderr).toBe("");
  });
});

describe("the embedded store", () => {
  it("keeps what replay learned and found in .vigil/vigil.db by default", async () => {
    const work = mkdtempSync(join(tmpdir(), "vigil-store-"));
    writeFileSync(join(work, "vigil.config.yaml"), CONFIG);
    writeFileSync(
      join(work, "t.json"),
      JSON.stringify({ Records: [userKeyRecord({ sourceIPAddress: "198.51.100.9" })] }),
    );
    const { code } = await runCli(["replay", "t.json"], { cwd: work });
    expect(code).toBe(0);
    expect(existsSync(join(work, ".vigil", "vigil.db"))).toBe(true);
  });

  it("records every exposure's decision in the verifiable ledger", async () => {
    const work = mkdtempSync(join(tmpdir(), "vigil-ledger-"));
    writeFileSync(join(work, "vigil.config.yaml"), CONFIG);
    writeFileSync(
      join(work, "t.json"),
      JSON.stringify({ Records: [userKeyRecord({ sourceIPAddress: "198.51.100.9" })] }),
    );
    await runCli(["replay", "t.json"], { cwd: work });
    const list = await runCli(["records", "list", "--json"], { cwd: work });
    const records = JSON.parse(list.stdout) as Array<{ action: string; subject: unknown }>;
    // The profile makes the exposure high: needs-approval, so an approval request is opened too.
    expect(records.map((r) => [r.action, r.subject])).toEqual([
      ["finding-decided", { kind: "access-key", id: "AKIAEXAMPLE000000001" }],
      ["approval-requested", { kind: "access-key", id: "AKIAEXAMPLE000000001" }],
    ]);
    const verify = await runCli(["records", "verify"], { cwd: work });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^ledger intact: 2 records/);
  });

  it("learns baselines from history with vigil learn, so replay knows the credential", async () => {
    const work = mkdtempSync(join(tmpdir(), "vigil-learn-"));
    const history = Array.from({ length: 5 }, (_, i) =>
      userKeyRecord({
        eventID: `h${i}`,
        eventTime: `2026-02-0${i + 1}T10:00:00Z`,
        sourceIPAddress: "192.0.2.10",
      }),
    );
    writeFileSync(join(work, "history.json"), JSON.stringify({ Records: history }));
    writeFileSync(join(work, "vigil.config.yaml"), "learning: { days: 3 }\n");
    const learned = await runCli(["learn", "history.json", "--store", "s.db"], { cwd: work });
    expect(learned.stdout).toBe("vigil learn: 5 records learned into s.db; 0 rejected\n");
    // Known network: quiet. New network: new-source, because learning began on Feb 1 and is over.
    writeFileSync(
      join(work, "today.json"),
      JSON.stringify({
        Records: [
          userKeyRecord({ eventID: "t1", sourceIPAddress: "192.0.2.10" }),
          userKeyRecord({ eventID: "t2", sourceIPAddress: "198.51.100.9" }),
        ],
      }),
    );
    const replayed = await runCli(["replay", "today.json", "--store", "s.db", "--json"], { cwd: work });
    const doc = replayContract.parse(JSON.parse(replayed.stdout));
    expect(doc.findings.map((f) => [f.eventId, f.signals])).toEqual([["t2", ["new-source"]]]);
  });
});

describe("the vigil command", () => {
  it("runs from bin/vigil.mjs as npx vigil does", () => {
    const root = resolve(import.meta.dirname, "../..");
    const out = execFileSync(
      process.execPath,
      [join(root, "bin", "vigil.mjs"), "replay", "trail", "--config", "vigil.yaml", "--memory", "--json"],
      {
        cwd: dir,
        encoding: "utf8",
      },
    );
    expect(replayContract.parse(JSON.parse(out)).summary.records).toBe(24);
  });
});
