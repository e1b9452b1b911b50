import { show } from "../errors.ts";
import { type CredentialUse, param } from "../event.ts";
import { policyGrantees } from "../resource-policy.ts";
import { apiOf, describeActor, failure, refusedUnlogged } from "./describe.ts";
import { apisBySource, type Detection, type DetectionContext } from "./detection.ts";
import { describeGrantees, foreignGrantees } from "./estate.ts";
import { expectedChange } from "./expected-change.ts";

/** The caller's own IAM user name, when the caller is an IAM user (`arn:aws:iam::…:user/path/NAME`). */
function callerUserName(use: CredentialUse): string | undefined {
  const arn = use.principal.arn;
  return arn.includes(":user/") ? arn.slice(arn.lastIndexOf("/") + 1) : undefined;
}

/** "new access key for user "bob"" when the call targets a user other than the caller; else undefined. */
function forAnotherUser(what: string) {
  return (use: CredentialUse): string | undefined => {
    if (refusedUnlogged(use)) return `${what} for a user not logged (refused calls carry no request)`;
    const user = param(use, "userName");
    if (user === undefined || user === callerUserName(use)) return undefined;
    return `${what} for user ${show(user, 120)}`;
  };
}

/** The accounts outside the estate that a role's new or changed trust policy lets assume it. */
function externalTrust(use: CredentialUse, ctx: DetectionContext): string | undefined {
  const document = param(use, "assumeRolePolicyDocument") ?? param(use, "policyDocument");
  if (document === undefined) return undefined;
  const outside = foreignGrantees(policyGrantees(document), use, ctx);
  if (outside.length === 0) return undefined;
  const role = param(use, "roleName");
  return `role ${role === undefined ? "(name not logged)" : show(role, 120)} trusts ${describeGrantees(outside)}`;
}

function namedBy(label: string, ...keys: string[]) {
  return (use: CredentialUse): string => {
    for (const key of keys) {
      const value = param(use, key);
      if (value !== undefined) return `${label} ${show(value, 160)}`;
    }
    return `${label} (not logged)`;
  };
}

/**
 * One way of creating durable access. `routine` ones are what deployers, stacks and administrators
 * in the console do every day (users, keys for service users, identity providers); the others —
 * trust to an outside account, a root access key, a federation token — never are.
 */
interface PersistenceRule {
  readonly routine: boolean;
  readonly what: (use: CredentialUse, ctx: DetectionContext) => string | undefined;
}

const RULES: ReadonlyMap<string, PersistenceRule> = new Map(
  Object.entries({
    "iam.amazonaws.com:CreateAccessKey": {
      routine: true,
      what: (use) =>
        use.credential.kind === "root" && param(use, "userName") === undefined
          ? "new access key for the root user"
          : forAnotherUser("new access key")(use),
    },
    "iam.amazonaws.com:CreateLoginProfile": { routine: true, what: forAnotherUser("console password") },
    "iam.amazonaws.com:UpdateLoginProfile": { routine: true, what: forAnotherUser("new console password") },
    "iam.amazonaws.com:UploadSSHPublicKey": { routine: true, what: forAnotherUser("SSH public key") },
    "iam.amazonaws.com:CreateServiceSpecificCredential": {
      routine: true,
      what: forAnotherUser("service-specific credential"),
    },
    "iam.amazonaws.com:CreateUser": { routine: true, what: namedBy("new IAM user", "userName") },
    "iam.amazonaws.com:CreateRole": { routine: false, what: externalTrust },
    "iam.amazonaws.com:UpdateAssumeRolePolicy": { routine: false, what: externalTrust },
    "iam.amazonaws.com:CreateOpenIDConnectProvider": {
      routine: true,
      what: namedBy("new OpenID Connect identity provider", "url"),
    },
    "iam.amazonaws.com:AddClientIDToOpenIDConnectProvider": {
      routine: true,
      what: namedBy("new client of OpenID Connect provider", "openIDConnectProviderArn"),
    },
    "iam.amazonaws.com:UpdateOpenIDConnectProviderThumbprint": {
      routine: true,
      what: namedBy("new certificate thumbprints for OpenID Connect provider", "openIDConnectProviderArn"),
    },
    "iam.amazonaws.com:CreateSAMLProvider": {
      routine: true,
      what: namedBy("new SAML identity provider", "name"),
    },
    "iam.amazonaws.com:UpdateSAMLProvider": {
      routine: true,
      what: namedBy("new metadata for SAML provider", "sAMLProviderArn", "samlProviderArn"),
    },
    "rolesanywhere.amazonaws.com:CreateTrustAnchor": {
      routine: true,
      what: namedBy("new IAM Roles Anywhere trust anchor", "name"),
    },
    "rolesanywhere.amazonaws.com:UpdateTrustAnchor": {
      routine: true,
      what: namedBy("changed IAM Roles Anywhere trust anchor", "trustAnchorId"),
    },
    "rolesanywhere.amazonaws.com:CreateProfile": {
      routine: true,
      what: namedBy("new IAM Roles Anywhere profile", "name"),
    },
    "sts.amazonaws.com:GetFederationToken": {
      routine: false,
      what: (use) =>
        `${namedBy("federated session", "name")(use)}, which stays valid up to 36 hours even after the key is deactivated`,
    },
  }),
);

/** The calls this detection judges outside IAM (every IAM write reaches vigil anyway), by event source. */
export const PERSISTENCE_APIS: Readonly<Record<string, readonly string[]>> = apisBySource(
  [...RULES.keys()].filter((key) => !key.startsWith("iam.amazonaws.com:")),
);

/**
 * `persistence`: a credential creates a new way back in — an access key, console password, SSH key
 * or service credential for another user, a new IAM user, an identity provider (OIDC, SAML) or an IAM
 * Roles Anywhere trust anchor or profile, a role trust to an account outside the estate (or to any),
 * an access key for the root user, or a federation token that outlives the key it came from. Denied
 * attempts count too, worded as attempts. The routine ones (users, keys, providers, trust anchors)
 * stay quiet for declared deployers, CloudFormation and the console; outside trust, root keys and
 * federation tokens never do.
 */
export const persistence: Detection = {
  id: "persistence",
  title: "Created a new way back in",
  weight: 40,
  attack: ["T1098.001", "T1136.003", "T1098.003", "T1484.002", "T1550.001"],
  evaluate(use, ctx) {
    const rule = RULES.get(`${use.eventSource}:${use.eventName}`);
    if (rule === undefined) return undefined;
    // Root is never anybody's routine, whatever it does and wherever it does it.
    if (rule.routine && use.credential.kind !== "root" && expectedChange(use, ctx) !== undefined)
      return undefined;
    const what = rule.what(use, ctx);
    if (what === undefined) return undefined;
    const api = apiOf(use);
    const reason =
      use.errorCode === undefined
        ? `${describeActor(use)} called ${api}: ${what}`
        : `${describeActor(use)} attempted ${api}: ${what}, ${failure(use.errorCode)}`;
    return { id: "persistence", reason };
  },
};
