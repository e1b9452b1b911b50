/**
 * Where an IP address is: inside AWS (AS16509/AS14618), a private or reserved range (RFC 1918, loopback,
 * link-local, CGNAT, documentation ranges, IPv6 ULA), or elsewhere on the public internet.
 */
export type NetworkClass = "aws" | "private" | "public";

export interface NetworkClassifier {
  /** Classifies an IPv4 or IPv6 address; returns undefined for a string that is not an address. */
  classify(ip: string): NetworkClass | undefined;
}
