import { afterEach, describe, expect, it } from "vitest";
import * as Address from "./address.ts";

const original = process.env.WEBHOOKS_ALLOW_LOOPBACK;
afterEach(() => {
  if (original === undefined) delete process.env.WEBHOOKS_ALLOW_LOOPBACK;
  else process.env.WEBHOOKS_ALLOW_LOOPBACK = original;
});

describe("where webhooks may go", () => {
  const refusedEverywhere = [
    "10.0.0.1",
    "172.31.255.255",
    "192.168.0.10",
    "100.64.0.1",
    "100.127.255.254",
    "169.254.169.254",
    "0.0.0.0",
    "224.0.0.1",
    "fd12:3456::1",
    "fc00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:169.254.169.254",
    "::ffff:8.8.8.8",
    "::",
    "64:ff9b::a00:1",
  ];

  it("refuses private, CGNAT, link-local, unique-local and IPv4-mapped addresses, loopback allowed or not", () => {
    for (const allow of ["", "1"]) {
      process.env.WEBHOOKS_ALLOW_LOOPBACK = allow;
      for (const address of refusedEverywhere) expect(Address.refusal(address), `${address} (${allow})`).toBeDefined();
    }
  });

  it("allows loopback only when WEBHOOKS_ALLOW_LOOPBACK is set, and public addresses always", () => {
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "";
    expect(Address.refusal("127.0.0.1")).toMatch(/loopback/);
    expect(Address.refusal("::1")).toMatch(/loopback/);
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    expect(Address.refusal("127.0.0.1")).toBeUndefined();
    expect(Address.refusal("127.8.9.10")).toBeUndefined();
    expect(Address.refusal("::1")).toBeUndefined();
    for (const address of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "172.32.0.1", "100.128.0.1"])
      expect(Address.refusal(address), address).toBeUndefined();
  });

  it("checks URLs: https only in production, http only to loopback locally, no credentials", async () => {
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "";
    await expect(Address.check("http://8.8.8.8/hook")).rejects.toThrow(/https/);
    await expect(Address.check("https://[::1]/hook")).rejects.toThrow(/loopback/);
    await expect(Address.check("https://8.8.8.8/hook")).resolves.toBeInstanceOf(URL);
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    await expect(Address.check("http://127.0.0.1:9/hook")).resolves.toBeInstanceOf(URL);
    await expect(Address.check("http://8.8.8.8/hook")).rejects.toThrow(/http only to a loopback/);
    await expect(Address.check("https://a:b@8.8.8.8/hook")).rejects.toThrow(/credentials/);
    await expect(Address.check("https://no-such-host.invalid/hook")).rejects.toThrow(/does not resolve/);
  });

  it("at delivery, the URL's rules apply without a lookup, and a host name's addresses as it connects", async () => {
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "";
    expect(Address.parse("https://no-such-host.invalid/hook").http).toBe(false);
    expect(() => Address.parse("https://10.0.0.1/hook")).toThrow(/private/);
    const connect = (http: boolean) =>
      new Promise<string>((resolve, reject) =>
        Address.safeLookup(http)("localhost", {}, (err: Error | null, address: unknown) =>
          err ? reject(err) : resolve(String(address)),
        ),
      );
    await expect(connect(false)).rejects.toThrow(/loopback/);
    process.env.WEBHOOKS_ALLOW_LOOPBACK = "1";
    await expect(connect(true)).resolves.toMatch(/^(127\.|::1)/);
  });
});
