// The one HTTP server every adapter shares. Adapters mount request handlers; the server knows
// none of them (the composition root in adapters/main.ts wires them in).
import http from "node:http";
import { isIP } from "node:net";
import { timingSafeEqual } from "node:crypto";
import { logger as processLogger, type Logger } from "./observability/log.ts";
import { requestIdFrom, runInRequest, type RequestContext } from "./observability/context.ts";
import type { Metrics } from "./observability/metrics.ts";
import { ConfigError } from "./config.ts";

/** Handles a request it owns and returns true, or returns false to let the next mount try. */
export type Mount = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean>;

export interface ServerOptions {
  port: number;
  host: string;
  mounts: Mount[];
  /** the paths the mounts serve, named as themselves in metrics and logs (any other path is "other") */
  routes?: readonly string[];
  health: () => Promise<Record<string, unknown>>;
  /** GET /readyz: whether this instance should be sent traffic (503 while starting or stopping) */
  ready?: () => Promise<{ ready: boolean } & Record<string, unknown>>;
  /** GET /metrics, for this machine, or for anyone with `Authorization: Bearer <metricsToken>` */
  metrics?: Metrics;
  metricsToken?: string;
  logger?: Logger;
}

/** The server's handle: close() stops taking connections and lets requests in flight finish. */
export interface Server {
  server: http.Server;
  url: string;
  /** requests being handled now */
  readonly inflight: number;
  /** Stops accepting, waits up to `graceMs` (default 10 s) for requests in flight, then drops every connection. */
  close(graceMs?: number): Promise<void>;
}

/**
 * A low-cardinality name for a path, for metrics and logs: never the path itself (ids, OAuth
 * codes) and never a query string.
 */
export function routeOf(pathname: string, routes: readonly string[] = []): string {
  const exact = ["/", "/playground", "/healthz", "/readyz", "/metrics"];
  if (exact.includes(pathname) || routes.includes(pathname)) return pathname;
  for (const [prefix, route] of [
    ["/downloads/", "/downloads/:id"],
    ["/playground/", "/playground/*"],
    ["/local/api/", "/local/api/*"],
  ] as const)
    if (pathname.startsWith(prefix)) return route;
  return "other";
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Probes and scrapes come every few seconds: their lines are debug, the rest info. */
const QUIET_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(data) });
  res.end(data);
}

/** The answer to a path nobody serves, and to a link that opens nothing: the two look alike. */
export function sendNotFound(res: http.ServerResponse): void {
  sendJson(res, 404, { error: "not found" });
}

/**
 * A mount that serves GET and HEAD under `prefix` (anything else is 405): `serve` gets the rest of
 * the path and answers with `send` (its body left out for HEAD) or sendNotFound.
 */
export function readOnlyMount(prefix: string, serve: (rest: string, url: URL, send: (headers: http.OutgoingHttpHeaders, body: Buffer) => void, res: http.ServerResponse) => Promise<void>): Mount {
  return async (req, res, url) => {
    if (!url.pathname.startsWith(prefix)) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end();
      return true;
    }
    await serve(url.pathname.slice(prefix.length), url, (headers, body) => {
      res.writeHead(200, { ...headers, "content-length": body.length });
      res.end(req.method === "HEAD" ? undefined : body);
    }, res);
    return true;
  };
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

export async function startServer(opts: ServerOptions): Promise<Server> {
  const log = () => opts.logger ?? processLogger();
  let inflight = 0;
  let closing = false;
  let idle: (() => void) | null = null;
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    if (req.method === "GET" && url.pathname === "/healthz") {
      // The health check runs for everyone (a load balancer needs a real answer); what it
      // found (database kind, platforms, outbox counts) is for this machine only.
      const detail = await opts.health();
      sendJson(res, 200, fromLoopback(req) ? { ok: true, ...detail } : { ok: true });
      return;
    }
    if (req.method === "GET" && url.pathname === "/readyz") {
      // Not ready while starting and from the moment a shutdown begins, so a load balancer
      // stops sending before the listener goes away. Detail, as for /healthz, for this machine.
      let state: { ready: boolean } & Record<string, unknown>;
      try {
        state = closing ? { ready: false, state: "stopping" } : opts.ready ? await opts.ready() : { ready: true };
      } catch (e) {
        state = { ready: false, reason: e instanceof Error ? e.message : String(e) };
      }
      const { ready, ...detail } = state;
      sendJson(res, ready ? 200 : 503, fromLoopback(req) ? { ok: ready, ...detail } : { ok: ready });
      return;
    }
    if (req.method === "GET" && url.pathname === "/metrics" && opts.metrics) {
      // Unknown to anyone else: the same 404 as a path that does not exist.
      if (!fromLoopback(req) && !(opts.metricsToken && bearerMatches(req.headers.authorization, opts.metricsToken))) {
        sendNotFound(res);
        return;
      }
      const text = await opts.metrics.text();
      res.writeHead(200, { "content-type": opts.metrics.contentType, "content-length": Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    for (const mount of opts.mounts) if (await mount(req, res, url)) return;
    sendNotFound(res);
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routeOf(url.pathname, opts.routes);
    const ctx: RequestContext = { requestId: requestIdFrom(req.headers["x-request-id"]) };
    const started = process.hrtime.bigint();
    inflight++;
    res.setHeader("x-request-id", ctx.requestId);
    // Draining: this connection is not reused for another request.
    if (closing) res.setHeader("connection", "close");
    res.once("close", () => {
      inflight--;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : 499; // 499: the client went away first
      opts.metrics?.observeRequest(req.method ?? "", route, status, seconds);
      const line = { requestId: ctx.requestId, ...(ctx.workspace ? { workspace: ctx.workspace } : {}), method: req.method, route, status, ms: Math.round(seconds * 1000) };
      if (QUIET_ROUTES.has(route) && status < 500) log().debug(line, "request");
      else log().info(line, "request");
      if (inflight === 0) idle?.();
    });
    void runInRequest(ctx, async () => {
      try {
        await handle(req, res, url);
      } catch (e) {
        if (e instanceof HttpError) {
          if (!res.headersSent) sendJson(res, e.status, { error: e.message });
          return;
        }
        log().error({ err: e, method: req.method, route }, "request failed");
        if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
        else res.end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      // A port someone else has is a setting to change, said in one line, not a stack.
      reject(e.code === "EADDRINUSE" ? new ConfigError(`Partnerpuls cannot start: port ${opts.port} is already in use (another Partnerpuls, or another program). Choose a free one with PORT, e.g. PORT=${opts.port + 1} npm start.`) : e),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.port;
  let closed: Promise<void> | null = null;
  return {
    server,
    url: `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`,
    get inflight() {
      return inflight;
    },
    close: (graceMs = 10_000) =>
      (closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inflight > 0) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            idle = resolve;
            timer = setTimeout(resolve, graceMs);
          });
          clearTimeout(timer);
          if (inflight > 0) log().warn({ inflight }, `requests still in flight after ${graceMs} ms: closing their connections`);
        }
        server.closeAllConnections();
        await stopped;
      })()),
  };
}
