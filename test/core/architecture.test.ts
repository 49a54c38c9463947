// The core knows no chat platform: nothing in src/ imports an adapter or a platform SDK.
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return name === "generated" ? [] : sources(p);
    return /\.(ts|js|mjs)$/.test(name) ? [p] : [];
  });
}

describe("the core", () => {
  const files = sources(path.join(root, "src"));

  it("has sources to check", () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it("imports nothing from adapters/ and no platform SDK", () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
        const spec = m[1]!;
        const resolved = spec.startsWith(".") ? path.resolve(path.dirname(file), spec) : spec;
        if (resolved.startsWith(path.join(root, "adapters")) || /^(@slack\/|botbuilder|@microsoft\/)/.test(spec))
          offenders.push(`${path.relative(root, file)} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe("the core's texts", () => {
  // The parser reads what adapters normalise typed mentions to (`<@U123>`): that is input, not
  // output, so it alone may spell the form.
  const READS_INPUT = new Set([path.join(root, "src", "commands", "parse.ts")]);

  it("write no Slack markup for people or channels: they are inline nodes", () => {
    const offenders: string[] = [];
    for (const file of sources(path.join(root, "src"))) {
      if (READS_INPUT.has(file)) continue;
      const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isRegularExpressionLiteral(node)) {
          if (/<[@#]/.test(node.text)) offenders.push(`${path.relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.text.slice(0, 60)}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(offenders).toEqual([]);
  });
});

describe("the house", () => {
  const core = sources(path.join(root, "src", "core"));

  it("keeps each room of the core small enough to read in one sitting", () => {
    const long = core.map((f) => [path.relative(root, f), readFileSync(f, "utf8").split("\n").length] as const).filter(([, n]) => n > 320);
    expect(core.length).toBeGreaterThanOrEqual(10);
    expect(long).toEqual([]);
    expect(readFileSync(path.join(root, "src", "core.ts"), "utf8").split("\n").length).toBeLessThan(150);
  });
});
