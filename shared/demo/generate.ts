/**
 * Deterministic generator of vigil's demo CloudTrail trail: one week of ordinary activity in account
 * 111122223333 (CI key, ECS task role, EC2 instance role, Lambda role, engineers, an SSO admin) with
 * five attack stories woven in after the learning period. Run it to (re)write the committed demo file:
 *
 *   node --import tsx shared/demo/generate.ts   # writes shared/demo/trail.json.gz
 *
 * The record builders and `generateTrail` are exported so the benchmark can produce the same kind of
 * trail at any size. Nothing here reads the clock or Math.random: the same seed gives the same bytes.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { CredentialKind, SignalId } from "../domain/vocabulary.ts";

/** Bumped whenever the generated records change, so cached benchmark trails are rebuilt. */
export const GENERATOR_VERSION = 1;

/** A JSON value, as CloudTrail records are made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };
/** One CloudTrail record, shaped as in an S3 trail file. */
export type TrailRecord = JsonObject;

/** The demo account. */
export const ACCOUNT = "111122223333";
/** Where the demo estate runs; IAM and other global services log in us-east-1. */
export const REGION = "eu-central-1";
/** Monday 2026-03-02T00:00Z: the demo week starts here. */
export const DEMO_START = Date.UTC(2026, 2, 2);
/** Monday 2026-03-09T00:00Z, exclusive. */
export const DEMO_END = Date.UTC(2026, 2, 9);
/** The seed of the committed demo trail. */
export const DEMO_SEED = 20260302;

