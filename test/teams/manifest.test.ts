// The Teams app package: manifest.json and its Danish strings valid against the schemas bundled
// with @microsoft/app-manifest (no network), icons of the sizes Teams asks for, a command menu
// built from the command table that the bot's parser understands, and the zip `npm run
// package:teams` builds.
import { describe, it, expect } from "vitest";
import { readFile } from "node:fs/promises";
import { inflateSync } from "node:zlib";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import JSZip from "jszip";
import { parseCommand, channelToken, COMMAND_TABLE } from "../../src/commands/parse.ts";
import { buildTeamsPackage, bundledSchemas, validateTeamsManifest, fillPlaceholders, manifestValues, MANIFEST_DIR, SCHEMA_VERSION, drawIcons, PackageError } from "../../scripts/package-teams.ts";
import { TEAMS_MENU, MENU_LIMITS, commandLists, menuForm } from "../../adapters/teams/menu.ts";
import { teamsText } from "../../adapters/teams/words.ts";

/** The built manifest's command lists. */
type Built = { bots: { commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[] }[] };
/** As much of a JSON schema as the limits test reads. */
type Schema = { properties?: Record<string, Schema>; items?: Schema; patternProperties?: Record<string, Schema>; maxItems?: number; maxLength?: number };

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

  it("can be added to a meeting's chat and hears the meeting start and end (the RSC permissions Microsoft documents)", async () => {
    const { manifest, files } = await buildTeamsPackage(ENV);
    const strings = { "da.json": JSON.parse(files["da.json"]!.toString()) };
    expect(await validateTeamsManifest(manifest, strings)).toEqual([]);
    const m = manifest as { bots: { scopes: string[] }[]; webApplicationInfo?: { id: string; resource: string }; authorization?: { permissions?: { resourceSpecific?: { name: string; type: string }[] } } };
    // A meeting's chat is a group chat: the bot needs that scope.
    expect(m.bots[0]!.scopes).toContain("groupChat");
    expect(m.authorization?.permissions?.resourceSpecific).toEqual(expect.arrayContaining([
      { name: "OnlineMeeting.ReadBasic.Chat", type: "Application" },
      { name: "ChannelMeeting.ReadBasic.Group", type: "Application" },
    ]));
    expect(m.webApplicationInfo).toEqual({ id: ENV.MicrosoftAppId, resource: `api://partnerpuls.example.org/${ENV.MicrosoftAppId}` });
    // The validator refuses a permission Teams does not know.
    const broken = structuredClone(manifest) as typeof m;
    broken.authorization!.permissions!.resourceSpecific![0]!.type = "Sometimes";
    expect((await validateTeamsManifest(broken as object, strings)).join("\n")).toMatch(/resourceSpecific/);
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
    const { manifest, files } = await buildTeamsPackage(ENV);
    const da = JSON.parse(files["da.json"]!.toString()) as Record<string, string>;
    const lists = (manifest as unknown as Built).bots[0]!.commandLists;
    expect(lists.map((l) => l.scopes)).toEqual([["personal"], ["team", "groupChat"]]);
    expect(lists.map((l) => l.commands.length)).toEqual(TEAMS_MENU.map((l) => l.items.length));
    for (const [i, list] of lists.entries())
      for (const [j, command] of list.commands.entries()) {
        const form = menuForm(TEAMS_MENU[i]!.items[j]!);
        const daTitle = da[`bots[0].commandLists[${i}].commands[${j}].title`];
        expect(daTitle, `${command.title} has a Danish title`).toBeTruthy();
        expect(da[`bots[0].commandLists[${i}].commands[${j}].description`], `${command.title} has a Danish description`).toBeTruthy();
        for (const title of [command.title, daTitle!]) {
          // "set channel here" is the channel's token once typed in a channel
          const parsed = parseCommand(title.replace(/\b(here|her)$/, channelToken("19:x@thread.tacv2")));
          // a menu entry may leave its arguments to the person, but the command itself must exist
          expect(parsed.ok || parsed.error !== "unknown-command", `${title}: ${JSON.stringify(parsed)}`).toBe(true);
          // and it is the command of the form the menu names
          if (parsed.ok) expect(parsed.command.name, title).toBe(form.name);
          else {
            expect("usage" in parsed && parsed.usage, `${title}: ${JSON.stringify(parsed)}`).toBe(form.topic);
            expect(form.args ?? form.options?.length ?? 0, `${title} takes nothing, so it must parse`).toBeGreaterThan(0);
          }
        }
      }
  });

  it("builds the menu from the command table, with Teams' own descriptions", async () => {
    const names = new Set(COMMAND_TABLE.map((f) => f.name));
    for (const list of TEAMS_MENU)
      for (const item of list.items) {
        expect(names.has(item.form), `${item.form} is a form of the command table`).toBe(true);
        expect(COMMAND_TABLE).toContain(menuForm(item));
      }
    const { manifest, files } = await buildTeamsPackage(ENV);
    expect((manifest as unknown as Built).bots[0]!.commandLists).toEqual(commandLists("en"));
    const da = JSON.parse(files["da.json"]!.toString()) as Record<string, string>;
    for (const [i, list] of commandLists("da").entries())
      for (const [j, command] of list.commands.entries()) {
        expect(da[`bots[0].commandLists[${i}].commands[${j}].title`]).toBe(command.title);
        expect(da[`bots[0].commandLists[${i}].commands[${j}].description`]).toBe(command.description);
      }
    // the titles are the table's words as each language spells them
    expect(commandLists("en").map((l) => l.commands.map((c) => c.title))).toEqual([
      ["help", "status", "partnership list", "action list", "action done", "checkin start", "checkin close", "remind", "digest", "language da", "mydata export", "partnership create"],
      ["partnership create", "set channel here", "member add", "action add", "status", "help"],
    ]);
    expect(commandLists("da").map((l) => l.commands.map((c) => c.title))).toEqual([
      ["hjælp", "status", "partnerskab liste", "aftale liste", "aftale færdig", "runde start", "runde luk", "påmind", "opsummering", "sprog en", "mine-data eksport", "partnerskab opret"],
      ["partnerskab opret", "sæt kanal her", "medlem tilføj", "aftale tilføj", "status", "hjælp"],
    ]);
    expect(commandLists("da")[0]!.commands[0]!.description).toBe(teamsText("da", "menu.personal.help"));
    // nobody writes the menu by hand: the checked-in files hold none of it
    const template = JSON.parse(await readFile(path.join(MANIFEST_DIR, "manifest.json"), "utf8")) as { bots: object[] };
    expect(template.bots[0]).not.toHaveProperty("commandLists");
    expect(Object.keys(JSON.parse(await readFile(path.join(MANIFEST_DIR, "da.json"), "utf8")) as object).filter((k) => k.startsWith("bots["))).toEqual([]);
  });

  it("keeps the menu within the limits of the bundled schema", async () => {
    const { manifest: schema, localization } = (await bundledSchemas()) as { manifest: Schema; localization: Schema };
    const lists = schema.properties!.bots!.items!.properties!.commandLists!;
    const command = lists.items!.properties!.commands!.items!;
    expect(MENU_LIMITS).toEqual({
      lists: lists.maxItems,
      commands: lists.items!.properties!.commands!.maxItems,
      title: command.properties!.title!.maxLength,
      description: command.properties!.description!.maxLength,
    });
    const localized = (field: string) => Object.entries(localization.patternProperties!).find(([k]) => k.startsWith("^bots") && k.includes(`\\.${field}$`))![1].maxLength;
    expect([localized("title"), localized("description")]).toEqual([MENU_LIMITS.title, MENU_LIMITS.description]);
    for (const lang of ["en", "da"] as const) {
      const built = commandLists(lang);
      expect(built.length).toBeLessThanOrEqual(MENU_LIMITS.lists);
      for (const list of built) {
        expect(list.commands.length).toBeLessThanOrEqual(MENU_LIMITS.commands);
        for (const c of list.commands) {
          expect(c.title.length, c.title).toBeLessThanOrEqual(MENU_LIMITS.title);
          expect(c.description.length, c.title).toBeLessThanOrEqual(MENU_LIMITS.description);
        }
      }
    }
    const tooMany = [{ id: "personal" as const, scopes: ["personal" as const], items: Array.from({ length: MENU_LIMITS.commands + 1 }, () => ({ form: "help" as const })) }];
    expect(() => commandLists("en", tooMany)).toThrow(/at most 12/);
    expect(() => commandLists("en", [{ id: "personal", scopes: ["personal"], items: [{ form: "schedule.set" }] }])).toThrow(/names 2 forms/);
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
