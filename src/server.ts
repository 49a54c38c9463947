// The one HTTP server every adapter shares. Adapters mount request handlers; the server knows
// none of them (the composition root in adapters/main.ts wires them in).
import http from "node:http";

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
        sendJson(res, 200, { ok: true, ...(await opts.health()) });
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