/** The CI system's IAM user and its long-term access key. */
export const CI_USER = "svc-ci";
/** The access key of {@link CI_USER}. */
export const CI_KEY = "AKIAIOSFODNN7CIKEY01";
/** The self-hosted CI runners' addresses (in 203.0.113.0/24). */
export const CI_RUNNERS = ["203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.13"] as const;
/** The VPC endpoint the orders service reaches AWS through (Secrets Manager's interface endpoint). */
export const SECRETS_ENDPOINT = "vpce-0a1b2c3d4e5f60718";
/** With `endpointPerService`: DynamoDB's gateway endpoint in the orders VPC. */
export const DYNAMODB_ENDPOINT = "vpce-0c6d7e8f9a0b1c2d3";
/** With `endpointPerService`: SQS's interface endpoint in the orders VPC. */
export const SQS_ENDPOINT = "vpce-0f1e2d3c4b5a69788";
/** The VPC the endpoints above belong to. */
export const ORDERS_VPC = "vpc-0a1b2c3d4e5f67890";
/** The NAT gateway the batch instances reach AWS through (an Amazon eu-central-1 address). */
export const BATCH_NAT_IP = "3.120.181.40";
/** The Amazon address the automation Lambda's calls come from. */
export const AUTOMATION_IP = "18.184.20.7";
/** Where the stolen CI key is used from (stories a and e). */
export const ATTACKER_IP = "198.51.100.23";
/** Where the stolen instance credentials are used from (story c); not an Amazon address. */
export const EXFIL_IP = "45.155.205.233";
/** The secret the orders service reads (by name or by this full ARN). */
export const ORDERS_DB_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/orders-db-Ab12Cd`;
/** The secret only payments-api may read; orders-api reads it in story b. */
export const PAYMENTS_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/payments-api-key-Qx7Lm2`;
/** The trail the attacker stops in story e. */
export const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-trail`;
/** The IAM Identity Center permission-set role of the SSO admin. */
export const SSO_ROLE = "AWSReservedSSO_Admin_0123456789abcdef";

const roleArn = (name: string, path = "/") => `arn:aws:iam::${ACCOUNT}:role${path}${name}`;
/** The ECS task role of the orders service. */
export const ORDERS_ROLE_ARN = roleArn("orders-api");
/** The EC2 instance role of the batch workers. */
export const BATCH_ROLE_ARN = roleArn("batch-worker");
/** The execution role of the nightly automation Lambda. */
export const AUTOMATION_ROLE_ARN = roleArn("ops-automation");
/** The role ARN behind the SSO admin's sessions (with its aws-reserved path). */
export const SSO_ROLE_ARN = roleArn(SSO_ROLE, `/aws-reserved/sso.amazonaws.com/${REGION}/`);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

// ---------------------------------------------------------------------------------------------
// Randomness: a small seeded generator (xorshift32 with a multiplicative output mix).

/** A seeded pseudo-random source; the only randomness the generator uses. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0 || 0x9e3779b9;
    for (let i = 0; i < 4; i++) this.next();
  }

  /** Seeds a generator from a label, so derived values (keys, ids) do not depend on call order. */
  static of(label: string): Random {
    let hash = 0x811c9dc5;
    for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
    return new Random(hash);
  }

  /** A float in [0, 1). */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return (Math.imul(this.#state, 0x2545f491) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError("pick() from an empty list");
    return item;
  }

  /** An exponentially distributed wait with the given mean (for Poisson arrivals). */
  wait(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  chars(alphabet: string, length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.chars("0123456789abcdef", length);
  }

  /** A version-4 shaped UUID, as CloudTrail's eventID and most requestIDs are. */
  uuid(): string {
    const h = this.hex(32);
    const variant = "89ab"[Math.floor(this.next() * 4)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A stable IAM unique id or access key id (`AROA…`, `AIDA…`, `ASIA…`) derived from a label. */
export function awsId(prefix: "AROA" | "AIDA" | "ASIA" | "AKIA", label: string): string {
  return (
    prefix +
    Random.of(`${prefix}|${label}`).chars(KEY_ALPHABET, prefix === "ASIA" || prefix === "AKIA" ? 16 : 17)
  );
}

// ---------------------------------------------------------------------------------------------
// Time.

/** CloudTrail's eventTime format: ISO 8601 in UTC, whole seconds. */
export function isoSeconds(t: number): string {
  return `${new Date(t).toISOString().slice(0, 19)}Z`;
}

function lastSundayUtc(year: number, month: number): number {
  const last = Date.UTC(year, month + 1, 0);
  return last - new Date(last).getUTCDay() * DAY;
}

/** Europe/Berlin's UTC offset at `t` (EU rule: summer time from the last Sunday of March 01:00 UTC). */
export function berlinOffset(t: number): number {
  const year = new Date(t).getUTCFullYear();
  const summer = t >= lastSundayUtc(year, 2) + HOUR && t < lastSundayUtc(year, 9) + HOUR;
  return summer ? 2 * HOUR : HOUR;
}

/** Berlin local weekday (0 = Sunday) and hour at `t`. */
function berlin(t: number): { weekday: number; hour: number } {
  const local = new Date(t + berlinOffset(t));
  return { weekday: local.getUTCDay(), hour: local.getUTCHours() };
}

/** The UTC instant of Berlin local time `hh:mm` on the UTC calendar day starting at `dayStart`. */
function berlinAt(dayStart: number, hh: number, mm: number): number {
  const naive = dayStart + hh * HOUR + mm * MINUTE;
  return naive - berlinOffset(naive - HOUR);
}

const isWeekday = (weekday: number) => weekday >= 1 && weekday <= 5;

// ---------------------------------------------------------------------------------------------
// Identities.

/** Who made a call and from where, as CloudTrail records it. */
export interface Caller {
  readonly identity: JsonObject;
  readonly ip: string;
  readonly userAgent: string;
  readonly vpcEndpointId?: string;
  /** Console sessions carry `sessionCredentialFromConsole`. */
  readonly console?: boolean;
  /** Old clients negotiate TLS 1.2. */
  readonly tls12?: boolean;
}

/** `userIdentity` of an IAM user calling with its long-term key, or with a console session key. */
export function iamUserIdentity(
  userName: string,
  accessKeyId: string | undefined,
  session?: { readonly creationDate: number; readonly mfa: boolean },
): JsonObject {
  const identity: JsonObject = {
    type: "IAMUser",
    principalId: awsId("AIDA", userName),
    arn: `arn:aws:iam::${ACCOUNT}:user/${userName}`,
    accountId: ACCOUNT,
  };
  if (accessKeyId !== undefined) identity.accessKeyId = accessKeyId;
  identity.userName = userName;
  if (session !== undefined) {
    identity.sessionContext = {
      sessionIssuer: {},
      webIdFederationData: {},
      attributes: { creationDate: isoSeconds(session.creationDate), mfaAuthenticated: String(session.mfa) },
    };
  }
  return identity;
}

/** A session of an IAM role: its name, temporary key and issue time. */
export interface RoleSession {
  readonly roleName: string;
  /** The role's path, `/` unless it is an SSO role. */
  readonly path?: string;
  readonly sessionName: string;
  readonly accessKeyId: string;
  readonly creationDate: number;
  readonly mfa?: boolean;
  /** "2.0" for an EC2 instance-role session fetched with IMDSv2. */
  readonly ec2RoleDelivery?: string;
}

/** `userIdentity` of an AssumedRole session (task, instance, Lambda, SSO or AssumeRole sessions). */
export function roleSessionIdentity(session: RoleSession): JsonObject {
  const roleId = awsId("AROA", session.roleName);
  const sessionContext: JsonObject = {
    sessionIssuer: {
      type: "Role",
      principalId: roleId,
      arn: roleArn(session.roleName, session.path),
      accountId: ACCOUNT,
      userName: session.roleName,
    },
    attributes: {
      creationDate: isoSeconds(session.creationDate),
      mfaAuthenticated: String(session.mfa ?? false),
    },
  };
  if (session.ec2RoleDelivery !== undefined) sessionContext.ec2RoleDelivery = session.ec2RoleDelivery;
  return {
    type: "AssumedRole",
    principalId: `${roleId}:${session.sessionName}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${session.roleName}/${session.sessionName}`,
    accountId: ACCOUNT,
    accessKeyId: session.accessKeyId,
    sessionContext,
  };
}

// ---------------------------------------------------------------------------------------------
// Records.

/** One API call to turn into a CloudTrail record. */
export interface ApiCall {
  readonly at: number;
  readonly caller: Caller;
  /** The service's event source, e.g. `s3.amazonaws.com`. */
  readonly source: string;
  readonly name: string;
  /** Defaults to eu-central-1; IAM and other global services log in us-east-1. */
  readonly region?: string;
  readonly request?: JsonObject | null;
  readonly response?: JsonObject | null;
  readonly readOnly: boolean;
  /** A data event (S3 objects, DynamoDB items, SQS messages) rather than a management event. */
  readonly data?: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  readonly additional?: JsonObject;
  readonly resources?: Json[];
  /** The TLS host header, when not the service's regional endpoint. */
  readonly host?: string;
  readonly eventType?: string;
  /** Overrides the caller's user agent (S3 wraps it in brackets; docker pushes to ECR). */
  readonly userAgent?: string;
  /** Overrides the default UUID request id (S3 uses 16 upper-case hex characters). */
  readonly requestId?: string | null;
}

const GLOBAL_HOSTS: Readonly<Record<string, string>> = {
  "iam.amazonaws.com": "iam.amazonaws.com",
  "signin.amazonaws.com": "signin.aws.amazon.com",
};

function hostOf(source: string, region: string): string {
  const global = GLOBAL_HOSTS[source];
  if (global !== undefined) return global;
  const service = source.slice(0, source.indexOf("."));
  if (service === "ecr") return `api.ecr.${region}.amazonaws.com`;
  return `${service}.${region}.amazonaws.com`;
}

/** Builds a record in the field order CloudTrail writes, drawing eventID and requestID from `rng`. */
export function buildRecord(call: ApiCall, rng: Random): TrailRecord {
  const region = call.region ?? REGION;
  const record: TrailRecord = {
    eventVersion: call.eventType === "AwsConsoleSignIn" ? "1.09" : "1.10",
    userIdentity: call.caller.identity,
    eventTime: isoSeconds(call.at),
    eventSource: call.source,
    eventName: call.name,
    awsRegion: region,
    sourceIPAddress: call.caller.ip,
    userAgent: call.userAgent ?? call.caller.userAgent,
  };
  if (call.error !== undefined) {
    record.errorCode = call.error.code;
    record.errorMessage = call.error.message;
  }
  record.requestParameters = call.request ?? null;
  record.responseElements = call.response ?? null;
  if (call.additional !== undefined) record.additionalEventData = call.additional;
  const requestId = call.requestId === undefined ? rng.uuid() : call.requestId;
  if (requestId !== null) record.requestID = requestId;
  record.eventID = rng.uuid();
  record.readOnly = call.readOnly;
  if (call.resources !== undefined) record.resources = call.resources;
  record.eventType = call.eventType ?? "AwsApiCall";
  record.managementEvent = call.data !== true;
  record.recipientAccountId = ACCOUNT;
  if (call.caller.vpcEndpointId !== undefined) {
    record.vpcEndpointId = call.caller.vpcEndpointId;
    record.vpcEndpointAccountId = ACCOUNT;
  }
  record.eventCategory = call.data === true ? "Data" : "Management";
  record.tlsDetails = {
    tlsVersion: call.caller.tls12 === true ? "TLSv1.2" : "TLSv1.3",
    cipherSuite: call.caller.tls12 === true ? "ECDHE-RSA-AES128-GCM-SHA256" : "TLS_AES_128_GCM_SHA256",
    clientProvidedHostHeader: call.host ?? hostOf(call.source, region),
  };
  if (call.caller.console === true) record.sessionCredentialFromConsole = "true";
  return record;
}

/** The `errorMessage` AWS writes for a call no policy allows. */
export function notAuthorized(caller: Caller, action: string, resource?: string): string {
  const on = resource === undefined ? "" : ` on resource: ${resource}`;
  return `User: ${String(caller.identity.arn)} is not authorized to perform: ${action}${on} because no identity-based policy allows the ${action} action`;
}

/** An S3 object-level data event (GetObject / PutObject / HeadObject). */
export function s3ObjectCall(
  at: number,
  caller: Caller,
  name: "GetObject" | "PutObject" | "HeadObject",
  bucket: string,
  key: string,
  bytes: number,
  rng: Random,
): ApiCall {
  const host = `${bucket}.s3.${REGION}.amazonaws.com`;
  return {
    at,
    caller,
    source: "s3.amazonaws.com",
    name,
    request: { bucketName: bucket, Host: host, key },
    response: name === "PutObject" ? { "x-amz-server-side-encryption": "aws:kms" } : null,
    additional: {
      SignatureVersion: "SigV4",
      CipherSuite: caller.tls12 === true ? "ECDHE-RSA-AES128-GCM-SHA256" : "TLS_AES_128_GCM_SHA256",
      bytesTransferredIn: name === "PutObject" ? bytes : 0,
      AuthenticationMethod: "AuthHeader",
      bytesTransferredOut: name === "GetObject" ? bytes : 0,
    },
    resources: [
      { type: "AWS::S3::Object", ARN: `arn:aws:s3:::${bucket}/${key}` },
      { accountId: ACCOUNT, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` },
    ],
    readOnly: name !== "PutObject",
    data: true,
    host,
    userAgent: `[${caller.userAgent}]`,
    requestId: rng.chars("0123456789ABCDEF", 16),
  };
}

// ---------------------------------------------------------------------------------------------
// The estate's resources and client strings.

