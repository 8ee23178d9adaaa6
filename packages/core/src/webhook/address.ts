/**
 * Where a webhook may be sent: public addresses only. Checked on the resolved addresses, both
 * when an endpoint is saved and again on each connection made to deliver (so that a name which
 * later resolves somewhere private is refused too).
 */
import { lookup } from "node:dns";
import { BlockList, isIP } from "node:net";

const refusedRanges: Array<[string, string, number, "ipv4" | "ipv6"]> = [
  ["a private address", "10.0.0.0", 8, "ipv4"],
  ["a private address", "172.16.0.0", 12, "ipv4"],
  ["a private address", "192.168.0.0", 16, "ipv4"],
  ["a shared (CGNAT) address", "100.64.0.0", 10, "ipv4"],
  ["a link-local address", "169.254.0.0", 16, "ipv4"],
  ["a loopback address", "127.0.0.0", 8, "ipv4"],
  ["an unspecified address", "0.0.0.0", 8, "ipv4"],
  ["a reserved address", "192.0.0.0", 24, "ipv4"],
  ["a reserved address", "198.18.0.0", 15, "ipv4"],
  ["a multicast address", "224.0.0.0", 4, "ipv4"],
  ["a reserved address", "240.0.0.0", 4, "ipv4"],
  ["a loopback address", "::1", 128, "ipv6"],
  ["an unspecified address", "::", 128, "ipv6"],
  ["a unique-local address", "fc00::", 7, "ipv6"],
  ["a link-local address", "fe80::", 10, "ipv6"],
  ["a multicast address", "ff00::", 8, "ipv6"],
  ["a NAT64 address", "64:ff9b::", 96, "ipv6"],
];
const lists = refusedRanges.map(([reason, net, prefix, type]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { reason, list, loopback: reason === "a loopback address" };
});

// A BlockList matches IPv4 addresses and IPv4-mapped IPv6 ones alike, so the mapped range is
// checked apart, for IPv6 addresses only: a mapped loopback address must not pass as loopback.
const mapped = new BlockList();
mapped.addSubnet("::ffff:0:0", 96, "ipv6");

/** Only for the local run and the tests: `http://` and https to 127.0.0.0/8 and ::1. */
export const loopbackAllowed = () => /^(1|true|yes)$/i.test(process.env.WEBHOOKS_ALLOW_LOOPBACK ?? "");

const family = (address: string) => (isIP(address) === 6 ? "ipv6" : "ipv4");
export const isLoopback = (address: string) => lists.some((l) => l.loopback && l.list.check(address, family(address)));

/** Why a delivery may not go to this address, or undefined when it may. */
export function refusal(address: string): string | undefined {
  if (!isIP(address)) return "not an IP address";
  if (isIP(address) === 6 && mapped.check(address, "ipv6"))
    return `resolves to an IPv4-mapped IPv6 address (${address})`;
  const hit = lists.find((l) => l.list.check(address, family(address)));
  if (!hit) return undefined;
  if (hit.loopback && loopbackAllowed()) return undefined;
  return `resolves to ${hit.reason} (${address})`;
}

export class Refused extends Error {
  override name = "Refused";
}

const resolveAll = (host: string) =>
  new Promise<string[]>((resolve, reject) =>
    lookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );

/** Throws `Refused` unless webhooks may go to this address, over http or https. */
function admit(address: string, http: boolean) {
  const reason = refusal(address);
  if (reason) throw new Refused(reason);
  if (http && !isLoopback(address)) throw new Refused("must be https (http only to a loopback address)");
}

/**
 * The URL's own rules, without the network: a URL, no credentials, https (or http to loopback
 * where allowed), and an IP-literal host admitted here, since a connection to one looks up
 * nothing. A host name is checked when it resolves: `check`, or `safeLookup` as it connects.
 */
export function parse(raw: string): { url: URL; host: string; http: boolean } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Refused("is not a URL");
  }
  if (url.username || url.password) throw new Refused("must not carry credentials");
  const http = url.protocol === "http:";
  if (url.protocol !== "https:" && !(http && loopbackAllowed()))
    throw new Refused(loopbackAllowed() ? "must be https (or http to a loopback address)" : "must be an https URL");
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (isIP(host)) admit(host, http);
  return { url, host, http };
}

/** Throws `Refused` (naming the problem) unless the URL may receive webhooks; for saving an endpoint. */
export async function check(raw: string): Promise<URL> {
  const { url, host, http } = parse(raw);
  if (isIP(host)) return url;
  let addresses: string[];
  try {
    addresses = await resolveAll(host);
  } catch {
    throw new Refused(`host "${host}" does not resolve`);
  }
  for (const address of addresses) admit(address, http);
  return url;
}

/**
 * A `lookup` for node:http(s) that admits the addresses as it connects, so that the name cannot
 * resolve somewhere private between a check and the connection.
 */
export const safeLookup = (http: boolean) =>
  ((
    hostname: string,
    options: { all?: boolean },
    callback: (err: Error | null, address: unknown, family?: number) => void,
  ) => {
    lookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, undefined);
      try {
        if (addresses.length === 0) throw new Refused("no address");
        for (const a of addresses) admit(a.address, http);
      } catch (refused) {
        return callback(refused as Refused, undefined);
      }
      const first = addresses[0] as { address: string; family: number };
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  }) as unknown as typeof lookup;
