import { isIPv4, isIPv6 } from "node:net";

/**
 * The grpc-js target for the replicas of one service at these `host:port`
 * addresses: the address itself for one replica, and an `ipv4:` or `ipv6:`
 * address list for several, which grpc-js balances over (round-robin, with
 * the service config of createGrpcTransport). Several replicas on a host name
 * need a `dns:///` target instead, which a name with one port cannot express
 * here, so those are refused.
 */
export function balancedTarget(addresses: readonly string[]): string {
  if (addresses.length === 0) throw new Error("a target needs at least one address");
  if (addresses.length === 1) return addresses[0]!;
  const endpoints = addresses.map(splitAddress);
  if (endpoints.every(({ host }) => isIPv4(host))) return `ipv4:${endpoints.map(({ host, port }) => `${host}:${port}`).join(",")}`;
  if (endpoints.every(({ host }) => isIPv6(host))) return `ipv6:${endpoints.map(({ host, port }) => `[${host}]:${port}`).join(",")}`;
  throw new Error(`replicas must listen on IP addresses of one family to share a target, not ${addresses.join(", ")}`);
}

function splitAddress(address: string): { host: string; port: string } {
  const colon = address.lastIndexOf(":");
  const port = address.slice(colon + 1);
  if (colon <= 0 || !/^\d+$/.test(port)) throw new Error(`not a host:port address: ${address}`);
  const host = address.slice(0, colon);
  return { host: host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host, port };
}