/** CI's build cache and artifacts. */
export const ARTIFACTS_BUCKET = `ci-artifacts-${ACCOUNT}`;
/** The order exports the batch workers read (and the stolen credentials download in story c). */
export const DATA_BUCKET = `orders-data-${ACCOUNT}`;
/** Where the batch workers write their reports. */
export const REPORTS_BUCKET = `orders-reports-${ACCOUNT}`;
const JOBS_QUEUE = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/batch-jobs`;
const ORDERS_QUEUE = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/order-events`;
const STACKS = ["orders-api", "orders-batch", "orders-webhook"] as const;
const VOLUMES = [
  "vol-0b3f8e2a91c4d5e67",
  "vol-07d1c9a3e5b2f8041",
  "vol-0e6a2d4f8b1c3e597",
  "vol-03c8b5e1a7d9f2460",
];
const DETECTOR_ID = "a2c5e8f1b4d7a0c3e6f9b2d5a8c1e4f7";

const CLI_V2 = (command: string) =>
  `aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#5.15.0-1057-azure md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off md/command#${command}`;
const DOCKER_UA =
  "docker/24.0.7 go/go1.20.10 git-commit/311b9ff kernel/5.15.0-1057-azure os/linux arch/amd64 UpstreamClient(Docker-Client/24.0.7 \\(linux\\))";
const NODE_SDK = (api: string) =>
  `aws-sdk-js/3.614.0 ua/2.1 os/linux#5.10.225-213.878.amzn2.x86_64 lang/js md/nodejs#20.15.1 api/${api}#3.614.0 exec-env/AWS_ECS_FARGATE`;
const BOTO3 =
  "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#6.1.82-99.168.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.84";
const LAMBDA_SDK = (api: string) =>
  `aws-sdk-js/3.592.0 ua/2.1 os/linux#5.10.219-229.866.amzn2.x86_64 lang/js md/nodejs#20.14.0 api/${api}#3.592.0 exec-env/AWS_Lambda_nodejs20.x`;
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0";
const CHROME =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36";
const ATTACKER_CLI = (command: string) =>
  `aws-cli/2.13.25 Python/3.11.5 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023 prompt/off command/${command}`;
const LAPTOP_CLI = "aws-cli/1.18.69 Python/3.8.10 Linux/5.15.0-91-generic botocore/1.17.46";

// ---------------------------------------------------------------------------------------------
// Where the stories happen in a week (offsets from the week's Monday 00:00 UTC).

/** When the stories of the week starting at `weekStart` happen (UTC epoch ms). */
export function storyTimes(weekStart: number) {
  const friday = weekStart + 4 * DAY;
  const saturday = weekStart + 5 * DAY;
  const attack = berlinAt(saturday, 3, 14) + 7 * SECOND;
  return {
    /** d: inside Friday's nightly automation run. */
    escalation: friday + 2 * HOUR + 14 * SECOND,
    /** b: Friday mid-morning. */
    secretRead: friday + 10 * HOUR + 42 * MINUTE + 17 * SECOND,
    /** c: Friday evening. */
    exfiltration: friday + 21 * HOUR + 37 * MINUTE + 12 * SECOND,
    /** a: Saturday 03:14 Berlin time. */
    discovery: attack,
    /** e: at the end of the discovery burst; the trail is silent until someone restarts it. */
    stopLogging: attack + 231 * SECOND,
    restartLogging: berlinAt(saturday, 7, 12) + 41 * SECOND,
  };
}

// ---------------------------------------------------------------------------------------------
// Actors of ordinary activity.

/** Receives the calls an actor makes. */
interface Sink {
  readonly rng: Random;
  call(call: ApiCall): void;
}

/** Plans the calls an actor starts in [from, to); calls may run past `to` but never before `from`. */
interface Actor {
  plan(from: number, to: number, sink: Sink): void;
}

/** Options of a generated trail. */
export interface TrailOptions {
  /** A Monday 00:00 UTC. */
  readonly start: number;
  readonly days: number;
  readonly seed?: number;
  /** Multiplies the volume of the app and batch traffic (1 = the demo's few thousand records a week). */
  readonly scale?: number;
  /** Weave the five attack stories into every week (default true). */
  readonly stories?: boolean;
  /**
   * Route the orders service's DynamoDB and SQS calls through their own endpoints, as AWS does (one
   * endpoint per service), instead of all through {@link SECRETS_ENDPOINT} (default false).
   */
  readonly endpointPerService?: boolean;
}

// CI ----------------------------------------------------------------------------------------------

function ciCaller(ip: string, command: string): Caller {
  return { identity: iamUserIdentity(CI_USER, CI_KEY), ip, userAgent: CLI_V2(command) };
}

class CiPipeline implements Actor {
  #build = 4100;
  constructor(private readonly scale: number) {}

  plan(from: number, to: number, sink: Sink): void {
    for (let hour = from; hour < to; hour += HOUR) {
      const local = berlin(hour);
      if (!isWeekday(local.weekday) || local.hour < 7 || local.hour > 19) continue;
      const lastMinute = local.hour === 19 ? 30 : 60;
      const perHour = 1.1 * Math.sqrt(this.scale);
      for (
        let t = hour + sink.rng.wait(HOUR / perHour);
        t < hour + lastMinute * MINUTE;
        t += sink.rng.wait(HOUR / perHour)
      ) {
        this.#runBuild(Math.floor(t), sink);
      }
    }
  }

  #runBuild(start: number, sink: Sink): void {
    const { rng } = sink;
    const build = this.#build++;
    const ip = rng.pick(CI_RUNNERS);
    const stack = rng.pick(STACKS);
    const sha = rng.hex(12);
    let t = start;
    const step = (min: number, max: number) => {
      t += rng.int(min, max) * SECOND;
      return t;
    };
    sink.call({
      at: t,
      caller: ciCaller(ip, "sts.get-caller-identity"),
      source: "sts.amazonaws.com",
      name: "GetCallerIdentity",
      readOnly: true,
    });
    const cacheKey = `cache/${stack}/node_modules-${rng.hex(16)}.tar.zst`;
    sink.call(
      s3ObjectCall(
        step(4, 15),
        ciCaller(ip, "s3.cp"),
        "GetObject",
        ARTIFACTS_BUCKET,
        cacheKey,
        rng.int(4e7, 9e7),
        rng,
      ),
    );
    sink.call({
      at: step(60, 200),
      caller: ciCaller(ip, "ecr.get-login-password"),
      source: "ecr.amazonaws.com",
      name: "GetAuthorizationToken",
      request: { registryIds: [ACCOUNT] },
      readOnly: true,
    });
    sink.call({
      at: step(20, 70),
      caller: ciCaller(ip, "ecr.get-login-password"),
      source: "ecr.amazonaws.com",
      name: "PutImage",
      request: {
        repositoryName: stack,
        imageTag: sha,
        registryId: ACCOUNT,
        imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json",
      },
      response: {
        image: {
          registryId: ACCOUNT,
          repositoryName: stack,
          imageId: { imageDigest: `sha256:${rng.hex(64)}`, imageTag: sha },
        },
      },
      readOnly: false,
      userAgent: DOCKER_UA,
      host: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`,
    });
    const artifact = `builds/${stack}/${build}/template.json`;
    sink.call(
      s3ObjectCall(
        step(2, 8),
        ciCaller(ip, "s3.cp"),
        "PutObject",
        ARTIFACTS_BUCKET,
        artifact,
        rng.int(8e3, 4e4),
        rng,
      ),
    );
    if (rng.chance(0.35)) return; // a build of a branch: no deployment
    const stackId = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack}/${Random.of(stack).uuid()}`;
    const describe = (at: number) =>
      sink.call({
        at,
        caller: ciCaller(ip, "cloudformation.describe-stacks"),
        source: "cloudformation.amazonaws.com",
        name: "DescribeStacks",
        request: { stackName: stack },
        readOnly: true,
      });
    describe(step(1, 3));
    const unchanged = rng.chance(0.1);
    sink.call({
      at: step(1, 3),
      caller: ciCaller(ip, "cloudformation.update-stack"),
      source: "cloudformation.amazonaws.com",
      name: "UpdateStack",
      request: {
        stackName: stack,
        templateURL: `https://${ARTIFACTS_BUCKET}.s3.${REGION}.amazonaws.com/${artifact}`,
        parameters: [{ parameterKey: "ImageTag", parameterValue: sha }],
        capabilities: ["CAPABILITY_IAM"],
      },
      response: unchanged ? null : { stackId },
      ...(unchanged
        ? { error: { code: "ValidationError", message: "No updates are to be performed." } }
        : {}),
      readOnly: false,
    });
    if (unchanged) return;
    const polls = rng.int(2, 5);
    for (let i = 0; i < polls; i++) describe(step(15, 30));
    if (stack !== "orders-webhook") return;
    sink.call({
      at: step(2, 6),
      caller: ciCaller(ip, "lambda.update-function-code"),
      source: "lambda.amazonaws.com",
      name: "UpdateFunctionCode20150331v2",
      request: {
        functionName: "orders-webhook",
        imageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/orders-webhook:${sha}`,
        publish: false,
        dryRun: false,
      },
      response: {
        functionName: "orders-webhook",
        functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:orders-webhook`,
        role: roleArn("orders-webhook"),
        packageType: "Image",
        state: "Active",
        lastUpdateStatus: "InProgress",
      },
      readOnly: false,
    });
  }
}

// Orders API (ECS task role) ---------------------------------------------------------------------

const TASK_IPS = [
  ["10.0.1.37", "10.0.2.114", "10.0.3.201"],
  ["10.0.1.88", "10.0.2.45", "10.0.3.162"],
] as const;

interface OrdersTask {
  readonly id: string;
  readonly ip: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The orders service runs three Fargate tasks; a deployment every Tuesday 11:20 UTC replaces them
 * (new task ids, the other set of subnet addresses). Task credentials are re-issued every hour.
 */
class OrdersTasks {
  constructor(private readonly epoch: number) {}

