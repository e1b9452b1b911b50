import { request } from "node:http";
import { parseArgs } from "node:util";
import { CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DynamoApprovalStore } from "../../shared/adapters/dynamodb-approvals.ts";
import { DynamoEventStateStore } from "../../shared/adapters/dynamodb-event-state.ts";
import { DynamoExceptionStore } from "../../shared/adapters/dynamodb-exceptions.ts";
import { DynamoLedger, ledgerKeys } from "../../shared/adapters/dynamodb-ledger.ts";
import { DynamoPlaybookRunStore } from "../../shared/adapters/dynamodb-playbook-runs.ts";
import type { DynamoTable } from "../../shared/adapters/dynamodb-table.ts";
import { consoleCommand, openConsole } from "../../shared/cli/commands/console.ts";
import { type CliIo, main } from "../../shared/cli/main.ts";
import { CSRF_COOKIE, CSRF_FIELD } from "../../shared/console/csrf.ts";
import { newApprovalRequest } from "../../shared/domain/approvals/request.ts";
import { collect } from "../../shared/domain/collect.ts";
import { buildException } from "../../shared/domain/exceptions/grant.ts";
import { ledgerEntry } from "../../shared/domain/ledger/entry.ts";
import type { LedgerRecord } from "../../shared/domain/ledger/record.ts";
import { hostileExposure, keyExposure, quarantineRun } from "../support/console-store.ts";
import { configOf } from "../support/context.ts";
import { createVigilTable, dynamoClient } from "./support/dynamodb.ts";
import { awsClients, motoEndpoint, TEST_CREDENTIALS, TEST_REGION } from "./support/moto.ts";

const T0 = Date.parse("2026-03-10T12:00:00.000Z");
const NOW = T0 + 60_000;

beforeEach(() => {
  vi.stubEnv("AWS_ACCESS_KEY_ID", TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", TEST_CREDENTIALS.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", TEST_CREDENTIALS.sessionToken);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

function io(): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    out: () => out,
    err: () => err,
    stdout: { write: (t: string) => (out += t), isTTY: false },
    stderr: { write: (t: string) => (err += t), isTTY: false },
    stdin: (async function* () {})(),
    env: { USER: "alice" },
    cwd: process.cwd(),
    clock: { now: () => NOW },
  };
}

/**
 * A deployment's table as the functions leave it: two exposures (one carrying attacker-chosen
 * strings), a pending approval request, an active exception of another principal, a quarantine
 * run, two ledger records.
 */
async function deployedTable(): Promise<DynamoTable & { requestId: string }> {
  const table = { client: dynamoClient(), tableName: await createVigilTable() };
  const state = new DynamoEventStateStore(table);
  const exposure = hostileExposure();
  const outcome = await state.commit(
    {
      processed: [],
      baselines: [],
      findings: [],
      exposures: [
        { key: `role-session|${exposure.credential.id}`, exposure, expected: undefined },
        { key: "access-key|AKIAEXAMPLE000000001", exposure: keyExposure(), expected: undefined },
      ],
    },
    T0,
  );
  expect(outcome.ok).toBe(true);
  const pending = newApprovalRequest(exposure, configOf().approvals, T0, "apr-1");
  await new DynamoApprovalStore(table).open(pending, T0);
  await new DynamoExceptionStore(table).insert(
    buildException(
      {
        scope: { kind: "principal", arn: "arn:aws:iam::111122223333:role/backfill" },
        playbooks: [],
        hours: 2,
        reason: "incident 4711: backfill from the DR site",
        by: "carol",
      },
      configOf().exceptions,
      T0,
      "exc-1",
    ),
  );
  await new DynamoPlaybookRunStore(table).createRun(quarantineRun("run-active", T0 - 7_200_000, false));
  await new DynamoLedger(table).append([
    ledgerEntry({
      at: T0,
      actor: { kind: "vigil", id: "vigil" },
      action: "finding-decided",
      subject: exposure.credential,
      reason: "critical reaches the approval band",
      change: { decision: "needs-approval" },
    }),
    ledgerEntry({
      at: T0,
      actor: { kind: "vigil", id: "vigil" },
      action: "approval-requested",
      subject: exposure.credential,
      reason: "approval needed: quarantine-role",
      change: { request: "apr-1" },
    }),
  ]);
  return { ...table, requestId: pending.id };
}

/** Starts the console as `vigil console ARGS` would, with the same option parsing. */
async function startConsole(argv: string[], cli: CliIo) {
  const { values } = parseArgs({ args: argv, options: consoleCommand.options, strict: true });
  return openConsole(values, cli);
}

interface Reply {
  status: number;
  cookie?: string;
  location?: string;
  body: string;
}

function call(url: string, path: string, post?: { cookie: string; body: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: post === undefined ? "GET" : "POST",
        headers:
          post === undefined
            ? {}
            : {
                "Content-Type": "application/x-www-form-urlencoded",
                Cookie: `${CSRF_COOKIE}=${post.cookie}`,
                Origin: url,
              },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            ...(res.headers["set-cookie"] === undefined
              ? {}
              : { cookie: String(res.headers["set-cookie"]).split(";")[0]!.split("=")[1]! }),
            ...(res.headers.location === undefined ? {} : { location: res.headers.location }),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(post?.body);
  });
}

