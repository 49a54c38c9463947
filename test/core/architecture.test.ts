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
  /** Every string, template and regular expression literal in src/, with where it is. */
  function literals(): { where: string; text: string }[] {
    const out: { where: string; text: string }[] = [];
    for (const file of sources(path.join(root, "src"))) {
      const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isRegularExpressionLiteral(node))
          out.push({ where: `${path.relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`, text: node.text });
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    return out;
  }
  const all = literals();

  it("has literals to check", () => {
    expect(all.length).toBeGreaterThan(1000);
  });

  it("write and read no Slack markup for people or channels: they are inline nodes and neutral tokens", () => {
    expect(all.filter((l) => /<[@#]/.test(l.text)).map((l) => `${l.where}: ${l.text.slice(0, 60)}`)).toEqual([]);
  });

  it("name no chat platform, in code or in the catalogues", () => {
    const PLATFORM = /slack|teams|msteams|bot ?framework|botbuilder|adaptive ?card|block ?kit|mrkdwn/i;
    expect(all.filter((l) => PLATFORM.test(l.text)).map((l) => `${l.where}: ${l.text.slice(0, 60)}`)).toEqual([]);
  });
});

describe("the house", () => {
  const core = sources(path.join(root, "src", "core"));
  const lines = (f: string) => readFileSync(f, "utf8").split("\n").length;

  it("keeps each room of the core small enough to read in one sitting", () => {
    const long = core.map((f) => [path.relative(root, f), lines(f)] as const).filter(([, n]) => n > 320);
    expect(core.length).toBeGreaterThanOrEqual(10);
    expect(long).toEqual([]);
    expect(lines(path.join(root, "src", "core.ts"))).toBeLessThan(150);
  });

  it("keeps every file in src/ under 400 lines, but for instrument data and catalogues", () => {
    const DATA = [path.join(root, "src", "instruments"), path.join(root, "src", "i18n")];
    const long = sources(path.join(root, "src"))
      .filter((f) => !DATA.some((d) => f.startsWith(d + path.sep)))
      .map((f) => [path.relative(root, f), lines(f)] as const)
      .filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});
