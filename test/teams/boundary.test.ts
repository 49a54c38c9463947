// botbuilder is past its end of support: every import of it (and of its botframework-* parts)
// stays inside adapters/teams/, so moving to the Microsoft 365 Agents SDK touches nothing else.
import { it, expect } from "vitest";
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === "generated" || name === "node_modules" ? [] : sources(p);
    return /\.(ts|js|mjs|cjs)$/.test(name) ? [p] : [];
  });
}

it("imports botbuilder only in adapters/teams/", () => {
  const offenders: string[] = [];
  for (const dir of ["src", "adapters", "test", "bench", "scripts"])
    for (const file of sources(path.join(root, dir))) {
      if (file.startsWith(path.join(root, "adapters/teams") + path.sep)) continue;
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from|import|require)\s*\(?\s*["']([^"']+)["']/g))
        if (/^(botbuilder|botframework-)/.test(m[1]!)) offenders.push(`${path.relative(root, file)} → ${m[1]}`);
    }
  expect(offenders).toEqual([]);
});
