import { describe, expect, it } from "vitest";
import { ADMIN_PORT_WEIGHT, networkExposure } from "../../../shared/domain/detections/network-exposure.ts";
import { configOf, contextFor } from "../../support/context.ts";
import { type RawRecord, useOf, userKeyRecord } from "../../support/records.ts";

/** An AuthorizeSecurityGroupIngress as EC2 logs it: `ipPermissions.items[]` with nested `items` lists. */
function ingress(
  rules: Array<{
    protocol?: string;
    from?: number | string;
    to?: number | string;
    v4?: string[];
    v6?: string[];
  }>,
  extra: RawRecord = {},
) {
  return userKeyRecord({
    eventSource: "ec2.amazonaws.com",
    eventName: "AuthorizeSecurityGroupIngress",
    requestParameters: {
      groupId: "sg-0123",
      ipPermissions: {
        items: rules.map((r) => ({
          ipProtocol: r.protocol ?? "tcp",
          ...(r.from === undefined ? {} : { fromPort: r.from, toPort: r.to ?? r.from }),
          groups: {},
          ipRanges: r.v4 === undefined ? {} : { items: r.v4.map((cidrIp) => ({ cidrIp })) },
          ipv6Ranges: r.v6 === undefined ? {} : { items: r.v6.map((cidrIpv6) => ({ cidrIpv6 })) },
          prefixListIds: {},
        })),
      },
    },
    ...extra,
  });
}

function evaluate(record: RawRecord) {
  const use = useOf(record);
  return networkExposure.evaluate(use, contextFor(use, { config: configOf() }));
}

describe("networkExposure", () => {
  it("declares its id, weight and ATT&CK technique", () => {
    expect(networkExposure.id).toBe("network-exposure");
    expect(networkExposure.weight).toBe(25);
    expect(networkExposure.attack).toEqual(["T1562.007"]);
  });

  it("fires for SSH open to the world, at the admin weight, naming the group and the port", () => {
    const signal = evaluate(ingress([{ from: 22, v4: ["0.0.0.0/0"] }]));
    expect(signal?.weight).toBe(ADMIN_PORT_WEIGHT);
    expect(signal?.reason).toContain(
      'called ec2:AuthorizeSecurityGroupIngress (opens security group "sg-0123" to the internet: tcp 22 from 0.0.0.0/0 — exposes 22 SSH)',
    );
  });

  it("fires for every port (protocol -1) and for IPv6 ::/0, at the admin weight", () => {
    expect(evaluate(ingress([{ protocol: "-1", v4: ["0.0.0.0/0"] }]))?.reason).toContain(
      "all traffic from 0.0.0.0/0 — exposes every port",
    );
    expect(evaluate(ingress([{ from: 3389, v6: ["::/0"] }]))?.weight).toBe(ADMIN_PORT_WEIGHT);
    expect(evaluate(ingress([{ from: 3000, to: 3400, v4: ["0.0.0.0/0"] }]))?.reason).toContain(
      "exposes 3306 MySQL, 3389 RDP",
    );
  });

  it("fires at the base weight for other ports, ports logged as strings included", () => {
    const signal = evaluate(ingress([{ from: "8080", v4: ["0.0.0.0/0"] }]));
    expect(signal?.weight).toBeUndefined();
    expect(signal?.reason).toContain("tcp 8080 from 0.0.0.0/0");
  });

  it("stays quiet for HTTP and HTTPS alone, for narrower ranges and for group references", () => {
    expect(
      evaluate(
        ingress([
          { from: 443, v4: ["0.0.0.0/0"] },
          { from: 80, v6: ["::/0"] },
        ]),
      ),
    ).toBeUndefined();
    expect(evaluate(ingress([{ from: 22, v4: ["203.0.113.0/24", "0.0.0.0/24"] }]))).toBeUndefined();
    expect(evaluate(ingress([{ from: 22 }]))).toBeUndefined();
  });

  it("reads the old top-level form and ModifySecurityGroupRules", () => {
    const old = userKeyRecord({
      eventSource: "ec2.amazonaws.com",
      eventName: "AuthorizeSecurityGroupIngress",
      requestParameters: {
        groupName: "legacy",
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrIp: "0.0.0.0/0",
      },
    });
    expect(evaluate(old)?.reason).toContain('security group "legacy"');
    const modify = userKeyRecord({
      eventSource: "ec2.amazonaws.com",
      eventName: "ModifySecurityGroupRules",
      requestParameters: {
        ModifySecurityGroupRulesRequest: {
          GroupId: "sg-9",
          SecurityGroupRule: {
            SecurityGroupRuleId: "sgr-1",
            SecurityGroupRule: { IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, CidrIpv4: "0.0.0.0/0" },
            tag: 1,
          },
        },
      },
    });
    expect(evaluate(modify)?.reason).toContain("exposes 5432 PostgreSQL");
  });

  it("words a denied attempt as an attempt; a refused call without its request says nothing", () => {
    const denied = evaluate(
      ingress([{ from: 22, v4: ["0.0.0.0/0"] }], { errorCode: "Client.UnauthorizedOperation" }),
    );
    expect(denied?.reason).toContain("attempted ec2:AuthorizeSecurityGroupIngress");
    expect(
      evaluate(
        userKeyRecord({
          eventSource: "ec2.amazonaws.com",
          eventName: "AuthorizeSecurityGroupIngress",
          requestParameters: null,
          errorCode: "Client.UnauthorizedOperation",
        }),
      ),
    ).toBeUndefined();
  });

  it("stays quiet for egress rules and other services' calls", () => {
    const egress = {
      ...ingress([{ from: 22, v4: ["0.0.0.0/0"] }]),
      eventName: "AuthorizeSecurityGroupEgress",
    };
    expect(evaluate(egress)).toBeUndefined();
  });
});
