// Start-up trip-ups, as a newcomer meets them: a port another program holds gets one line naming
// PORT, not a stack, and the process exits 1.
import { it, expect, afterAll } from "vitest";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { startBot } from "../crash/bot-process.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it("says in one line that the port is taken and how to choose another, and exits 1", async () => {
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, "127.0.0.1", () => r()));
  const port = (holder.address() as net.AddressInfo).port;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "partnerpuls-port-"));
  dirs.push(dataDir);
  try {
    const started = await startBot({ DATABASE_URL: dataDir, PORT: String(port), HOST: "127.0.0.1", PARTNERPULS_PLAYGROUND: "on" }).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(started).toMatch(/exited \(1\)/);
    expect(started).toContain(`port ${port} is already in use`);
    expect(started).toContain(`PORT=${port + 1} npm start`);
    expect(started).not.toMatch(/EADDRINUSE|at Server\.|node:net/);
  } finally {
    holder.close();
  }
}, 60_000);