  deployTime(generation: number): number {
    return this.epoch + DAY + 11 * HOUR + 20 * MINUTE + generation * WEEK;
  }

  generationAt(t: number): number {
    return Math.floor((t - this.deployTime(0)) / WEEK);
  }

  tasks(generation: number): OrdersTask[] {
    const ips = TASK_IPS[((generation % 2) + 2) % 2] ?? TASK_IPS[0];
    return ips.map((ip, i) => ({
      id: Random.of(`orders-task|${generation}|${i}`).hex(32),
      ip,
      start: this.deployTime(generation) + i * 45 * SECOND,
      end: this.deployTime(generation + 1) + 3 * MINUTE + i * 45 * SECOND,
    }));
  }

  /** The tasks running at `t` (during a deployment, old and new). */
  liveAt(t: number): OrdersTask[] {
    const g = this.generationAt(t);
    return [...this.tasks(g - 1), ...this.tasks(g)].filter((task) => task.start <= t && t < task.end);
  }

  caller(task: OrdersTask, t: number, endpoint: string, api: string): Caller {
    const k = Math.floor((t - task.start) / HOUR);
    const session: RoleSession = {
      roleName: "orders-api",
      sessionName: task.id,
      accessKeyId: awsId("ASIA", `orders|${task.id}|${k}`),
      creationDate: task.start + k * HOUR,
    };
    return {
      identity: roleSessionIdentity(session),
      ip: task.ip,
      userAgent: NODE_SDK(api),
      vpcEndpointId: endpoint,
    };
  }
}

class OrdersApi implements Actor {
  readonly #dynamodb: string;
  readonly #sqs: string;

  constructor(
    private readonly tasks: OrdersTasks,
    private readonly scale: number,
    endpointPerService: boolean,
  ) {
    this.#dynamodb = endpointPerService ? DYNAMODB_ENDPOINT : SECRETS_ENDPOINT;
    this.#sqs = endpointPerService ? SQS_ENDPOINT : SECRETS_ENDPOINT;
  }

  plan(from: number, to: number, sink: Sink): void {
    const { rng } = sink;
    for (let hour = from; hour < to; hour += HOUR) {
      const local = berlin(hour);
      const daytime =
        local.hour >= 8 && local.hour < 21 ? 1 : local.hour >= 6 && local.hour < 23 ? 0.55 : 0.2;
      const perHour = 13 * daytime * (isWeekday(local.weekday) ? 1 : 0.7) * this.scale;
      for (let t = hour + rng.wait(HOUR / perHour); t < hour + HOUR; t += rng.wait(HOUR / perHour)) {
        this.#request(Math.floor(t), sink);
      }
      if (rng.chance(0.05)) this.#denied(hour + rng.int(0, HOUR - 1), sink);
      this.#secretReads(hour, hour + HOUR, sink);
    }
  }

  #task(t: number, rng: Random): OrdersTask | undefined {
    const live = this.tasks.liveAt(t);
    return live.length === 0 ? undefined : rng.pick(live);
  }

