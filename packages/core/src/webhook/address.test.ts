import { afterEach, describe, expect, it } from "vitest";
import * as Address from "./address.ts";

const original = {
  allow: process.env.WEBHOOKS_ALLOW_LOOPBACK,
  ports: process.env.WEBHOOKS_LOOPBACK_REFUSED_PORTS,
};
afterEach(() => {
  for (const [name, value] of [
    ["WEBHOOKS_ALLOW_LOOPBACK", original.allow],
    ["WEBHOOKS_LOOPBACK_REFUSED_PORTS", original.ports],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/**
 * Each range of IANA's IPv4 and IPv6 special-purpose address registries (and multicast,
 * site-local, IPv6 outside 2000::/3): addresses inside it, and the nearest public addresses
 * outside it where there is one (the neighbour of a range is often another refused range).
 */
const special: Array<{ range: string; inside: string[]; outside?: string[] }> = [
  { range: "0.0.0.0/8 this network", inside: ["0.0.0.0", "0.255.255.255"], outside: ["1.0.0.0"] },
  { range: "10.0.0.0/8 private", inside: ["10.0.0.0", "10.255.255.255"], outside: ["9.255.255.255", "11.0.0.0"] },
  {
    range: "100.64.0.0/10 shared",
    inside: ["100.64.0.0", "100.127.255.255"],
    outside: ["100.63.255.255", "100.128.0.0"],
  },
  { range: "169.254.0.0/16 link-local", inside: ["169.254.169.254"], outside: ["169.253.255.255", "169.255.0.0"] },
  {
    range: "172.16.0.0/12 private",
    inside: ["172.16.0.0", "172.31.255.255"],
    outside: ["172.15.255.255", "172.32.0.0"],
  },
  {
    range: "192.0.0.0/24 IETF protocol assignments",
    inside: ["192.0.0.0", "192.0.0.255"],
    outside: ["191.255.255.255", "192.0.1.0"],
  },
  { range: "192.0.0.0/29 DS-Lite", inside: ["192.0.0.1", "192.0.0.7"] },
  { range: "192.0.0.8/32 IPv4 dummy", inside: ["192.0.0.8"] },
  { range: "192.0.0.9/32 PCP anycast", inside: ["192.0.0.9"] },
  { range: "192.0.0.10/32 TURN anycast", inside: ["192.0.0.10"] },
  { range: "192.0.0.170/32, 192.0.0.171/32 NAT64/DNS64 discovery", inside: ["192.0.0.170", "192.0.0.171"] },
  { range: "192.0.2.0/24 documentation", inside: ["192.0.2.0", "192.0.2.255"], outside: ["192.0.1.255", "192.0.3.0"] },
  { range: "192.31.196.0/24 AS112-v4", inside: ["192.31.196.1"], outside: ["192.31.195.255", "192.31.197.0"] },
  { range: "192.52.193.0/24 AMT", inside: ["192.52.193.1"], outside: ["192.52.192.255", "192.52.194.0"] },
  { range: "192.88.99.0/24 6to4 relay anycast", inside: ["192.88.99.1", "192.88.99.2"], outside: ["192.88.100.0"] },
  {
    range: "192.168.0.0/16 private",
    inside: ["192.168.0.0", "192.168.255.255"],
    outside: ["192.167.255.255", "192.169.0.0"],
  },
  { range: "192.175.48.0/24 AS112", inside: ["192.175.48.1"], outside: ["192.175.47.255", "192.175.49.0"] },
  {
    range: "198.18.0.0/15 benchmarking",
    inside: ["198.18.0.0", "198.19.255.255"],
    outside: ["198.17.255.255", "198.20.0.0"],
  },
  { range: "198.51.100.0/24 documentation", inside: ["198.51.100.7"], outside: ["198.51.99.255", "198.51.101.0"] },
  { range: "203.0.113.0/24 documentation", inside: ["203.0.113.7"], outside: ["203.0.112.255", "203.0.114.0"] },
  { range: "224.0.0.0/4 multicast", inside: ["224.0.0.1", "239.255.255.255"], outside: ["223.255.255.255"] },
  { range: "240.0.0.0/4 reserved", inside: ["240.0.0.0", "255.255.255.254"] },
  { range: "255.255.255.255/32 broadcast", inside: ["255.255.255.255"] },

  { range: "::/128 unspecified", inside: ["::"] },
  { range: "::ffff:0:0/96 IPv4-mapped", inside: ["::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:8.8.8.8"] },
  { range: "::ffff:0:0:0/96 IPv4-translated (SIIT)", inside: ["::ffff:0:a9fe:a9fe", "::ffff:0:808:808"] },
  { range: "::/96 IPv4-compatible", inside: ["::a9fe:a9fe", "::127.0.0.1", "::8.8.8.8", "::2"] },
  { range: "64:ff9b::/96 NAT64", inside: ["64:ff9b::a00:1", "64:ff9b::8.8.8.8"] },
  { range: "64:ff9b:1::/48 local NAT64", inside: ["64:ff9b:1::a00:1", "64:ff9b:1:ffff::1"] },
  { range: "100::/64 discard-only", inside: ["100::", "100::ffff:ffff:ffff:ffff"] },
  { range: "100:0:0:1::/64 dummy prefix", inside: ["100:0:0:1::1"] },
  {
    range: "2001::/23 IETF protocol assignments",
    inside: ["2001:1::1", "2001:1::2", "2001:1::3", "2001:1ff:ffff::1"],
    outside: ["2001:200::", "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  },
  { range: "2001::/32 Teredo", inside: ["2001::a9fe:a9fe", "2001:0:4136:e378:8000:63bf:3fff:fdd2"] },
  { range: "2001:2::/48 benchmarking", inside: ["2001:2::1"] },
  { range: "2001:3::/32 AMT", inside: ["2001:3::1"] },
  { range: "2001:4:112::/48 AS112-v6", inside: ["2001:4:112::1"] },
  { range: "2001:10::/28 ORCHID", inside: ["2001:10::1"] },
  { range: "2001:20::/28 ORCHIDv2", inside: ["2001:20::1"] },
  { range: "2001:30::/28 drone remote ID", inside: ["2001:30::1"] },
  {
    range: "2001:db8::/32 documentation",
    inside: ["2001:db8::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"],
    outside: ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"],
  },
  {
    range: "2002::/16 6to4",
    inside: ["2002:a9fe:a9fe::", "2002:808:808::1"],
    outside: ["2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2003::"],
  },
  { range: "2620:4f:8000::/48 AS112", inside: ["2620:4f:8000::1"], outside: ["2620:4f:7fff::1", "2620:4f:8001::"] },
  {
    range: "3fff::/20 documentation",
    inside: ["3fff::1", "3fff:fff:ffff::1"],
    outside: ["3ffe:ffff::1", "3fff:1000::"],
  },
  { range: "5f00::/16 segment routing", inside: ["5f00::1"] },
  { range: "fc00::/7 unique-local", inside: ["fc00::1", "fd12:3456::1"] },
  { range: "fe80::/10 link-local", inside: ["fe80::1", "febf::1", "fe80::1%eth0"] },
  { range: "fec0::/10 site-local", inside: ["fec0::1", "feff::1"] },
  { range: "ff00::/8 multicast", inside: ["ff02::1"] },
  {
    range: "outside 2000::/3, not global unicast",
    inside: ["1::1", "1fff::1", "4000::1", "8000::1", "e000::1"],
    outside: ["2000::", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  },
];

const loopback = ["127.0.0.1", "127.255.255.255", "::1"];
const publicAddresses = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "128.0.0.0"];

describe("where webhooks may go", () => {
  describe.each(special)("$range", ({ inside, outside = [] }) => {
    it("refuses the addresses inside, loopback allowed or not", () => {
      for (const allow of ["", "1"]) {
        process.env.WEBHOOKS_ALLOW_LOOPBACK = allow;
        for (const address of inside)
          expect(Address.refusal(address), `${address} (${allow})`).toMatch(/^resolves to .+, in .+ \(.+\)$/);
      }
    });
    if (outside.length > 0)
      it("allows the public addresses next to it", () => {
        for (const address of outside) expect(Address.refusal(address), address).toBeUndefined();
      });
  });

  it("names the range it refuses", () => {
    expect(Address.refusal("10.0.0.1")).toBe("resolves to 10.0.0.1, in 10.0.0.0/8 (private)");
    expect(Address.refusal("2001::a9fe:a9fe")).toBe("resolves to 2001::a9fe:a9fe, in 2001::/32 (Teredo)");
    expect(Address.refusal("::ffff:127.0.0.1")).toMatch(/IPv4-mapped/);
  });

  it("refuses the special-use URLs of the hardening report, loopback allowed or not", async () => {
    for (const allow of ["", "1"]) {
      process.env.WEBHOOKS_ALLOW_LOOPBACK = allow;
      for (const url of [
        "https://[::a9fe:a9fe]/hook",
        "https://[::127.0.0.1]/hook",
        "https://[2002:a9fe:a9fe::]/hook",
        "https://[2001::a9fe:a9fe]/hook",
        "https://[::ffff:0:a9fe:a9fe]/hook",
        "https://[fec0::1]/hook",
        "https://[feff::1]/hook",
        "https://[100::1]/hook",
        "https://[2001:db8::1]/hook",
        "https://[3fff::1]/hook",
        "https://192.0.2.1/hook",
        "https://198.51.100.1/hook",
        "https://203.0.113.1/hook",
        "https://198.18.0.1/hook",
        "https://255.255.255.255/hook",
        "https://240.0.0.1/hook",
        "https://0.0.0.0/hook",
      ])
        await expect(Address.check(url), `${url} (${allow})`).rejects.toThrow(/^resolves to /);
    }
    await expect(Address.check("http://[::127.0.0.1]:8080/hook")).rejects.toThrow(/IPv4-compatible/);
  });

  it("allows loopback only when WEBHOOKS_ALLOW_LOOPBACK is set, and public addresses always", () => {
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "";
    for (const address of loopback) expect(Address.refusal(address), address).toMatch(/loopback/);
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    for (const address of loopback) expect(Address.refusal(address), address).toBeUndefined();
    for (const allow of ["", "1"]) {
      process.env.WEBHOOKS_ALLOW_LOOPBACK = allow;
      for (const address of publicAddresses) expect(Address.refusal(address), address).toBeUndefined();
    }
  });

  it("checks URLs: https only in production, http only to loopback locally, no credentials", async () => {
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "";
    await expect(Address.check("http://8.8.8.8/hook")).rejects.toThrow(/https/);
    await expect(Address.check("https://[::1]/hook")).rejects.toThrow(/loopback/);
    await expect(Address.check("https://8.8.8.8/hook")).resolves.toBeInstanceOf(URL);
    await expect(Address.check("https://[2606:4700:4700::1111]/hook")).resolves.toBeInstanceOf(URL);
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    await expect(Address.check("http://127.0.0.1:9/hook")).resolves.toBeInstanceOf(URL);
    await expect(Address.check("http://8.8.8.8/hook")).rejects.toThrow(/http only to a loopback/);
    await expect(Address.check("https://a:b@8.8.8.8/hook")).rejects.toThrow(/credentials/);
    await expect(Address.check("https://no-such-host.invalid/hook")).rejects.toThrow(/does not resolve/);
  });

  it("locally, loopback is refused on the run's own ports (emulator, stand-in, API), by address or name", async () => {
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    process.env.WEBHOOKS_LOOPBACK_REFUSED_PORTS = "5055,4010,3000,80";
    for (const url of [
      "http://127.0.0.1:5055/moto-api/reset",
      "https://127.0.0.1:5055/moto-api/reset",
      "http://127.9.9.9:4010/graphql/v2",
      "http://[::1]:3000/api/v1/webhooks",
      "http://localhost:5055/moto-api/reset",
      "http://127.0.0.1/",
    ])
      await expect(Address.check(url), url).rejects.toThrow(/own services/);
    for (const url of ["http://127.0.0.1:8080/hook", "http://localhost:5056/hook", "https://127.0.0.1/hook"])
      await expect(Address.check(url), url).resolves.toBeInstanceOf(URL);
    expect(() => Address.parse("http://127.0.0.1:4010/")).toThrow(/own services/);
  });

  it("at delivery, the URL's rules apply without a lookup, and a host name's addresses as it connects", async () => {
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "";
    expect(Address.parse("https://no-such-host.invalid/hook").http).toBe(false);
    expect(() => Address.parse("https://10.0.0.1/hook")).toThrow(/private/);
    expect(() => Address.parse("https://[2002:a9fe:a9fe::]/hook")).toThrow(/6to4/);
    const connect = (target: { http: boolean; port: number }) =>
      new Promise<string>((resolve, reject) =>
        Address.safeLookup(target)("localhost", {}, (err: Error | null, address: unknown) =>
          err ? reject(err) : resolve(String(address)),
        ),
      );
    await expect(connect({ http: false, port: 443 })).rejects.toThrow(/loopback/);
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    process.env.WEBHOOKS_LOOPBACK_REFUSED_PORTS = "5055";
    await expect(connect({ http: true, port: 8080 })).resolves.toMatch(/^(127\.|::1)/);
    await expect(connect({ http: true, port: 5055 })).rejects.toThrow(/own services/);
  });
});

describe("the URL's own rules, word for word", () => {
  it("names each refusal: not an IP, not a URL, credentials of either kind, a scheme other than https", async () => {
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "";
    expect(Address.refusal("localhost")).toBe("not an IP address");
    expect(Address.refusal("")).toBe("not an IP address");
    await expect(Address.check("not a url")).rejects.toThrow(/^is not a URL$/);
    await expect(Address.check("https://a@8.8.8.8/hook")).rejects.toThrow(/^must not carry credentials$/);
    await expect(Address.check("https://:b@8.8.8.8/hook")).rejects.toThrow(/^must not carry credentials$/);
    await expect(Address.check("http://8.8.8.8/hook")).rejects.toThrow(/^must be an https URL$/);
    await expect(Address.check("ftp://8.8.8.8/hook")).rejects.toThrow(/^must be an https URL$/);
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    await expect(Address.check("ftp://127.0.0.1/hook")).rejects.toThrow(
      /^must be https \(or http to a loopback address\)$/,
    );
    await expect(Address.check("http://8.8.8.8/hook")).rejects.toThrow(
      /^must be https \(http only to a loopback address\)$/,
    );
  });

  it("WEBHOOKS_ALLOW_LOOPBACK is 1, true or yes in any case, and nothing else", () => {
    for (const allow of ["1", "true", "TRUE", "yes", "Yes"]) {
      process.env.WEBHOOKS_ALLOW_LOOPBACK = allow;
      expect(Address.loopbackAllowed(), allow).toBe(true);
    }
    for (const allow of ["", "0", "false", "no", "10", "x1", "yess", "not yes", "true1"]) {
      process.env.WEBHOOKS_ALLOW_LOOPBACK = allow;
      expect(Address.loopbackAllowed(), allow).toBe(false);
    }
    delete process.env.WEBHOOKS_ALLOW_LOOPBACK;
    expect(Address.loopbackAllowed()).toBe(false);
    expect(Address.refusal("127.0.0.1")).toMatch(/loopback/);
  });
});
