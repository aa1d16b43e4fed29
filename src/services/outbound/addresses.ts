import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where an outbound request (a custom tool, later a webhook) may go. Only public unicast
 * addresses: ipaddr.js names every special range (private, loopback, link-local with the cloud
 * metadata address 169.254.169.254, unique-local with fd00:ec2::254, carrier-grade NAT,
 * multicast, unspecified, reserved, 6to4/Teredo/NAT64 that can embed any IPv4 address...), and
 * anything but `unicast` is refused. An IPv4-mapped IPv6 address is judged as its IPv4 address.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

export type ResolvedHost = { address: string; family: 4 | 6 };

export class AddressRefused extends Error {
  constructor(readonly host: string) {
    super(`${host} resolves to an address outbound requests may not reach (private, loopback, link-local or metadata)`);
  }
}

/**
 * The address to connect to: the host itself when it is an IP address, else the first address
 * DNS gives. Unless private networks are allowed, every address the name resolves to must be
 * public (one private address among public ones is refused too: the choice between them is not
 * ours to trust). The request then connects to exactly this address, never resolving again.
 */
export async function resolveHost(host: string, allowPrivateNetworks: boolean): Promise<ResolvedHost> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  const addresses: ResolvedHost[] =
    family !== 0
      ? [{ address: bare, family: family as 4 | 6 }]
      : (await lookup(bare, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  if (addresses.length === 0) throw new AddressRefused(host);
  if (!allowPrivateNetworks && !addresses.every((a) => isPublicAddress(a.address))) throw new AddressRefused(host);
  return addresses[0]!;
}
