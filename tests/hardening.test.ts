import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { useStack } from "./support/stack.ts";
import { until } from "./support/until.ts";

// Regression tests from the adversarial pass of issue 13: the local run's webhooks must not
// reach the local run's own services, and what the local server refuses is the API's JSON error.
const ctx = useStack();
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const servers: Server[] = [];
const endpoints: string[] = [];
afterEach(async () => {
  for (const id of endpoints.splice(0)) await ctx.api(`/api/v1/webhooks/${id}`, { method: "DELETE" });
  for (const s of servers.splice(0)) s.close();
});

/** A loopback receiver that counts the requests it gets and answers each with `answer`. */
async function receiver(answer = { status: 204, body: "" }) {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push(body);
      res.writeHead(answer.status).end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://127.0.0.1:${port}/hook`, received };
}

async function createConnection(name: string) {
  const user = ctx.railway.addUser();
  const res = await ctx.api("/api/v1/app-connections/railway", {
    json: { name, method: "account-token", credentials: { apiToken: user.accountToken } },
  });
  expect(res.status).toBe(202);
}

const deliveries = async (id: string): Promise<any[]> =>
  ((await (await ctx.api(`/api/v1/webhooks/${id}/deliveries`)).json()) as { deliveries: any[] }).deliveries;

describe("the local run's webhooks cannot reach its own services", () => {
  it("registering a webhook at the emulator, the Railway stand-in or the API is a 400, and nothing is stored", async () => {
    const port = (url: string) => Number(new URL(url).port);
    const own = {
      emulator: port(inject("motoEndpoint")),
      standin: port(ctx.railway.url),
      api: port(ctx.stack.url),
    };
    for (const [service, p] of Object.entries(own))
      for (const url of [
        `http://127.0.0.1:${p}/moto-api/reset`,
        `https://127.0.0.1:${p}/moto-api/reset`,
        `http://localhost:${p}/`,
        `http://[::1]:${p}/api/v1/webhooks`,
        `http://127.0.0.2:${p}/graphql/v2`,
      ]) {
        const res = await ctx.api("/api/v1/webhooks", { json: { url, eventTypes: ["app-connection.deleted"] } });
        const body = (await res.json()) as any;
        if (res.status === 201) await ctx.api(`/api/v1/webhooks/${body.webhook.id}`, { method: "DELETE" });
        expect(res.status, `${service}: ${url}`).toBe(400);
        expect(body.code).toBe("url_refused");
        expect(body.details).toEqual([
          { path: "url", message: `port ${p} on loopback is one of this local run's own services` },
        ]);
      }
    const listed = (await (await ctx.api("/api/v1/webhooks")).json()) as { webhooks: unknown[] };
    expect(listed.webhooks).toEqual([]);
    expect(ctx.stack.ownPorts.toSorted()).toEqual(Object.values(own).toSorted());
  });

  it("an endpoint whose port became one of the run's own is refused at delivery, and not contacted", async () => {
    const hook = await receiver();
    const res = await ctx.api("/api/v1/webhooks", { json: { url: hook.url, eventTypes: ["app-connection.created"] } });
    expect(res.status).toBe(201);
    const { webhook } = (await res.json()) as { webhook: { id: string } };
    endpoints.push(webhook.id);
    const ports = process.env.WEBHOOKS_LOOPBACK_REFUSED_PORTS;
    process.env.WEBHOOKS_LOOPBACK_REFUSED_PORTS = `${ports},${hook.port}`;
    try {
      await createConnection("hardening-refused");
      const [entry] = await until(async () => {
        const log = await deliveries(webhook.id);
        return log.length > 0 ? log : undefined;
      });
      expect(entry).toMatchObject({
        succeeded: false,
        statusCode: null,
        responseExcerpt: null,
        error: `refused: port ${hook.port} on loopback is one of this local run's own services`,
      });
    } finally {
      process.env.WEBHOOKS_LOOPBACK_REFUSED_PORTS = ports;
    }
    expect(hook.received).toHaveLength(0);
  });

  it("any other loopback port still receives, and the delivery log keeps 200 characters of the answer", async () => {
    const hook = await receiver({ status: 200, body: "x".repeat(150) + "y".repeat(150) });
    const res = await ctx.api("/api/v1/webhooks", { json: { url: hook.url, eventTypes: ["app-connection.created"] } });
    expect(res.status).toBe(201);
    const { webhook } = (await res.json()) as { webhook: { id: string } };
    endpoints.push(webhook.id);
    await createConnection("hardening-delivered");
    const [entry] = await until(async () => {
      const log = await deliveries(webhook.id);
      return log.length > 0 ? log : undefined;
    });
    expect(entry).toMatchObject({ succeeded: true, statusCode: 200, error: null });
    expect(entry.responseExcerpt).toBe("x".repeat(150) + "y".repeat(50));
    expect(hook.received).toHaveLength(1);
  });
});

