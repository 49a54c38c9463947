// The playground and the detail of /healthz are for this machine only. The peer address decides,
// not the Host header (which any client can write): the app listens on every interface ("::",
// dual stack) and is called over real TCP connections from this machine's own non-loopback
// addresses, with a Host header that claims localhost.
import http from "node:http";
import os from "node:os";
import { it, expect, beforeAll, afterAll, describe } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import { isLoopbackAddress, isLoopbackHost, HttpError } from "../../src/server.ts";
import { createLocalMount, LocalChat } from "../../adapters/local/adapter.ts";

/** This machine's own addresses that are not loopback (a connection from one has that peer address). */
const external = Object.values(os.networkInterfaces())
  .flat()
  .filter((a): a is os.NetworkInterfaceInfo => a !== undefined && !a.internal && !(a.family === "IPv6" && a.address.startsWith("fe80:")))
  .map((a) => a.address);

interface Answer {
  status: number;
  body: string;
}

/** A request from `from` (a local address to bind to) to the app's port, with the Host header given. */
function call(port: number, from: string, o: { method?: string; path: string; host?: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  const v6 = from.includes(":");
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: from, localAddress: from, family: v6 ? 6 : 4, port, method: o.method ?? "GET", path: o.path, headers: { host: o.host ?? `localhost:${port}`, ...o.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(o.body);
  });
}

describe("loopback addresses", () => {
  it("are 127.0.0.0/8, ::1 and IPv4-mapped 127.x, in any spelling; nothing else", () => {
    for (const a of ["127.0.0.1", "127.200.3.4", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "::ffff:7f00:1"]) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ["10.1.2.3", "192.0.2.2", "::ffff:10.1.2.3", "128.0.0.1", "::", "0.0.0.0", "::2", "fd00::2", "fe80::1%lo", "localhost", "", undefined]) expect(isLoopbackAddress(a), String(a)).toBe(false);
    for (const h of ["localhost", "LOCALHOST", "127.0.0.1", "[::1]", "::1"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "a.localhost", "localhost.example.org", "192.0.2.2"]) expect(isLoopbackHost(h), h).toBe(false);
  });

  it("a playground request from any other peer is refused before anything is read, whatever its Host header says", async () => {
    let commands = 0;
    const core = { command: async () => (commands++, { text: "", blocks: [] }) } as never;
    const { mount, token } = createLocalMount({ core, chat: new LocalChat() });
    const req = (remoteAddress: string, headers: Record<string, string> = {}) =>
      ({ method: "POST", headers: { host: "localhost:3978", "x-playground-token": token, ...headers }, socket: { remoteAddress } }) as unknown as http.IncomingMessage;
    for (const remote of ["10.1.2.3", "::ffff:10.1.2.3", "fd00::2"]) {
      const e = await mount(req(remote), {} as http.ServerResponse, new URL("http://localhost/local/api/command")).catch((x: unknown) => x);
      expect(e, remote).toBeInstanceOf(HttpError);
      expect((e as HttpError).status).toBe(403);
    }
    const proxied = await mount(req("127.0.0.1", { "x-forwarded-for": "203.0.113.9" }), {} as http.ServerResponse, new URL("http://localhost/local/api/command")).catch((x: unknown) => x);
    expect((proxied as HttpError).status).toBe(403);
    expect(commands).toBe(0);
  });
});

describeEachDatabase("the playground and /healthz on every interface", (db) => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let port: number;
  const counts = async () => {
    const p = db().prisma;
    return { workspaces: await p.workspace.count(), people: await p.person.count(), partnerships: await p.partnership.count(), jobs: await p.job.count() };
  };
  const command = (from: string, text: string, headers: Record<string, string> = {}) =>
    call(port, from, {
      method: "POST",
      path: "/local/api/command",
      headers: { "content-type": "application/json", "x-playground-token": app.playgroundToken!, ...headers },
      body: JSON.stringify({ as: "mette", text }),
    });

  beforeAll(async () => {
    const env = { PORT: "0", HOST: "::", PARTNERPULS_PLAYGROUND: "on" };
    app = await startApp(loadConfig(env), db(), env, { clock: false });
    port = (app.server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("serves and answers this machine, over IPv4 (seen as ::ffff:127.0.0.1) and IPv6", async () => {
    for (const from of ["127.0.0.1", "::1"]) {
      const page = await call(port, from, { path: "/" });
      expect(page.status, from).toBe(200);
      expect(page.body).toContain(app.playgroundToken!);
      expect((await call(port, from, { path: "/playground/playground.js" })).status).toBe(200);
      const r = await command(from, "help");
      expect(r.status).toBe(200);
      expect(r.body).toMatch(/checkin start|runde start/);
      const health = JSON.parse((await call(port, from, { path: "/healthz" })).body) as Record<string, unknown>;
      expect(health).toMatchObject({ ok: true, database: db().kind, playground: true });
      expect(health.outbox).toBeDefined();
    }
  });

  describe.skipIf(external.length === 0)(external.length ? `from this machine's other addresses (${external.join(", ")})` : "from other addresses (skipped: this machine has no non-loopback address)", () => {
    it("refuses the page, its assets and its API with 403, and changes nothing", async () => {
      const before = await counts();
      for (const from of external) {
        const page = await call(port, from, { path: "/" });
        expect(page.status, from).toBe(403);
        expect(page.body).not.toContain(app.playgroundToken!);
        expect((await call(port, from, { path: "/playground/playground.js" })).status, from).toBe(403);
        expect((await call(port, from, { path: "/local/api/people", headers: { "x-playground-token": app.playgroundToken! } })).status, from).toBe(403);
        const r = await command(from, `partnership create "From ${from}"`);
        expect(r.status, from).toBe(403);
        expect(r.body).not.toMatch(/created/);
      }
      await app.settle();
      expect(await counts()).toEqual(before);
    });

    it("answers /healthz with {\"ok\":true} and nothing more", async () => {
      for (const from of external) {
        const r = await call(port, from, { path: "/healthz" });
        expect(r.status, from).toBe(200);
        expect(r.body, from).toBe('{"ok":true}');
      }
    });
  });

  it("treats a request a proxy forwarded as not from this machine", async () => {
    const before = await counts();
    const forwarded: Record<string, string>[] = [{ "x-forwarded-for": "203.0.113.9" }, { forwarded: "for=203.0.113.9" }, { "x-real-ip": "203.0.113.9" }];
    for (const headers of forwarded) {
      expect((await call(port, "127.0.0.1", { path: "/", headers })).status).toBe(403);
      expect((await command("127.0.0.1", 'partnership create "Proxied"', headers)).status).toBe(403);
      expect((await call(port, "127.0.0.1", { path: "/healthz", headers })).body).toBe('{"ok":true}');
    }
    expect(await counts()).toEqual(before);
  });

  it("still refuses a Host header that is not this machine's, even from loopback (DNS rebinding)", async () => {
    const before = await counts();
    expect((await call(port, "127.0.0.1", { path: "/", host: `evil.example:${port}` })).status).toBe(403);
    expect((await command("127.0.0.1", 'partnership create "Rebound"', { host: `evil.example:${port}` })).status).toBe(403);
    expect(await counts()).toEqual(before);
  });
});