  #request(t: number, sink: Sink): void {
    const { rng } = sink;
    const task = this.#task(t, rng);
    if (task === undefined) return;
    const orderKey = { orderId: "HIDDEN_DUE_TO_SECURITY_REASONS" };
    const table = {
      accountId: ACCOUNT,
      type: "AWS::DynamoDB::Table",
      ARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`,
    };
    sink.call({
      at: t,
      caller: this.tasks.caller(task, t, this.#dynamodb, "dynamodb"),
      source: "dynamodb.amazonaws.com",
      name: "GetItem",
      request: { tableName: "orders", key: orderKey, consistentRead: false },
      resources: [table],
      readOnly: true,
      data: true,
    });
    if (rng.chance(0.55)) return;
    const put = t + rng.int(0, 1) * SECOND;
    sink.call({
      at: put,
      caller: this.tasks.caller(task, put, this.#dynamodb, "dynamodb"),
      source: "dynamodb.amazonaws.com",
      name: "PutItem",
      request: { tableName: "orders", key: orderKey, conditionExpression: "attribute_not_exists(orderId)" },
      resources: [table],
      readOnly: false,
      data: true,
    });
    const send = put + rng.int(0, 1) * SECOND;
    sink.call({
      at: send,
      caller: this.tasks.caller(task, send, this.#sqs, "sqs"),
      source: "sqs.amazonaws.com",
      name: "SendMessage",
      request: { queueUrl: ORDERS_QUEUE, messageBody: "HIDDEN_DUE_TO_SECURITY_REASONS" },
      response: { messageId: rng.uuid() },
      resources: [
        { accountId: ACCOUNT, type: "AWS::SQS::Queue", ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:order-events` },
      ],
      readOnly: false,
      data: true,
    });
  }

  /** An occasional, isolated AccessDenied: the app looks up an archived order in a table it may not read. */
  #denied(t: number, sink: Sink): void {
    const task = this.#task(t, sink.rng);
    if (task === undefined) return;
    const caller = this.tasks.caller(task, t, this.#dynamodb, "dynamodb");
    const archive = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders-archive`;
    sink.call({
      at: t,
      caller,
      source: "dynamodb.amazonaws.com",
      name: "GetItem",
      request: {
        tableName: "orders-archive",
        key: { orderId: "HIDDEN_DUE_TO_SECURITY_REASONS" },
        consistentRead: false,
      },
      resources: [{ accountId: ACCOUNT, type: "AWS::DynamoDB::Table", ARN: archive }],
      error: { code: "AccessDenied", message: notAuthorized(caller, "dynamodb:GetItem", archive) },
      readOnly: true,
      data: true,
    });
  }

  /** Each task reads the database secret when it starts and every six hours after (its cache lifetime). */
  #secretReads(from: number, to: number, sink: Sink): void {
    const g = this.tasks.generationAt(from);
    for (const task of [...this.tasks.tasks(g - 1), ...this.tasks.tasks(g), ...this.tasks.tasks(g + 1)]) {
      const first = task.start + 4 * SECOND;
      const n = Math.max(0, Math.ceil((from - first) / (6 * HOUR)));
      for (let t = first + n * 6 * HOUR; t < to && t < task.end; t += 6 * HOUR) {
        if (t < from) continue;
        const byArn = Random.of(`secret-form|${task.id}|${t}`).chance(0.3);
        sink.call(
          secretRead(
            t,
            this.tasks.caller(task, t, SECRETS_ENDPOINT, "secrets-manager"),
            byArn ? ORDERS_DB_SECRET_ARN : "prod/orders-db",
          ),
        );
      }
    }
  }
}

function secretRead(at: number, caller: Caller, secretId: string): ApiCall {
  return {
    at,
    caller,
    source: "secretsmanager.amazonaws.com",
    name: "GetSecretValue",
    request: { secretId },
    readOnly: true,
  };
}

// Batch worker (EC2 instance role) ---------------------------------------------------------------

interface BatchInstance {
  readonly id: string;
  readonly launch: number;
}

/** Instance-role credentials of a batch instance at `t`: re-issued every six hours after launch. */
function batchCaller(
  instance: BatchInstance,
  t: number,
  via: { ip: string; userAgent: string; tls12?: boolean },
): Caller {
  const k = Math.floor((t - instance.launch) / (6 * HOUR));
  const session: RoleSession = {
    roleName: "batch-worker",
    sessionName: instance.id,
    accessKeyId: awsId("ASIA", `batch|${instance.id}|${k}`),
    creationDate: instance.launch + k * 6 * HOUR + 2 * MINUTE,
    ec2RoleDelivery: "2.0",
  };
  return { identity: roleSessionIdentity(session), ...via };
}

class BatchWorker implements Actor {
  #next: number;
  #report = 0;

  constructor(
    readonly instances: readonly BatchInstance[],
    private readonly scale: number,
    start: number,
  ) {
    this.#next = start + 7 * MINUTE + 31 * SECOND;
  }

  plan(_from: number, to: number, sink: Sink): void {
    const { rng } = sink;
    while (this.#next < to) {
      this.#run(this.#next, sink);
      this.#next += Math.floor((rng.int(10 * 60, 30 * 60) * SECOND) / this.scale);
    }
  }

  #run(start: number, sink: Sink): void {
    const { rng } = sink;
    const instance = rng.pick(this.instances);
    const via = { ip: BATCH_NAT_IP, userAgent: BOTO3 };
    const queue = {
      accountId: ACCOUNT,
      type: "AWS::SQS::Queue",
      ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:batch-jobs`,
    };
    sink.call({
      at: start,
      caller: batchCaller(instance, start, via),
      source: "sqs.amazonaws.com",
      name: "ReceiveMessage",
      request: { queueUrl: JOBS_QUEUE, maxNumberOfMessages: 1, waitTimeSeconds: 20 },
      resources: [queue],
      readOnly: true,
      data: true,
    });
    if (rng.chance(0.15)) return; // empty poll
    const day = isoSeconds(start).slice(0, 10).replaceAll("-", "/");
    const name = `orders-${String(this.#report++).padStart(5, "0")}`;
    let t = start + rng.int(1, 3) * SECOND;
    sink.call(
      s3ObjectCall(
        t,
        batchCaller(instance, t, via),
        "GetObject",
        DATA_BUCKET,
        `exports/${day}/${name}.parquet`,
        rng.int(2e6, 6e7),
        rng,
      ),
    );
    t += rng.int(20, 90) * SECOND;
    sink.call(
      s3ObjectCall(
        t,
        batchCaller(instance, t, via),
        "PutObject",
        REPORTS_BUCKET,
        `daily/${day}/${name}.csv`,
        rng.int(1e5, 2e6),
        rng,
      ),
    );
    t += rng.int(0, 1) * SECOND;
    sink.call({
      at: t,
      caller: batchCaller(instance, t, via),
      source: "sqs.amazonaws.com",
      name: "DeleteMessage",
      request: { queueUrl: JOBS_QUEUE, receiptHandle: "HIDDEN_DUE_TO_SECURITY_REASONS" },
      resources: [queue],
      readOnly: false,
      data: true,
    });
  }
}

// Ops automation (Lambda role) -------------------------------------------------------------------

/** The automation Lambda's session on the night starting at `night` (a cold start every night). */
function automationCaller(night: number, api: string): Caller {
  const session: RoleSession = {
    roleName: "ops-automation",
    sessionName: "ops-automation",
    accessKeyId: awsId("ASIA", `automation|${night}`),
    creationDate: night + 2 * HOUR + SECOND,
  };
  return { identity: roleSessionIdentity(session), ip: AUTOMATION_IP, userAgent: LAMBDA_SDK(api) };
}

class OpsAutomation implements Actor {
  plan(from: number, to: number, sink: Sink): void {
    const { rng } = sink;
    for (let night = Math.floor(from / DAY) * DAY; night < to; night += DAY) {
      const run = night + 2 * HOUR;
      if (run < from || run >= to) continue;
      let t = run + 2 * SECOND;
      sink.call({
        at: t,
        caller: automationCaller(night, "ssm"),
        source: "ssm.amazonaws.com",
        name: "GetParameter",
        request: { name: "/ops/snapshots/retention-days", withDecryption: false },
        readOnly: true,
      });
      t += SECOND;
      sink.call({
        at: t,
        caller: automationCaller(night, "ec2"),
        source: "ec2.amazonaws.com",
        name: "DescribeInstances",
        request: {
          instancesSet: {},
          filterSet: { items: [{ name: "tag:Backup", valueSet: { items: [{ value: "daily" }] } }] },
        },
        readOnly: true,
      });
      const date = isoSeconds(night).slice(0, 10);
      for (const volume of VOLUMES) {
        t += rng.int(0, 1) * SECOND;
        sink.call({
          at: t,
          caller: automationCaller(night, "ec2"),
          source: "ec2.amazonaws.com",
          name: "CreateSnapshot",
          request: { volumeId: volume, description: `nightly ${date}` },
          response: {
            requestId: rng.uuid(),
            snapshotId: `snap-0${rng.hex(16)}`,
            volumeId: volume,
            status: "pending",
            startTime: t,
            progress: "",
            ownerId: ACCOUNT,
            volumeSize: 50,
            encrypted: true,
          },
          readOnly: false,
        });
      }
      sink.call({
        at: t + SECOND,
        caller: automationCaller(night, "ec2"),
        source: "ec2.amazonaws.com",
        name: "DescribeSnapshots",
        request: {
          ownersSet: { items: [{ owner: "self" }] },
          filterSet: { items: [{ name: "description", valueSet: { items: [{ value: "nightly *" }] } }] },
        },
        readOnly: true,
      });
    }
  }
}

// Engineers (IAM users, console with MFA) --------------------------------------------------------

interface Engineer {
  readonly userName: string;
  readonly ip: string;
  readonly browser: string;
  /** What this engineer looks at in the console: [event source, event name, region, request]. */
  readonly views: ReadonlyArray<readonly [string, string, string, JsonObject | null]>;
}

