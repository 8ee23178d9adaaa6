/**
 * Where a webhook may be sent: public addresses only. Checked on the resolved addresses, both
 * when an endpoint is saved and again on each connection made to deliver (so that a name which
 * later resolves somewhere private is refused too).
 */
import { lookup } from "node:dns";
import { BlockList, isIP } from "node:net";

// IANA's IPv4 and IPv6 special-purpose address registries, multicast, site-local, and all of
// IPv6 outside 2000::/3, the only block allocated for global unicast (which takes in the rows
// not named here, e.g. 100:0:0:1::/64 and 5f00::/16). An address with an IPv4 address inside
// (mapped, compatible, SIIT, NAT64, 6to4, Teredo) is refused whole, whatever that IPv4 address
// is. The first row that matches names the refusal.
const table = `loopback: 127.0.0.0/8 ::1/128
unspecified: ::/128
this network: 0.0.0.0/8
private: 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16
shared (CGNAT): 100.64.0.0/10
link-local: 169.254.0.0/16 fe80::/10
documentation: 192.0.2.0/24 198.51.100.0/24 203.0.113.0/24 2001:db8::/32 3fff::/20
benchmarking: 198.18.0.0/15 2001:2::/48
AS112: 192.31.196.0/24 192.175.48.0/24 2001:4:112::/48 2620:4f:8000::/48
AMT: 192.52.193.0/24 2001:3::/32
6to4 relay anycast: 192.88.99.0/24
Teredo: 2001::/32
IETF protocol assignments: 192.0.0.0/24 2001::/23
broadcast: 255.255.255.255/32
reserved: 240.0.0.0/4
multicast: 224.0.0.0/4 ff00::/8
IPv4-mapped: ::ffff:0:0/96
IPv4-translated (SIIT): ::ffff:0:0:0/96
IPv4-compatible: ::/96
NAT64: 64:ff9b::/96 64:ff9b:1::/48
discard-only: 100::/64
6to4: 2002::/16
unique-local: fc00::/7
site-local: fec0::/10
not global unicast: ::/3 4000::/2 8000::/1`;

const family = (address: string) => (isIP(address) === 6 ? "ipv6" : "ipv4");

// One list per range, checked for its own family only: a BlockList matches IPv4 addresses and
// IPv4-mapped IPv6 ones alike, so a mapped loopback address must not pass as loopback.
const ranges = table.split("\n").flatMap((row) => {
  const [name, cidrs] = row.split(": ") as [string, string];
  return cidrs.split(" ").map((cidr) => {
    const [net, prefix] = cidr.split("/") as [string, string];
    const list = new BlockList();
    list.addSubnet(net, Number(prefix), family(net));
    return { name, cidr, list, family: family(net) };
  });
});
const rangeOf = (address: string) => {
  const plain = address.split("%")[0] ?? "";
  return ranges.find((r) => r.family === family(plain) && r.list.check(plain, r.family));
};

/** Only for the local run and the tests: `http://` and https to 127.0.0.0/8 and ::1. */
export const loopbackAllowed = () => /^(1|true|yes)$/i.test(process.env.WEBHOOKS_ALLOW_LOOPBACK ?? "");

/** The local run's own services on loopback (emulator, Railway stand-in, API), set by it. */
const ownPorts = () => (process.env.WEBHOOKS_LOOPBACK_REFUSED_PORTS ?? "").split(",").map(Number);

export const isLoopback = (address: string) => rangeOf(address)?.name === "loopback";

/** Why a delivery may not go to this address, or undefined when it may. */
export function refusal(address: string): string | undefined {
  if (!isIP(address)) return "not an IP address";
  const hit = rangeOf(address);
  if (!hit || (hit.name === "loopback" && loopbackAllowed())) return undefined;
  return `resolves to ${address}, in ${hit.cidr} (${hit.name})`;
}

export class Refused extends Error {
  override name = "Refused";
}

const resolveAll = (host: string) =>
  new Promise<string[]>((resolve, reject) =>
    lookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );

type Target = { http: boolean; port: number };

/** Throws `Refused` unless webhooks may go to this address and port, over http or https. */
function admit(address: string, { http, port }: Target) {
  const reason = refusal(address);
  if (reason) throw new Refused(reason);
  if (!isLoopback(address)) {
    if (http) throw new Refused("must be https (http only to a loopback address)");
  } else if (ownPorts().includes(port))
    throw new Refused(`port ${port} on loopback is one of this local run's own services`);
}

/**
 * The URL's own rules, without the network: a URL, no credentials, https (or http to loopback
 * where allowed), and an IP-literal host admitted here, since a connection to one looks up
 * nothing. A host name is checked when it resolves: `check`, or `safeLookup` as it connects.
 */
export function parse(raw: string): Target & { url: URL; host: string } {
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
  const target = { url, host, http, port: Number(url.port) || (http ? 80 : 443) };
  if (isIP(host)) admit(host, target);
  return target;
}

/** Throws `Refused` (naming the problem) unless the URL may receive webhooks; for saving an endpoint. */
export async function check(raw: string): Promise<URL> {
  const target = parse(raw);
  const { url, host } = target;
  if (isIP(host)) return url;
  let addresses: string[];
  try {
    addresses = await resolveAll(host);
  } catch {
    throw new Refused(`host "${host}" does not resolve`);
  }
  for (const address of addresses) admit(address, target);
  return url;
}

/**
 * A `lookup` for node:http(s) that admits the addresses as it connects, so that the name cannot
 * resolve somewhere private between a check and the connection.
 */
export const safeLookup = (target: Target) =>
  ((
    hostname: string,
    options: { all?: boolean },
    callback: (err: Error | null, address: unknown, family?: number) => void,
  ) => {
    lookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, undefined);
      try {
        if (addresses.length === 0) throw new Refused("no address");
        for (const a of addresses) admit(a.address, target);
      } catch (refused) {
        return callback(refused as Refused, undefined);
      }
      const first = addresses[0] as { address: string; family: number };
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  }) as unknown as typeof lookup;
