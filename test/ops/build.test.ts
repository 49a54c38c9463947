// The production build, as the Dockerfile runs it: `npm run build` compiles src/ and adapters/
// (the generated Prisma client too) into dist/ with the files the app reads at run time; the
// compiled app starts with plain node, migrates, answers /healthz and /readyz and serves the
// playground's page; and nothing in dist/ imports a dev dependency (the image prunes them).
import { execFile } from "node:child_process";
import { builtinModules } from "node:module";
import { readFile, readdir } from "node:fs/promises";
import { spawn } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { it, expect, describe, beforeAll } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

async function* jsFiles(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* jsFiles(p);
    else if (e.name.endsWith(".js")) yield p;
  }
}

describe("npm run build", () => {
  beforeAll(async () => {
    await run("npm", ["run", "build"], { cwd: root, timeout: 240_000 });
  }, 300_000);

  it("writes JavaScript with .js imports and the run-time assets beside it", async () => {
    const main = await readFile(path.join(root, "dist/adapters/main.js"), "utf8");
    expect(main).toMatch(/from "\.\.\/src\/config\.js"/);
    expect(main).not.toMatch(/from "[^"]+\.ts"/);
    for (const f of ["dist/src/generated/prisma/client.js", "dist/adapters/local/public/index.html", "dist/src/instruments/data/vichealth-checklist.v1.json"])
      await expect(readFile(path.join(root, f)), f).resolves.toBeDefined();
    const shipped = (await readdir(path.join(root, "prisma/migrations"))).sort();
    expect((await readdir(path.join(root, "dist/prisma/migrations"))).sort()).toEqual(shipped);
  });

  it("imports only dependencies, never a dev dependency, so the image can prune them", async () => {
    const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const allowed = new Set(Object.keys(pkg.dependencies));
    const used = new Set<string>();
    for await (const f of jsFiles(path.join(root, "dist"))) {
      if (f.includes(`${path.sep}public${path.sep}`)) continue; // the playground page's own script runs in the browser
      const text = await readFile(f, "utf8");
      for (const m of text.matchAll(/^\s*(?:import|export)\s(?:[^;"']*?\sfrom\s*)?["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']/gm)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith(".") || spec.startsWith("/")) continue;
        if (spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]!)) continue;
        used.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!);
      }
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((u) => !allowed.has(u))).toEqual([]);
  });

  it("node dist/adapters/main.js starts, migrates and answers /healthz, /readyz and the playground", async () => {
    const child = spawn(process.execPath, ["dist/adapters/main.js"], {
      cwd: root,
      env: { PATH: process.env.PATH, PORT: "0", DATABASE_URL: "memory://", PARTNERPULS_PLAYGROUND: "on", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not running after 60 s:\n${output}`)), 60_000);
        child.stdout.on("data", (d: Buffer) => {
          output += d.toString();
          const m = /is running on (http:\/\/[\d.:]+)/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        void exited.then((code) => reject(new Error(`exited ${code}:\n${output}`)));
      });
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ ok: true, database: "pglite" });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ok: true, migrations: (await readdir(path.join(root, "prisma/migrations"), { withFileTypes: true })).filter((e) => e.isDirectory()).length });
      const page = await fetch(`${url.replace("127.0.0.1", "localhost")}/`);
      expect(page.status).toBe(200);
      const token = /name="playground-token" content="([^"]+)"/.exec(await page.text())![1]!;
      // the instrument files are found from dist/ too
      const list = await fetch(`${url.replace("127.0.0.1", "localhost")}/local/api/command`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-playground-token": token },
        body: JSON.stringify({ as: "mette", text: "instrument list" }),
      });
      expect(await list.text()).toMatch(/vichealth-checklist/);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