const ENGINEERS: readonly Engineer[] = [
  {
    userName: "anna.keller",
    ip: "192.0.2.44",
    browser: FIREFOX,
    views: [
      ["ec2.amazonaws.com", "DescribeInstances", REGION, { instancesSet: {}, filterSet: {} }],
      ["ec2.amazonaws.com", "DescribeSecurityGroups", REGION, { securityGroupSet: {}, filterSet: {} }],
      ["ec2.amazonaws.com", "DescribeVpcs", REGION, { vpcSet: {}, filterSet: {} }],
      ["cloudformation.amazonaws.com", "DescribeStacks", REGION, null],
      [
        "cloudformation.amazonaws.com",
        "ListStacks",
        REGION,
        { stackStatusFilter: ["UPDATE_COMPLETE", "CREATE_COMPLETE"] },
      ],
      ["iam.amazonaws.com", "ListRoles", "us-east-1", { maxItems: 100 }],
      ["iam.amazonaws.com", "GetRole", "us-east-1", { roleName: "orders-api" }],
      ["logs.amazonaws.com", "DescribeLogGroups", REGION, { limit: 50 }],
      ["monitoring.amazonaws.com", "DescribeAlarms", REGION, { maxRecords: 100 }],
    ],
  },
  {
    userName: "jonas.weber",
    ip: "192.0.2.71",
    browser: CHROME,
    views: [
      ["dynamodb.amazonaws.com", "ListTables", REGION, null],
      ["dynamodb.amazonaws.com", "DescribeTable", REGION, { tableName: "orders" }],
      ["sqs.amazonaws.com", "ListQueues", REGION, null],
      ["sqs.amazonaws.com", "GetQueueAttributes", REGION, { queueUrl: JOBS_QUEUE, attributeNames: ["All"] }],
      ["s3.amazonaws.com", "ListBuckets", REGION, null],
      ["ecs.amazonaws.com", "ListServices", REGION, { cluster: "orders" }],
      ["ecs.amazonaws.com", "DescribeServices", REGION, { cluster: "orders", services: ["orders-api"] }],
      ["iam.amazonaws.com", "ListUsers", "us-east-1", null],
      ["logs.amazonaws.com", "DescribeLogGroups", REGION, { limit: 50 }],
    ],
  },
];

class Engineers implements Actor {
  constructor(private readonly epoch: number) {}

  plan(from: number, to: number, sink: Sink): void {
    for (let hour = from; hour < to; hour += HOUR) {
      const local = berlin(hour);
      if (!isWeekday(local.weekday) || local.hour !== 8) continue;
      const day = Math.floor(hour / DAY) * DAY;
      for (const engineer of ENGINEERS) {
        this.#session(engineer, berlinAt(day, 8, sink.rng.int(30, 89)), day === this.epoch, sink);
        if (sink.rng.chance(0.3))
          this.#session(engineer, berlinAt(day, 13, sink.rng.int(30, 89)), false, sink);
      }
    }
  }

  #session(engineer: Engineer, login: number, tour: boolean, sink: Sink): void {
    const { rng } = sink;
    const signIn: Caller = {
      identity: iamUserIdentity(engineer.userName, undefined),
      ip: engineer.ip,
      userAgent: engineer.browser,
    };
    sink.call({
      at: login,
      caller: signIn,
      source: "signin.amazonaws.com",
      name: "ConsoleLogin",
      region: "us-east-1",
      response: { ConsoleLogin: "Success" },
      additional: {
        LoginTo:
          "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1",
        MobileVersion: "No",
        MFAIdentifier: `arn:aws:iam::${ACCOUNT}:mfa/${engineer.userName}`,
        MFAUsed: "Yes",
      },
      readOnly: false,
      eventType: "AwsConsoleSignIn",
      requestId: null,
    });
    const caller: Caller = {
      identity: iamUserIdentity(engineer.userName, awsId("ASIA", `console|${engineer.userName}|${login}`), {
        creationDate: login,
        mfa: true,
      }),
      ip: engineer.ip,
      userAgent: engineer.browser,
      console: true,
    };
    const views = tour
      ? engineer.views
      : Array.from({ length: rng.int(6, 18) }, () => rng.pick(engineer.views));
    let t = login + rng.int(5, 20) * SECOND;
    for (const [source, name, region, request] of views) {
      sink.call({ at: t, caller, source, name, region, request, readOnly: true });
      t += rng.int(10, 300) * SECOND;
    }
  }
}

// SSO admin (IAM Identity Center permission set) -------------------------------------------------

const SSO_USER = "lena.fischer@example.com";
const SSO_IP = "192.0.2.80";

function ssoCaller(issued: number): Caller {
  const session: RoleSession = {
    roleName: SSO_ROLE,
    path: `/aws-reserved/sso.amazonaws.com/${REGION}/`,
    sessionName: SSO_USER,
    accessKeyId: awsId("ASIA", `sso|${issued}`),
    creationDate: issued,
  };
  return { identity: roleSessionIdentity(session), ip: SSO_IP, userAgent: CHROME, console: true };
}

const SSO_VIEWS: ReadonlyArray<readonly [string, string, string, JsonObject | null]> = [
  ["guardduty.amazonaws.com", "ListDetectors", REGION, null],
  ["guardduty.amazonaws.com", "ListFindings", REGION, { detectorId: DETECTOR_ID, maxResults: 50 }],
  ["cloudtrail.amazonaws.com", "DescribeTrails", REGION, { includeShadowTrails: false }],
  ["cloudtrail.amazonaws.com", "GetTrailStatus", REGION, { name: TRAIL_ARN }],
  ["iam.amazonaws.com", "GetAccountSummary", "us-east-1", null],
  ["config.amazonaws.com", "DescribeConfigRules", REGION, null],
];

class SsoAdmin implements Actor {
  constructor(private readonly epoch: number) {}

