import { randomBytes, randomUUID } from "node:crypto";
import { type RunningConsole, startConsole } from "../../adapters/console/server.ts";
import { decideApproval, type VoteDeps } from "../../domain/approvals/vote.ts";
import type { VigilConfig } from "../../domain/config/compile.ts";
import { grantException } from "../../domain/exceptions/grant.ts";
import { revokeException } from "../../domain/exceptions/revoke.ts";
import type { ExecutorDeps } from "../../domain/playbooks/executor.ts";
import type { PlaybookDispatch } from "../../ports/playbook-dispatch.ts";
import { executorOf, printNotifier } from "../apply.ts";
import { type CliIo, type Command, type OptionValues, stringOption } from "../command.ts";
import { configOf, STORE_OPTIONS } from "../run-context.ts";
import {
  callerArnOf,
  DISPATCH_OPTIONS,
  dispatchOf,
  type StoreLocation,
  storesOf,
  TABLE_OPTIONS,
} from "../stores.ts";
import { UsageError } from "../usage.ts";

/** The port `vigil console` listens on unless --port says otherwise. */
export const DEFAULT_CONSOLE_PORT = 8765;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/**
 * Opens the store and starts the console on it (the part of `vigil console` that tests drive); the
 * returned close stops the server and closes the store. Only loopback addresses are accepted: the
 * local console has no sign-in, so anyone who can reach it could approve.
 */
export async function openConsole(
  values: OptionValues,
  io: CliIo,
): Promise<{ running: RunningConsole; close: () => Promise<void> }> {
  const host = stringOption(values, "host") ?? "127.0.0.1";
  if (!LOOPBACK.test(host)) {
    throw new UsageError(
      `--host ${JSON.stringify(host)} is not a loopback address; the local console has no sign-in, so it only listens on 127.0.0.1, ::1 or localhost (reach it from elsewhere through an SSH tunnel, e.g. ssh -L 8765:127.0.0.1:8765 HOST)`,
    );
  }
  const portText = stringOption(values, "port") ?? String(DEFAULT_CONSOLE_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new UsageError(
      `--port ${JSON.stringify(portText)} must be a port number from 0 to 65535 (0: any free port)`,
    );
  }
  checkActingFlags(values);
  const stores = await storesOf(values, io, ["views", "ledger", "runs", "approvals", "exceptions"]);
  let config: VigilConfig;
  let acting: Acting;
  try {
    config = configOf(values, io);
    acting = actingOf(values, io, stores.location, config);
  } catch (error) {
    stores.close();
    throw error;
  }
  const closeStores = () => {
    acting.close();
    stores.close();
  };
  let operator: string;
  try {
    operator = await operatorOf(values, io, stores.location);
  } catch (error) {
    closeStores();
    throw error;
  }
  const { views, ledger, runs, approvals, exceptions } = stores;
  const voteDeps: VoteDeps = {
    approvals,
    ledger,
    clock: io.clock,
    newId: randomUUID,
    policy: config.approvals,
    notifier: acting.executor?.notifier ?? printNotifier(io),
    exceptions,
    ...(acting.executor === undefined ? {} : { executor: acting.executor }),
    ...(acting.dispatch === undefined ? {} : { dispatch: acting.dispatch }),
  };
  const exceptionDeps = {
    exceptions,
    ledger,
    clock: io.clock,
    newId: randomUUID,
    policy: config.exceptions,
  };
  try {
    const running = await startConsole(
      {
        views,
        ledger,
        runs,
        clock: io.clock,
        secret: randomBytes(32),
        operator,
        approvals: {
          list: () => approvals.list(),
          decide: (id, vote) => decideApproval(id, vote, voteDeps),
          ...(acting.cannotRun === undefined ? {} : { cannotRun: acting.cannotRun }),
        },
        exceptions: {
          list: () => exceptions.list(),
          grant: (request) => grantException(request, exceptionDeps),
          revoke: (id, request) => revokeException(id, request, exceptionDeps),
          maxHours: config.exceptions.maxHours,
        },
      },
      { host: host === "localhost" ? "127.0.0.1" : host, port },
    );
    return {
      running,
      close: async () => {
        await running.close();
        closeStores();
      },
    };
  } catch (error) {
    closeStores();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      throw new UsageError(`cannot listen on ${host}:${port} (${code}); choose another port with --port N`);
    }
    throw error;
  }
}

/** Refuses the ways of acting that do not go with the store: a table queues, the embedded store runs here. */
function checkActingFlags(values: OptionValues): void {
  if (values.table !== undefined && values.yes === true) {
    throw new UsageError(
      "--yes runs approved playbooks in this process, which a console on a deployment's --table never does; approving there queues the playbook with --actions-queue URL",
    );
  }
  if (values.table === undefined && values["actions-queue"] !== undefined) {
    throw new UsageError(
      "--actions-queue URL queues approved playbooks for a deployment and goes with --table NAME; against the embedded store, approving runs the playbook here (--endpoint URL or --yes)",
    );
  }
}

