// The one HTTP server every adapter shares. Adapters mount request handlers; the server knows
// none of them (the composition root in adapters/main.ts wires them in).
import http from "node:http";
import { isIP } from "node:net";

/** Handles a request it owns and returns true, or returns false to let the next mount try. */
export type Mount = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean>;

export interface ServerOptions {
  port: number;
  host: string;
  mounts: Mount[];
  health: () => Promise<Record<string, unknown>>;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(data) });
  res.end(data);
}

/** Reads a request body, refusing more than `limit` bytes. */
export async function readBody(req: http.IncomingMessage, limit = 1_000_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Whether a listening address (HOST) is this machine only: localhost, 127.0.0.0/8 or ::1 (also
 * written [::1], or as the IPv4-mapped ::ffff:127.x.y.z).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || isLoopbackAddress(h);
}

/** Whether a socket's address is the loopback interface: 127.x.y.z, ::1 or ::ffff:127.x.y.z. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const kind = isIP(address);
  if (kind === 4) return address.split(".")[0] === "127";
  if (kind !== 6) return false;
  // The URL parser writes an IPv6 address in its one canonical form (::1, ::ffff:7f00:1).
  const canonical = URL.canParse(`http://[${address}]/`) ? new URL(`http://[${address}]/`).hostname : "";
  return canonical === "[::1]" || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/**
 * Whether a request comes from this machine and from nobody it relays for: the peer is loopback
 * and no proxy header says it was forwarded (a reverse proxy on this machine connects from
 * 127.0.0.1 on behalf of anyone).
 */
export function fromLoopback(req: http.IncomingMessage): boolean {
  if (!isLoopbackAddress(req.socket?.remoteAddress)) return false;
  return !["forwarded", "x-forwarded-for", "x-real-ip"].some((h) => req.headers[h] !== undefined);
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function startServer(opts: ServerOptions): Promise<{ server: http.Server; url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (req.method === "GET" && url.pathname === "/healthz") {
        // The health check runs for everyone (a load balancer needs a real answer); what it
        // found (database kind, platforms, outbox counts) is for this machine only.
        const detail = await opts.health();
        sendJson(res, 200, fromLoopback(req) ? { ok: true, ...detail } : { ok: true });
        return;
      }
      for (const mount of opts.mounts) if (await mount(req, res, url)) return;
      sendJson(res, 404, { error: "not found" });
    } catch (e) {
      if (e instanceof HttpError) {
        if (!res.headersSent) sendJson(res, e.status, { error: e.message });
        return;
      }
      console.error("partnerpuls: request failed", req.method, url.pathname, e);
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  return {
    server,
    url: `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
