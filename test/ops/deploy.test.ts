// compose.yaml and the Dockerfile, read as data (no Docker engine here): two bot instances on one
// PostgreSQL 15, each variable they set known to the configuration, and an image that builds with
// the same commands the build test runs, prunes dev dependencies and runs as a non-root user.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { it, expect, describe } from "vitest";
import { loadConfig } from "../../src/config.ts";

const root = path.resolve(import.meta.dirname, "../..");

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  ports?: string[];
}

/** compose's ${VAR:-default} with nothing set: the default. */
const interpolate = (v: string) => v.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_m, _name: string, dflt?: string) => dflt ?? "");

describe("compose.yaml", async () => {
  const compose = parse(await readFile(path.join(root, "compose.yaml"), "utf8"), { merge: true }) as { services: Record<string, Service> };
  const services = compose.services;
  const bots = Object.entries(services).filter(([, s]) => s.build !== undefined);

  it("runs PostgreSQL 15 and two bot instances built from this Dockerfile, on the same database", () => {
    expect(services.postgres?.image).toMatch(/^postgres:15(\b|$)/);
    expect(bots.map(([name]) => name).sort()).toEqual(["bot-1", "bot-2"]);
    const urls = new Set(bots.map(([, s]) => interpolate(s.environment!.DATABASE_URL!)));
    expect(urls.size).toBe(1);
    const url = new URL([...urls][0]!);
    expect(url.protocol).toBe("postgres:");
    expect(url.hostname).toBe("postgres");
    expect(url.pathname).toBe(`/${services.postgres!.environment!.POSTGRES_DB}`);
    for (const [name, s] of bots) {
      expect(s.environment).toMatchObject({ PARTNERPULS_INSTANCE: name, HOST: "0.0.0.0", PARTNERPULS_PLAYGROUND: "off" });
      expect(s.depends_on).toHaveProperty("postgres");
    }
    // one published port each, never the same
    const published = bots.map(([, s]) => s.ports![0]!.split(":")[0]);
    expect(new Set(published).size).toBe(2);
  });

  it("sets only variables the configuration knows, with values it accepts", () => {
    for (const [name, s] of bots) {
      const env = Object.fromEntries(Object.entries(s.environment!).map(([k, v]) => [k, interpolate(String(v))]));
      const config = loadConfig(env) as Record<string, unknown>;
      for (const key of Object.keys(env)) expect(config, `${name}: ${key}`).toHaveProperty(key);
      expect(config.PARTNERPULS_INSTANCE).toBe(name);
    }
  });
});

describe("Dockerfile", async () => {
  const text = await readFile(path.join(root, "Dockerfile"), "utf8");
  const lines = text.replace(/\\\n/g, " ").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));

  it("builds on node:20-bookworm-slim in two stages: npm ci, npm run build, npm prune --omit=dev", () => {
    expect(lines.filter((l) => l.startsWith("FROM ")).map((l) => l.split(/\s+/)[1])).toEqual(["node:20-bookworm-slim", "node:20-bookworm-slim"]);
    const runs = lines.filter((l) => l.startsWith("RUN ")).join(" ");
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build\b/);
    expect(runs).toMatch(/npm prune --omit=dev\b/);
  });

  it("runs the compiled app as a non-root user, with a HEALTHCHECK on /readyz", () => {
    const user = lines.filter((l) => l.startsWith("USER ")).pop();
    expect(user).toBeDefined();
    expect(user!.split(/\s+/)[1]).not.toMatch(/^(root|0)$/);
    expect(lines.find((l) => l.startsWith("HEALTHCHECK "))).toMatch(/\/readyz/);
    expect(lines.filter((l) => l.startsWith("CMD ")).pop()).toBe('CMD ["node", "dist/adapters/main.js"]');
  });

  it("sets only variables the configuration knows", () => {
    const env: Record<string, string> = {};
    for (const l of lines.filter((x) => x.startsWith("ENV ")))
      for (const m of l.slice(4).matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
    const { NODE_ENV, ...ours } = env;
    expect(NODE_ENV).toBe("production");
    const config = loadConfig(ours) as Record<string, unknown>;
    for (const key of Object.keys(ours)) expect(config, key).toHaveProperty(key);
  });

  it("copies into the build only what exists and .dockerignore lets through", async () => {
    const ignored = (await readFile(path.join(root, ".dockerignore"), "utf8")).split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    for (const l of lines.filter((x) => x.startsWith("COPY ") && !x.includes("--from="))) {
      const sources = l.split(/\s+/).slice(1, -1).filter((s) => !s.startsWith("--"));
      for (const src of sources) {
        await expect(readFile(path.join(root, src)).catch((e: NodeJS.ErrnoException) => (e.code === "EISDIR" ? "dir" : Promise.reject(e))), src).resolves.toBeDefined();
        expect(ignored, src).not.toContain(src);
      }
    }
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", "dist", ".git", ".env"]));
  });
});
