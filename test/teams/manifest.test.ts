// The Teams app package: manifest.json and its Danish strings valid against the schemas bundled
// with @microsoft/app-manifest (no network), icons of the sizes Teams asks for, commands the
// bot's parser understands, and the zip `npm run package:teams` builds.
import { describe, it, expect } from "vitest";
import { readFile } from "node:fs/promises";
import { inflateSync } from "node:zlib";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import JSZip from "jszip";
import { parseCommand } from "../../src/commands/parse.ts";
import { buildTeamsPackage, validateTeamsManifest, fillPlaceholders, manifestValues, MANIFEST_DIR, SCHEMA_VERSION, drawIcons, PackageError } from "../../scripts/package-teams.ts";

const ENV = { MicrosoftAppId: "2f1c3b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", PARTNERPULS_PUBLIC_HOST: "partnerpuls.example.org" };

/** Width, height, colour type and RGBA pixels of a PNG (8-bit RGBA, as ours are). */
function readPng(buf: Buffer) {
  expect(buf.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  let pos = 8;
  let width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("ascii", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") [width, height, colorType] = [data.readUInt32BE(0), data.readUInt32BE(4), data[9]!];
    if (type === "IDAT") idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels: [number, number, number, number][] = [];
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0); // filter type none
    for (let x = 0; x < width; x++) {
      const i = y * (width * 4 + 1) + 1 + x * 4;
      pixels.push([raw[i]!, raw[i + 1]!, raw[i + 2]!, raw[i + 3]!]);
    }
  }
  return { width, height, colorType, pixels };
}

describe("the Teams app package", () => {
  it("uses the newest manifest schema @microsoft/app-manifest bundles", async () => {
    const template = JSON.parse(await readFile(path.join(MANIFEST_DIR, "manifest.json"), "utf8")) as { manifestVersion: string; $schema: string };
    expect(template.manifestVersion).toBe(SCHEMA_VERSION);
    expect(template.$schema).toContain(`/v${SCHEMA_VERSION}/`);
    const bundled = await readdir(path.join(path.dirname(createRequire(import.meta.url).resolve("@microsoft/app-manifest/package.json")), "build/json-schemas/teams"));
    const newest = bundled.filter((v) => /^v\d+\.\d+$/.test(v)).map((v) => v.slice(1)).sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1])).at(-1);
    expect(SCHEMA_VERSION).toBe(newest);
  });

  it("is valid against the bundled schemas once its placeholders are filled", async () => {
    const { manifest, files } = await buildTeamsPackage(ENV);
    expect(await validateTeamsManifest(manifest, { "da.json": JSON.parse(files["da.json"]!.toString()) })).toEqual([]);
    expect(manifest).toMatchObject({
      id: ENV.MicrosoftAppId,
      bots: [{ botId: ENV.MicrosoftAppId, scopes: ["personal", "team", "groupChat"] }],
      validDomains: ["partnerpuls.example.org"],
      developer: { privacyUrl: "https://partnerpuls.example.org/privacy" },
    });
    expect(JSON.stringify(manifest)).not.toMatch(/\$\{\{/);
  });

  it("the validation finds what Teams would refuse", async () => {
    const { manifest } = await buildTeamsPackage(ENV);
    const broken = { ...manifest, id: "partnerpuls", description: { short: "x".repeat(81), full: "y" } };
    const problems = await validateTeamsManifest(broken, { "da.json": { "name.short": "P" } });
    expect(problems.join("\n")).toMatch(/manifest\.json: \/id must match pattern/);
    expect(problems.join("\n")).toMatch(/manifest\.json: \/description\/short must NOT have more than 80 characters/);
    expect(problems.join("\n")).toMatch(/da\.json: .*must have required property 'description.short'/);
  });

  it("lists commands the bot understands, in English and Danish", async () => {
    const manifest = JSON.parse(await readFile(path.join(MANIFEST_DIR, "manifest.json"), "utf8")) as { bots: { commandLists: { scopes: string[]; commands: { title: string }[] }[] }[] };
    const da = JSON.parse(await readFile(path.join(MANIFEST_DIR, "da.json"), "utf8")) as Record<string, string>;
    const lists = manifest.bots[0]!.commandLists;
    expect(lists.map((l) => l.scopes)).toEqual([["personal"], ["team", "groupChat"]]);
    for (const [i, list] of lists.entries())
      for (const [j, command] of list.commands.entries()) {
        const daTitle = da[`bots[0].commandLists[${i}].commands[${j}].title`];
        expect(daTitle, `${command.title} has a Danish title`).toBeTruthy();
        expect(da[`bots[0].commandLists[${i}].commands[${j}].description`], `${command.title} has a Danish description`).toBeTruthy();
        for (const title of [command.title, daTitle!]) {
          // "set channel here" is the channel's id once typed in a channel
          const parsed = parseCommand(title.replace(/\b(here|her)$/, "<#19:x@thread.tacv2>"));
          // a menu entry may leave its arguments to the person, but the command itself must exist
          expect(parsed.ok || parsed.error !== "unknown-command", `${title}: ${JSON.stringify(parsed)}`).toBe(true);
        }
      }
  });

  it("has a 192×192 colour icon and a 32×32 white-on-transparent outline icon", async () => {
    const color = readPng(await readFile(path.join(MANIFEST_DIR, "color.png")));
    expect([color.width, color.height, color.colorType]).toEqual([192, 192, 6]);
    const outline = readPng(await readFile(path.join(MANIFEST_DIR, "outline.png")));
    expect([outline.width, outline.height, outline.colorType]).toEqual([32, 32, 6]);
    // every pixel white (at any opacity) or fully transparent; something drawn, the corners empty
    for (const [r, g, b, a] of outline.pixels) if (a > 0) expect([r, g, b]).toEqual([255, 255, 255]);
    expect(outline.pixels.filter((p) => p[3] > 128).length).toBeGreaterThan(30);
    expect(outline.pixels[0]![3]).toBe(0);
    // the checked-in icons are what the script draws
    const drawn = drawIcons();
    expect(drawn.color.equals(await readFile(path.join(MANIFEST_DIR, "color.png")))).toBe(true);
    expect(drawn.outline.equals(await readFile(path.join(MANIFEST_DIR, "outline.png")))).toBe(true);
  });

  it("zips manifest, Danish strings and icons at the root", async () => {
    const { zip } = await buildTeamsPackage(ENV);
    const files = await JSZip.loadAsync(zip);
    expect(Object.keys(files.files).sort()).toEqual(["color.png", "da.json", "manifest.json", "outline.png"]);
    const manifest = JSON.parse(await files.file("manifest.json")!.async("string")) as { id: string };
    expect(manifest.id).toBe(ENV.MicrosoftAppId);
  });

  it("says which setting is missing or wrong", async () => {
    await expect(manifestValues({ PARTNERPULS_PUBLIC_HOST: "x.example.org" })).rejects.toThrow(/MicrosoftAppId must be/);
    await expect(manifestValues({ MicrosoftAppId: ENV.MicrosoftAppId })).rejects.toThrow(/PARTNERPULS_PUBLIC_HOST must be/);
    await expect(manifestValues({ ...ENV, PARTNERPULS_PUBLIC_HOST: "https://x.example.org" })).rejects.toThrow(PackageError);
    await expect(manifestValues({ ...ENV, PARTNERPULS_PRIVACY_URL: "http://insecure.example.org" })).rejects.toThrow(/PARTNERPULS_PRIVACY_URL must be an https/);
    expect(() => fillPlaceholders('{"a":"${{NOPE}}"}', {})).toThrow(/\$\{\{NOPE\}\} has no value/);
  });
});