/** Decides request `id` through the approvals page's form, with the CSRF token the page carries. */
async function decide(url: string, id: string, verdict: "approve" | "deny", reason: string): Promise<Reply> {
  const page = await call(url, "/approvals");
  const token = new RegExp(`name="${CSRF_FIELD}" value="([^"]+)"`).exec(page.body)?.[1];
  expect(token, "the approvals page carries a CSRF token").toBeDefined();
  const body = new URLSearchParams({ [CSRF_FIELD]: token!, id, verdict, reason }).toString();
  return call(url, "/approvals/decide", { cookie: page.cookie!, body });
}

const actionsOf = (records: readonly LedgerRecord[]) => records.map((r) => r.action);

describe("vigil console --table", () => {
  it("serves a deployment's exposures, approvals, exceptions, runs and verified records", async () => {
    const table = await deployedTable();
    await new DynamoPlaybookRunStore(table).setKillSwitch({ reason: "incident 4712: hands off", since: T0 });
    const cli = io();
    const { running, close } = await startConsole(
      ["--table", table.tableName, "--region", TEST_REGION, "--endpoint", motoEndpoint(), "--port", "0"],
      cli,
    );
    try {
      const exposures = await call(running.url, "/");
      expect(exposures.status).toBe(200);
      expect(exposures.body).toContain("AKIAEXAMPLE000000001");
      expect(exposures.body).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
      expect(exposures.body).not.toContain("<script>");
      expect(exposures.body.indexOf("arn:aws:iam::111122223333:role/etl")).toBeLessThan(
        exposures.body.indexOf("AKIAEXAMPLE000000001"),
      );
      const approvals = await call(running.url, "/approvals");
      expect(approvals.body).toContain('name="id" value="apr-1"');
      expect(approvals.body).toContain("quarantine-role");
      const exceptions = await call(running.url, "/exceptions");
      expect(exceptions.body).toContain("incident 4711: backfill from the DR site");
      const runs = await call(running.url, "/quarantines");
      expect(runs.body).toContain("run-active");
      expect(runs.body).toContain("Kill switch ON since 2026-03-10");
      expect(runs.body).toContain("incident 4712: hands off");
      const records = await call(running.url, "/records");
      expect(records.body).toContain("<strong>Chain intact</strong>: 2 records verified");
    } finally {
      await close();
    }
  });

  it("denies through the form: the request is denied in the table and the decision recorded", async () => {
    const table = await deployedTable();
    const { running, close } = await startConsole(
      ["--table", table.tableName, "--region", TEST_REGION, "--endpoint", motoEndpoint(), "--port", "0"],
      io(),
    );
    try {
      const approve = await decide(running.url, "apr-1", "approve", "looks bad");
      expect(approve.status).toBe(409);
      expect(approve.body).toContain(
        "approving queues the playbook for the deployment&#39;s execute function",
      );
      const deny = await decide(running.url, "apr-1", "deny", "nightly ETL from the DR site");
      expect([deny.status, deny.location]).toEqual([303, "/approvals?ok=denied&id=apr-1"]);
    } finally {
      await close();
    }
    // The decider is the caller's AWS identity, not $USER (alice): nobody types their way into the records.
    const { Arn: me } = await awsClients().sts.send(new GetCallerIdentityCommand({}));
    expect(me).toMatch(/^arn:aws:/);
    const stored = await new DynamoApprovalStore(table).get("apr-1");
    expect(stored).toMatchObject({
      status: "denied",
      decision: { verdict: "denied", by: me, reason: "nightly ETL from the DR site" },
    });
    const records = await collect(new DynamoLedger(table).read());
    expect(actionsOf(records)).toEqual(["finding-decided", "approval-requested", "approval-decided"]);
    expect(records[2]).toMatchObject({
      actor: { kind: "human", id: me },
      reason: "nightly ETL from the DR site",
    });
  });

  it("approves with --actions-queue: one message on the FIFO queue, nothing run here", async () => {
    const table = await deployedTable();
    const { sqs } = awsClients();
    const queue = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `${table.tableName}-actions.fifo`,
          Attributes: { FifoQueue: "true" },
        }),
      )
    ).QueueUrl!;
    const { running, close } = await startConsole(
      [
        "--table",
        table.tableName,
        "--region",
        TEST_REGION,
        "--endpoint",
        motoEndpoint(),
        "--actions-queue",
        queue,
        "--port",
        "0",
      ],
      io(),
    );
    try {
      const approve = await decide(running.url, "apr-1", "approve", "confirmed exfiltration");
      expect([approve.status, approve.location]).toEqual([303, "/approvals?ok=queued&id=apr-1"]);
    } finally {
      await close();
    }
    const runs = await new DynamoPlaybookRunStore(table).allRuns();
    expect(runs.map((r) => r.id)).toEqual(["run-active"]);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]!.Body!)).toMatchObject({
      dedupeKey: "approval:apr-1",
      request: { playbook: { id: "quarantine-role" } },
    });
    const records = await collect(new DynamoLedger(table).read());
    expect(actionsOf(records)).toEqual([
      "finding-decided",
      "approval-requested",
      "approval-decided",
      "playbook-dispatched",
    ]);
    expect(await new DynamoApprovalStore(table).get("apr-1")).toMatchObject({ status: "approved" });
  });

  it("refuses --table with --store, --yes, --by or no region, and names a missing table and its region", async () => {
    const cli = io();
    await expect(
      startConsole(["--table", "t", "--store", "x.db", "--region", TEST_REGION], cli),
    ).rejects.toThrow("--table and --store exclude each other");
    await expect(startConsole(["--table", "t", "--yes", "--region", TEST_REGION], cli)).rejects.toThrow(
      "--yes runs approved playbooks in this process",
    );
    await expect(startConsole(["--table", "t"], cli)).rejects.toThrow(
      "--table t needs the table's region: give --region REGION, or set AWS_REGION",
    );
    await expect(
      startConsole(["--table", "vigil-gone", "--region", TEST_REGION, "--endpoint", motoEndpoint()], cli),
    ).rejects.toThrow(
      `there is no DynamoDB table vigil-gone in ${TEST_REGION} at ${motoEndpoint()} (ResourceNotFoundException); give the name of the Vigil construct's table with --table NAME`,
    );
    await expect(startConsole(["--actions-queue", "https://sqs/q.fifo"], cli)).rejects.toThrow(
      "--actions-queue URL queues approved playbooks for a deployment and goes with --table NAME",
    );
    const table = await deployedTable();
    await expect(
      startConsole(
        ["--table", table.tableName, "--region", TEST_REGION, "--endpoint", motoEndpoint(), "--by", "alice"],
        cli,
      ),
    ).rejects.toThrow(
      '--by "alice" cannot be used with --table: against a deployment the console records your AWS identity',
    );
  });
});