/** A chunked body, joined. */
function dechunk(body: string) {
  let out = "";
  for (let rest = body, size = Number.parseInt(rest, 16); size > 0; size = Number.parseInt(rest, 16)) {
    const start = rest.indexOf("\r\n") + 2;
    out += rest.slice(start, start + size);
    rest = rest.slice(start + size + 2);
  }
  return out;
}

/** Sends raw bytes to the local API and returns the parsed answer. */
async function raw(request: string) {
  const { port } = new URL(ctx.stack.url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.end(request));
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (c) => {
      data += c;
    });
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
  const split = text.indexOf("\r\n\r\n");
  const [statusLine = "", ...lines] = text.slice(0, split).split("\r\n");
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
  );
  const body = text.slice(split + 4);
  const json = headers["transfer-encoding"] === "chunked" ? dechunk(body) : body;
  return { status: Number(statusLine.split(" ")[1]), headers, body: JSON.parse(json) };
}

describe("every refusal of the local server is the API's JSON error with a request id", () => {
  it("a query string past 64 KiB is a JSON 431, not Node's bare one", async () => {
    const res = await ctx.api(`/api/v1/app-connections/railway?cursor=${"a".repeat(70_000)}`);
    expect(res.status).toBe(431);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-request-id")).toMatch(uuid);
    expect(await res.json()).toEqual({
      reqId: res.headers.get("x-request-id"),
      statusCode: 431,
      error: "RequestHeaderFieldsTooLarge",
      code: "headers_too_large",
      message: "The request line and headers (query string included) exceed 64 KiB",
    });
  });

  it("a request Node cannot parse is a JSON 400", async () => {
    const res = await raw("GARBAGE\r\n\r\n");
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["x-request-id"]).toMatch(uuid);
    expect(res.body).toMatchObject({ code: "bad_request", error: "BadRequest", reqId: res.headers["x-request-id"] });
  });

  it("an HTTP/1.1 request without Host, or with a bad one, is a JSON 400", async () => {
    for (const request of [
      "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n",
      "GET /health HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n",
      "GET /a\\b HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    ]) {
      const res = await raw(request);
      expect(res.status, request).toBe(400);
      expect(res.headers["x-request-id"], request).toMatch(uuid);
      expect(res.body, request).toMatchObject({
        reqId: res.headers["x-request-id"],
        code: "bad_request",
        message: expect.stringMatching(/^Bad request: /),
      });
    }
  });

  it("an Expect header other than 100-continue is a JSON 417", async () => {
    const res = await raw("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: teapot\r\nConnection: close\r\n\r\n");
    expect(res.status).toBe(417);
    expect(res.headers["x-request-id"]).toMatch(uuid);
    expect(res.body).toEqual({
      reqId: res.headers["x-request-id"],
      statusCode: 417,
      error: "ExpectationFailed",
      code: "expectation_failed",
      message: "Expect: teapot is not supported",
    });
  });
});
