/**
 * The MITRE ATT&CK (Enterprise, v16) techniques vigil's signals are evidence of, with the tactics
 * they serve. Detections name them by id; the coverage table (docs/coverage.md) and the finding
 * formats (OCSF, ASFF) read the names from here, so a technique is spelled in one place.
 */

/** The ATT&CK tactics that cloud techniques serve, by id. */
export const ATTACK_TACTICS = {
  TA0001: "Initial Access",
  TA0002: "Execution",
  TA0003: "Persistence",
  TA0004: "Privilege Escalation",
  TA0005: "Defense Evasion",
  TA0006: "Credential Access",
  TA0007: "Discovery",
  TA0008: "Lateral Movement",
  TA0010: "Exfiltration",
  TA0040: "Impact",
} as const;
export type AttackTacticId = keyof typeof ATTACK_TACTICS;

interface TechniqueEntry {
  readonly name: string;
  readonly tactics: readonly AttackTacticId[];
}

/** Every technique a signal may name: id → name and tactics. */
export const ATTACK_TECHNIQUES = {
  "T1021.004": { name: "Remote Services: SSH", tactics: ["TA0008"] },
  T1059: { name: "Command and Scripting Interpreter", tactics: ["TA0002"] },
  "T1069.003": { name: "Permission Groups Discovery: Cloud Groups", tactics: ["TA0007"] },
  "T1078.004": {
    name: "Valid Accounts: Cloud Accounts",
    tactics: ["TA0001", "TA0003", "TA0004", "TA0005"],
  },
  "T1087.004": { name: "Account Discovery: Cloud Account", tactics: ["TA0007"] },
  T1098: { name: "Account Manipulation", tactics: ["TA0003", "TA0004"] },
  "T1098.001": { name: "Account Manipulation: Additional Cloud Credentials", tactics: ["TA0003", "TA0004"] },
  "T1098.003": { name: "Account Manipulation: Additional Cloud Roles", tactics: ["TA0003", "TA0004"] },
  "T1098.004": { name: "Account Manipulation: SSH Authorized Keys", tactics: ["TA0003", "TA0004"] },
  T1110: { name: "Brute Force", tactics: ["TA0006"] },
  "T1136.003": { name: "Create Account: Cloud Account", tactics: ["TA0003"] },
  "T1484.002": {
    name: "Domain or Tenant Policy Modification: Trust Modification",
    tactics: ["TA0004", "TA0005"],
  },
  T1485: { name: "Data Destruction", tactics: ["TA0040"] },
  T1486: { name: "Data Encrypted for Impact", tactics: ["TA0040"] },
  "T1496.001": { name: "Resource Hijacking: Compute Hijacking", tactics: ["TA0040"] },
  "T1496.004": { name: "Resource Hijacking: Cloud Service Hijacking", tactics: ["TA0040"] },
  T1526: { name: "Cloud Service Discovery", tactics: ["TA0007"] },
  T1535: { name: "Unused/Unsupported Cloud Regions", tactics: ["TA0005"] },
  T1537: { name: "Transfer Data to Cloud Account", tactics: ["TA0010"] },
  "T1548.005": {
    name: "Abuse Elevation Control Mechanism: Temporary Elevated Cloud Access",
    tactics: ["TA0004", "TA0005"],
  },
  "T1550.001": {
    name: "Use Alternate Authentication Material: Application Access Token",
    tactics: ["TA0005", "TA0008"],
  },
  T1552: { name: "Unsecured Credentials", tactics: ["TA0006"] },
  "T1552.005": { name: "Unsecured Credentials: Cloud Instance Metadata API", tactics: ["TA0006"] },
  "T1555.006": {
    name: "Credentials from Password Stores: Cloud Secrets Management Stores",
    tactics: ["TA0006"],
  },
  "T1562.001": { name: "Impair Defenses: Disable or Modify Tools", tactics: ["TA0005"] },
  "T1562.007": { name: "Impair Defenses: Disable or Modify Cloud Firewall", tactics: ["TA0005"] },
  "T1562.008": { name: "Impair Defenses: Disable or Modify Cloud Logs", tactics: ["TA0005"] },
  "T1578.002": { name: "Modify Cloud Compute Infrastructure: Create Cloud Instance", tactics: ["TA0005"] },
  T1580: { name: "Cloud Infrastructure Discovery", tactics: ["TA0007"] },
  T1648: { name: "Serverless Execution", tactics: ["TA0002"] },
  T1651: { name: "Cloud Administration Command", tactics: ["TA0002"] },
  T1666: { name: "Modify Cloud Resource Hierarchy", tactics: ["TA0005"] },
} as const satisfies Record<string, TechniqueEntry>;
export type AttackTechniqueId = keyof typeof ATTACK_TECHNIQUES;

/** The technique's name and tactics, for reports and finding formats. */
export function attackTechnique(id: AttackTechniqueId): TechniqueEntry {
  return ATTACK_TECHNIQUES[id];
}