/** How an approval in this console acts: a local executor, a dispatch, or neither (then why not). */
interface Acting {
  readonly executor?: ExecutorDeps;
  readonly dispatch?: PlaybookDispatch;
  readonly cannotRun?: string;
  close(): void;
}

/**
 * Against the embedded store an approval runs its playbook here, with --endpoint URL (an emulator) or
 * --yes (the default credentials' account); against a deployment's table it is only ever queued for
 * the deployment's execute function, on --actions-queue URL. Without them the console can deny.
 */
function actingOf(values: OptionValues, io: CliIo, location: StoreLocation, config: VigilConfig): Acting {
  if (location.kind === "table") {
    return (
      dispatchOf(values, location) ?? {
        cannotRun:
          "approving queues the playbook for the deployment's execute function, and this console was started without --actions-queue URL (the Vigil construct's actions queue); restart it with --actions-queue, or deny",
        close: () => {},
      }
    );
  }
  const endpoint = stringOption(values, "endpoint");
  if (endpoint === undefined && values.yes !== true) {
    return {
      cannotRun:
        "approving runs the playbook, and this console was started without --endpoint URL (an emulator) or --yes (the AWS account of the default credentials); restart it with one of them, or deny",
      close: () => {},
    };
  }
  const region = stringOption(values, "region");
  const options = { endpoint, region, yes: values.yes === true, storePath: location.path };
  const { deps, close } = executorOf(options, config, io);
  return { executor: deps, close };
}

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** `vigil console`: the web console for on-call engineers and compliance reviewers, on localhost. */
export const consoleCommand: Command = {
  name: "console",
  summary: "serve the web console (exposures, approvals, exceptions, quarantines, records) on localhost",
  help: `vigil console [--store PATH] [--config FILE] [--port N] [--host 127.0.0.1] [--by NAME] [--endpoint URL | --yes] [--region REGION]
vigil console --table NAME [--region REGION] [--endpoint URL] [--actions-queue URL] [--config FILE] [--port N] [--host 127.0.0.1]
  Serves the web console against the embedded store until interrupted (Ctrl-C): ranked exposures with
  their factors, pending approvals (approve or deny with a reason), break-glass exceptions (grant,
  revoke), quarantines and playbook runs, and the records timeline with its verification and exports.
  Pages work without JavaScript; forms are protected against cross-site requests.
  With --table it serves the same pages on a deployment's DynamoDB table, with your own AWS
  credentials (IAM decides what you may read and change); approving there never runs a playbook
  here: it queues it on the deployment's actions queue for its execute function.
    --store PATH          the embedded store (default .vigil/vigil.db)
    --config FILE         approvers, approval and exception limits, guards (default ./vigil.config.yaml)
    --by NAME             who decides, grants and revokes here, for the records (default: $USER);
                          with --table it is always your AWS identity (sts:GetCallerIdentity)
    --endpoint URL        approved playbooks act on this IAM/Secrets Manager/SNS endpoint (an emulator);
                          with --table: the DynamoDB and SQS endpoint (an emulator)
    --yes                 approved playbooks act on the AWS account of the default credentials
                          (without --endpoint or --yes the console can deny but not approve)
    --region REGION       the region (default from the environment)
    --table NAME          a deployment's table (the Vigil construct's), instead of --store
    --actions-queue URL   with --table: the deployment's actions queue (SQS FIFO) approvals are queued on
                          (without it the console on a table can deny but not approve)
    --port N              the port (default ${DEFAULT_CONSOLE_PORT}; 0 picks a free one)
    --host ADDRESS        a loopback address to listen on (default 127.0.0.1)
`,
  options: {
    ...STORE_OPTIONS,
    ...TABLE_OPTIONS,
    ...DISPATCH_OPTIONS,
    port: { type: "string" },
    host: { type: "string" },
    by: { type: "string" },
    yes: { type: "boolean" },
  },
  async run(positionals, values, io) {
    if (positionals.length > 0) {
      throw new UsageError(`console takes no arguments, got ${JSON.stringify(positionals.join(" "))}`);
    }
    const { running, close } = await openConsole(values, io);
    io.stdout.write(`vigil console on ${running.url}/ (Ctrl-C stops it)\n`);
    await stopSignal();
    await close();
    return 0;
  },
};

/**
 * Who decides, grants and revokes through this console, for the records: against the embedded store
 * `--by NAME` (default $USER); against a deployment the caller's AWS identity, never a typed name.
 */
async function operatorOf(values: OptionValues, io: CliIo, location: StoreLocation): Promise<string> {
  const by = stringOption(values, "by");
  if (location.kind !== "table") return by ?? io.env.USER ?? "console";
  if (by !== undefined) {
    throw new UsageError(
      `--by ${JSON.stringify(by)} cannot be used with --table: against a deployment the console records your AWS identity (the ARN of your credentials), as the approvals API does; drop --by`,
    );
  }
  return callerArnOf(location);
}