  plan(from: number, to: number, sink: Sink): void {
    const { rng } = sink;
    for (let hour = from; hour < to; hour += HOUR) {
      const local = berlin(hour);
      if (!isWeekday(local.weekday) || local.hour !== 14) continue;
      const day = Math.floor(hour / DAY) * DAY;
      const first = day === this.epoch;
      if (!first && !rng.chance(0.6)) continue;
      const issued = berlinAt(day, 14, rng.int(0, 40));
      const caller = ssoCaller(issued);
      const views = first ? SSO_VIEWS : Array.from({ length: rng.int(3, 7) }, () => rng.pick(SSO_VIEWS));
      let t = issued + rng.int(20, 60) * SECOND;
      for (const [source, name, region, request] of views) {
        sink.call({ at: t, caller, source, name, region, request, readOnly: true });
        t += rng.int(15, 240) * SECOND;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The attack stories.

/** One attack woven into the demo trail, and what the report should say about it. */
export interface DemoStory {
  readonly id:
    | "ci-key-new-network"
    | "app-reads-foreign-secret"
    | "instance-credentials-outside-aws"
    | "automation-escalates"
    | "logging-disabled";
  readonly title: string;
  readonly description: string;
  /** The credential the exposure should be reported on: the key or role of the caller, or the secret read. */
  readonly credential: { readonly kind: CredentialKind; readonly id: string; readonly accessKeyId?: string };
  readonly principal: string;
  /** The signals that describe the story; the report should show at least the first. */
  readonly signals: readonly SignalId[];
  /** When the story starts in the demo week. */
  readonly at: string;
  /** The eventNames of the story's records. */
  readonly eventNames: readonly string[];
}

const DEMO_TIMES = storyTimes(DEMO_START);
const BATCH_INSTANCES = (start: number): BatchInstance[] => [
  { id: "i-0a7f3c9e2b4d61f08", launch: start - 3 * DAY - 4 * HOUR - 17 * MINUTE },
  { id: "i-04be19d7c3a5e2f96", launch: start - DAY - 9 * HOUR - 2 * MINUTE },
];
const STOLEN_INSTANCE = (start: number): BatchInstance => {
  const instance = BATCH_INSTANCES(start)[0];
  if (instance === undefined) throw new RangeError("no batch instance");
  return instance;
};

const DISCOVERY: ReadonlyArray<
  readonly [
    source: string,
    name: string,
    region: string,
    command: string,
    request: JsonObject | null,
    denied?: [string, string],
  ]
> = [
  ["iam.amazonaws.com", "ListUsers", "us-east-1", "iam.list-users", null],
  ["iam.amazonaws.com", "ListRoles", "us-east-1", "iam.list-roles", null],
  [
    "iam.amazonaws.com",
    "ListAttachedRolePolicies",
    "us-east-1",
    "iam.list-attached-role-policies",
    { roleName: "ops-automation" },
  ],
  ["s3.amazonaws.com", "ListBuckets", "us-east-1", "s3.ls", null],
  [
    "ec2.amazonaws.com",
    "DescribeRegions",
    REGION,
    "ec2.describe-regions",
    { regionSet: {}, allRegions: false },
  ],
  [
    "ec2.amazonaws.com",
    "DescribeInstances",
    REGION,
    "ec2.describe-instances",
    { instancesSet: {}, filterSet: {} },
  ],
  [
    "ec2.amazonaws.com",
    "DescribeInstances",
    "us-west-2",
    "ec2.describe-instances",
    { instancesSet: {}, filterSet: {} },
  ],
  ["lambda.amazonaws.com", "ListFunctions20150331", REGION, "lambda.list-functions", null],
  [
    "secretsmanager.amazonaws.com",
    "ListSecrets",
    REGION,
    "secretsmanager.list-secrets",
    null,
    ["AccessDenied", "secretsmanager:ListSecrets"],
  ],
  [
    "rds.amazonaws.com",
    "DescribeDBInstances",
    REGION,
    "rds.describe-db-instances",
    null,
    ["AccessDenied", "rds:DescribeDBInstances"],
  ],
  ["kms.amazonaws.com", "ListKeys", REGION, "kms.list-keys", null, ["AccessDenied", "kms:ListKeys"]],
  [
    "dynamodb.amazonaws.com",
    "ListTables",
    REGION,
    "dynamodb.list-tables",
    null,
    ["AccessDenied", "dynamodb:ListTables"],
  ],
  [
    "organizations.amazonaws.com",
    "DescribeOrganization",
    "us-east-1",
    "organizations.describe-organization",
    null,
    ["AccessDeniedException", "organizations:DescribeOrganization"],
  ],
  ["sqs.amazonaws.com", "ListQueues", REGION, "sqs.list-queues", null],
  ["ecr.amazonaws.com", "DescribeRepositories", REGION, "ecr.describe-repositories", null],
  ["guardduty.amazonaws.com", "ListDetectors", REGION, "guardduty.list-detectors", null],
  ["cloudtrail.amazonaws.com", "DescribeTrails", REGION, "cloudtrail.describe-trails", null],
];

/** The five attack stories of the demo week, with the credential each should surface on. */
export const STORIES: readonly DemoStory[] = [
  {
    id: "ci-key-new-network",
    title: "CI key used from a new network at night",
    description:
      "svc-ci's access key, normally used by CI runners in 203.0.113.0/24 on weekdays, calls GetCallerIdentity from 198.51.100.23 at 03:14 Berlin time on a Saturday, then enumerates IAM, S3, EC2 (also us-west-2), Secrets Manager, Lambda, RDS, KMS, DynamoDB, Organizations, SQS, ECR, GuardDuty and CloudTrail within four minutes, with five AccessDenied errors.",
    credential: { kind: "access-key", id: CI_KEY },
    principal: `arn:aws:iam::${ACCOUNT}:user/${CI_USER}`,
    signals: [
      "unexpected-source",
      "outside-window",
      "new-source",
      "discovery-burst",
      "failures-then-success",
      "unexpected-region",
    ],
    at: isoSeconds(DEMO_TIMES.discovery),
    eventNames: ["GetCallerIdentity", ...new Set(DISCOVERY.map(([, name]) => name))],
  },
  {
    id: "app-reads-foreign-secret",
    title: "App role reads a secret it never reads",
    description:
      "An orders-api task session reads prod/payments-api-key (full ARN) through the usual Secrets Manager endpoint; only the payments-api role may read that secret.",
    credential: { kind: "secret", id: PAYMENTS_SECRET_ARN },
    principal: ORDERS_ROLE_ARN,
    signals: ["secret-read-unapproved"],
    at: isoSeconds(DEMO_TIMES.secretRead),
    eventNames: ["GetSecretValue"],
  },
  {
    id: "instance-credentials-outside-aws",
    title: "Instance credentials used outside AWS",
    description:
      "The temporary key of a live batch-worker instance session (same instance id and creationDate) is used from 45.155.205.233, outside AWS, with an old aws-cli on a laptop: GetCallerIdentity, ListBuckets, GetObject on the data bucket, while the instance keeps working from its NAT address.",
    credential: {
      kind: "role-session",
      id: BATCH_ROLE_ARN,
      accessKeyId: String(
        batchCaller(STOLEN_INSTANCE(DEMO_START), DEMO_TIMES.exfiltration, {
          ip: EXFIL_IP,
          userAgent: LAPTOP_CLI,
        }).identity.accessKeyId,
      ),
    },
    principal: BATCH_ROLE_ARN,
    signals: ["credential-exfiltration", "unexpected-source", "new-source"],
    at: isoSeconds(DEMO_TIMES.exfiltration),
    eventNames: ["GetCallerIdentity", "ListBuckets", "GetObject"],
  },
  {
    id: "automation-escalates",
    title: "Automation role grants itself admin and creates a key for another user",
    description:
      "During its nightly run the ops-automation Lambda attaches AdministratorAccess to its own role, then creates an access key for the user svc-backup (persistence), from its usual Lambda address.",
    credential: { kind: "role-session", id: AUTOMATION_ROLE_ARN },
    principal: AUTOMATION_ROLE_ARN,
    signals: ["privilege-escalation", "persistence"],
    at: isoSeconds(DEMO_TIMES.escalation),
    eventNames: ["AttachRolePolicy", "CreateAccessKey"],
  },
  {
    id: "logging-disabled",
    title: "Logging turned off",
    description:
      "The same attacker (CI key from 198.51.100.23) deletes the GuardDuty detector and stops the CloudTrail trail org-trail; the trail is silent until the SSO admin restarts it at 07:12 Berlin time.",
    credential: { kind: "access-key", id: CI_KEY },
    principal: `arn:aws:iam::${ACCOUNT}:user/${CI_USER}`,
    signals: ["logging-tampering"],
    at: isoSeconds(DEMO_TIMES.stopLogging - 25 * SECOND),
    eventNames: ["DeleteDetector", "StopLogging"],
  },
];

class Stories implements Actor {
  constructor(
    private readonly tasks: OrdersTasks,
    private readonly instance: BatchInstance,
    private readonly epoch: number,
  ) {}

  plan(from: number, to: number, sink: Sink): void {
    for (let week = Math.floor((from - this.epoch) / WEEK); this.epoch + week * WEEK < to; week++) {
      const times = storyTimes(this.epoch + week * WEEK);
      const inRange = (t: number) => t >= from && t < to;
      if (inRange(times.escalation)) this.#escalation(times.escalation, sink);
      if (inRange(times.secretRead)) this.#secretRead(times.secretRead, sink);
      if (inRange(times.exfiltration)) this.#exfiltration(times.exfiltration, sink);
      if (inRange(times.discovery)) this.#discovery(times.discovery, times.stopLogging, sink);
      if (inRange(times.restartLogging)) this.#restart(times.restartLogging, sink);
    }
  }

  #escalation(at: number, sink: Sink): void {
    const caller = automationCaller(Math.floor(at / DAY) * DAY, "iam");
    sink.call({
      at,
      caller,
      source: "iam.amazonaws.com",
      name: "AttachRolePolicy",
      region: "us-east-1",
      request: { roleName: "ops-automation", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
      readOnly: false,
    });
    const key = awsId("AKIA", `svc-backup|${at}`);
    const createDate = iamDate(at + 5 * SECOND);
    sink.call({
      at: at + 5 * SECOND,
      caller,
      source: "iam.amazonaws.com",
      name: "CreateAccessKey",
      region: "us-east-1",
      request: { userName: "svc-backup" },
      response: { accessKey: { userName: "svc-backup", accessKeyId: key, status: "Active", createDate } },
      readOnly: false,
    });
  }

  #secretRead(at: number, sink: Sink): void {
    const task = this.tasks.liveAt(at)[1] ?? this.tasks.liveAt(at)[0];
    if (task === undefined) return;
    sink.call(
      secretRead(at, this.tasks.caller(task, at, SECRETS_ENDPOINT, "secrets-manager"), PAYMENTS_SECRET_ARN),
    );
  }

  #exfiltration(at: number, sink: Sink): void {
    const { rng } = sink;
    const via = { ip: EXFIL_IP, userAgent: LAPTOP_CLI, tls12: true };
    sink.call({
      at,
      caller: batchCaller(this.instance, at, via),
      source: "sts.amazonaws.com",
      name: "GetCallerIdentity",
      region: "us-east-1",
      host: "sts.amazonaws.com",
      readOnly: true,
    });
    let t = at + 24 * SECOND;
    sink.call({
      at: t,
      caller: batchCaller(this.instance, t, via),
      source: "s3.amazonaws.com",
      name: "ListBuckets",
      region: "us-east-1",
      host: "s3.amazonaws.com",
      readOnly: true,
    });
    for (const day of ["2026/02/27", "2026/03/02", "2026/03/03", "2026/03/04"]) {
      t += rng.int(8, 30) * SECOND;
      const key = `exports/${day}/orders-full.parquet`;
      sink.call(
        s3ObjectCall(
          t,
          batchCaller(this.instance, t, via),
          "GetObject",
          DATA_BUCKET,
          key,
          rng.int(3e8, 9e8),
          rng,
        ),
      );
    }
  }

  #discovery(at: number, stop: number, sink: Sink): void {
    const caller = (command: string): Caller => ({
      identity: iamUserIdentity(CI_USER, CI_KEY),
      ip: ATTACKER_IP,
      userAgent: ATTACKER_CLI(command),
    });
    sink.call({
      at,
      caller: caller("sts.get-caller-identity"),
      source: "sts.amazonaws.com",
      name: "GetCallerIdentity",
      region: "us-east-1",
      host: "sts.amazonaws.com",
      readOnly: true,
    });
    let t = at + 19 * SECOND;
    for (const [source, name, region, command, request, denied] of DISCOVERY) {
      const who = caller(command);
      const host = source === "s3.amazonaws.com" ? "s3.amazonaws.com" : undefined;
      sink.call({
        at: t,
        caller: who,
        source,
        name,
        region,
        request,
        readOnly: true,
        ...(host === undefined ? {} : { host }),
        ...(denied === undefined
          ? {}
          : { error: { code: denied[0], message: notAuthorized(who, denied[1]) } }),
      });
      t += sink.rng.int(6, 13) * SECOND;
    }
    sink.call({
      at: stop - 25 * SECOND,
      caller: caller("guardduty.delete-detector"),
      source: "guardduty.amazonaws.com",
      name: "DeleteDetector",
      request: { detectorId: DETECTOR_ID },
      readOnly: false,
    });
    sink.call({
      at: stop,
      caller: caller("cloudtrail.stop-logging"),
      source: "cloudtrail.amazonaws.com",
      name: "StopLogging",
      request: { name: TRAIL_ARN },
      readOnly: false,
    });
  }

  /** The on-call SSO admin notices the silent trail, restarts it and re-creates the detector. */
  #restart(at: number, sink: Sink): void {
    const caller = ssoCaller(at - 4 * MINUTE);
    const steps: Array<[string, string, JsonObject | null, JsonObject | null, boolean]> = [
      ["cloudtrail.amazonaws.com", "StartLogging", { name: TRAIL_ARN }, null, false],
      ["cloudtrail.amazonaws.com", "GetTrailStatus", { name: TRAIL_ARN }, null, true],
      ["guardduty.amazonaws.com", "ListDetectors", null, null, true],
      [
        "guardduty.amazonaws.com",
        "CreateDetector",
        { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES" },
        { detectorId: `b7${DETECTOR_ID.slice(2)}` },
        false,
      ],
    ];
    let t = at;
    for (const [source, name, request, response, readOnly] of steps) {
      sink.call({ at: t, caller, source, name, request, response, readOnly });
      t += sink.rng.int(20, 40) * SECOND;
    }
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** IAM's date format in responseElements, e.g. "Mar 6, 2026, 2:00:19 AM" (UTC). */
function iamDate(t: number): string {
  const d = new Date(t);
  const h = d.getUTCHours();
  const two = (n: number) => String(n).padStart(2, "0");
  const clock = `${h % 12 === 0 ? 12 : h % 12}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? "AM" : "PM"}`;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${clock}`;
}

// ---------------------------------------------------------------------------------------------
// The trail.

/**
 * Generates a trail in eventTime order, one record at a time (so a benchmark can stream millions).
 * Actors plan an hour at a time; a record is released once no later plan can precede it. Records
 * between a StopLogging and the StartLogging that follows are dropped, as the stopped trail would.
 */
export function* generateTrail(options: TrailOptions): Generator<TrailRecord> {
  const { start, days } = options;
  const end = start + days * DAY;
  const scale = options.scale ?? 1;
  const rng = new Random(options.seed ?? DEMO_SEED);
  const tasks = new OrdersTasks(start);
  const actors: Actor[] = [
    new OpsAutomation(),
    new CiPipeline(scale),
    new OrdersApi(tasks, scale, options.endpointPerService === true),
    new BatchWorker(BATCH_INSTANCES(start), scale, start),
    new Engineers(start),
    new SsoAdmin(start),
  ];
  if (options.stories !== false) actors.push(new Stories(tasks, STOLEN_INSTANCE(start), start));

  let pending: Array<{ t: number; seq: number; call: ApiCall }> = [];
  let seq = 0;
  const sink: Sink = {
    rng,
    call(call) {
      pending.push({ t: Math.floor(call.at / SECOND) * SECOND, seq: seq++, call });
    },
  };
  const silent = (t: number) => {
    if (options.stories === false) return false;
    const times = storyTimes(start + Math.floor((t - start) / WEEK) * WEEK);
    return t > times.stopLogging && t < times.restartLogging;
  };

  for (let hour = start; hour < end; hour += HOUR) {
    const to = hour + HOUR;
    for (const actor of actors) actor.plan(hour, to, sink);
    pending.sort((a, b) => a.t - b.t || a.seq - b.seq);
    const last = Math.min(to, end);
    let released = 0;
    while (released < pending.length && (pending[released]?.t ?? end) < last) released++;
    const ready = pending.slice(0, released);
    pending = to >= end ? [] : pending.slice(released);
    for (const item of ready) {
      if (!silent(item.t)) yield buildRecord(item.call, rng);
    }
  }
}

/** The demo trail: the week of 2026-03-02 with the five stories. */
export function demoTrail(): TrailRecord[] {
  return [...generateTrail({ start: DEMO_START, days: (DEMO_END - DEMO_START) / DAY })];
}

/** Serializes records as one S3 trail file document, a record per line. */
export function trailFileText(records: readonly TrailRecord[]): string {
  return `{"Records":[\n${records.map((r) => JSON.stringify(r)).join(",\n")}\n]}\n`;
}

function main(): void {
  const records = demoTrail();
  const target = fileURLToPath(new URL("./trail.json.gz", import.meta.url));
  const gz = gzipSync(trailFileText(records), { level: 9 });
  writeFileSync(target, gz);
  process.stdout.write(
    `wrote ${records.length} records (${(gz.length / 1024).toFixed(0)} KiB gzipped) to ${target}\n`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