describe("vigil records --table", () => {
  const at = (table: string) => ["--table", table, "--region", TEST_REGION, "--endpoint", motoEndpoint()];

  it("lists and verifies a deployment's ledger, and names the record edited in the table", async () => {
    const table = await deployedTable();
    const listed = io();
    expect(await main(["records", "list", ...at(table.tableName)], listed)).toBe(0);
    expect(listed.out()).toContain("approval-requested");
    expect(listed.out()).toContain("2 records\n");
    const intact = io();
    expect(await main(["records", "verify", ...at(table.tableName)], intact)).toBe(0);
    expect(intact.out()).toMatch(/^ledger intact: 2 records, head hash [0-9a-f]{64}\n$/);
    const stored = await collect(new DynamoLedger(table).read());
    const edited = JSON.stringify({ ...stored[0], reason: "nothing to see here" });
    await table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: ledgerKeys.record(1),
        UpdateExpression: "SET v = :v",
        ExpressionAttributeValues: { ":v": edited },
      }),
    );
    const tampered = io();
    expect(await main(["records", "verify", ...at(table.tableName)], tampered)).toBe(1);
    expect(tampered.out()).toContain("ledger TAMPERED (edited): first bad record at position 1, sequence 1");
  });

  it("exports the deployment's records as JSON Lines", async () => {
    const table = await deployedTable();
    const cli = io();
    expect(await main(["records", "export", "--format", "jsonl", ...at(table.tableName)], cli)).toBe(0);
    expect(
      cli
        .out()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).action),
    ).toEqual(["finding-decided", "approval-requested"]);
  });

  it("says which table is missing in which region, when there are no credentials, and refuses --table with --store", async () => {
    const missing = io();
    expect(await main(["records", "verify", ...at("vigil-gone")], missing)).toBe(1);
    expect(missing.err()).toContain(
      `there is no DynamoDB table vigil-gone in ${TEST_REGION} at ${motoEndpoint()}`,
    );
    vi.stubEnv("AWS_ACCESS_KEY_ID", "");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "");
    vi.stubEnv("AWS_SESSION_TOKEN", "");
    vi.stubEnv("AWS_PROFILE", "");
    vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    vi.stubEnv("AWS_CONFIG_FILE", "/nonexistent/config");
    vi.stubEnv("AWS_EC2_METADATA_DISABLED", "true");
    vi.stubEnv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
    vi.stubEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "");
    vi.stubEnv("AWS_WEB_IDENTITY_TOKEN_FILE", "");
    const anonymous = io();
    expect(await main(["records", "verify", ...at("vigil-gone")], anonymous)).toBe(1);
    expect(anonymous.err()).toContain(
      `vigil: no AWS credentials to read table vigil-gone in ${TEST_REGION} at ${motoEndpoint()}`,
    );
    const both = io();
    expect(await main(["records", "list", "--store", "x.db", ...at("vigil-gone")], both)).toBe(2);
    expect(both.err()).toContain("--table and --store exclude each other");
  });
});
