// `npm run package:teams`: builds dist/partnerpuls-teams.zip, the app package to upload to Teams
// (manifest.json, da.json, color.png, outline.png at the root), from manifest/teams/ with the
// ${{…}} placeholders filled from the environment and the bot's command menu added from
// adapters/teams/menu.ts (the command table's words, Teams' own descriptions), in English in
// manifest.json and in Danish in da.json. It validates the manifest and its Danish strings
// against the JSON schemas bundled with @microsoft/app-manifest (offline) first.
//
//   MicrosoftAppId=<bot app id> PARTNERPULS_PUBLIC_HOST=bot.example.org npm run package:teams
//   npx tsx scripts/package-teams.ts --icons     # redraws manifest/teams/color.png and outline.png
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { deflateSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import JSZip from "jszip";
import { AppManifestUtils } from "@microsoft/app-manifest";
import { commandLists } from "../adapters/teams/menu.ts";
import { langFromLocale, type Lang } from "../src/i18n/i18n.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const MANIFEST_DIR = path.join(root, "manifest/teams");
export const PACKAGE_PATH = path.join(root, "dist/partnerpuls-teams.zip");
export const SCHEMA_VERSION = "1.30";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PackageError extends Error {}

/** The placeholder values, from the environment; a missing or wrong one is named. */
export async function manifestValues(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const appId = env.MicrosoftAppId?.trim() ?? "";
  if (!GUID.test(appId)) throw new PackageError(`MicrosoftAppId must be the Azure Bot's app id (a GUID); it is "${appId}".`);
  const host = env.PARTNERPULS_PUBLIC_HOST?.trim() ?? "";
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d+)?$/i.test(host))
    throw new PackageError(`PARTNERPULS_PUBLIC_HOST must be the bot's public host name without https:// (e.g. bot.example.org); it is "${host}".`);
  const teamsAppId = env.TEAMS_APP_ID?.trim() || appId;
  if (!GUID.test(teamsAppId)) throw new PackageError(`TEAMS_APP_ID must be a GUID; it is "${teamsAppId}".`);
  const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { version: string };
  const url = (name: string, fallback: string) => {
    const v = env[name]?.trim() || fallback;
    if (!/^https:\/\//i.test(v)) throw new PackageError(`${name} must be an https:// address; it is "${v}".`);
    return v;
  };
  return {
    MICROSOFT_APP_ID: appId,
    TEAMS_APP_ID: teamsAppId,
    APP_VERSION: env.TEAMS_APP_VERSION?.trim() || pkg.version,
    PARTNERPULS_PUBLIC_HOST: host.replace(/:\d+$/, ""),
    PARTNERPULS_WEBSITE_URL: url("PARTNERPULS_WEBSITE_URL", `https://${host}/`),
    PARTNERPULS_PRIVACY_URL: url("PARTNERPULS_PRIVACY_URL", `https://${host}/privacy`),
    PARTNERPULS_TERMS_URL: url("PARTNERPULS_TERMS_URL", `https://${host}/terms`),
  };
}

/** Fills ${{NAME}} placeholders; every placeholder must have a value. */
export function fillPlaceholders(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{\{\s*([A-Z0-9_]+)\s*\}\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new PackageError(`manifest placeholder \${{${name}}} has no value`);
    return JSON.stringify(v).slice(1, -1);
  });
}

const schemaDir = () => {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve("@microsoft/app-manifest/package.json")), "build/json-schemas/teams", `v${SCHEMA_VERSION}`);
};

/** The schemas as @microsoft/app-manifest bundles them: validation needs no network. */
export async function bundledSchemas(): Promise<{ manifest: object; localization: object }> {
  const dir = schemaDir();
  const read = async (f: string) => JSON.parse((await readFile(path.join(dir, f), "utf8")).replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b")) as object;
  return { manifest: await read("MicrosoftTeams.schema.json"), localization: await read("MicrosoftTeams.Localization.schema.json") };
}

/**
 * Schema problems of a manifest and its localization files (empty: valid). The manifest goes
 * through @microsoft/app-manifest's own validator with its bundled schema. The localization
 * schema has a pattern that is no valid Unicode regular expression (`\b]`), which that validator's
 * ajv refuses to compile; it is checked with the same ajv (draft 04, with formats) in
 * non-Unicode mode, as JSON Schema draft 04 tools read patterns.
 */
export async function validateTeamsManifest(manifest: object, localizations: Record<string, object> = {}): Promise<string[]> {
  const schemas = await bundledSchemas();
  const problems = (await AppManifestUtils.validateAgainstSchema(manifest as never, schemas.manifest as never)).map((p) => `manifest.json: ${p}`);
  if (Object.keys(localizations).length === 0) return problems;
  const fromAppManifest = createRequire(createRequire(import.meta.url).resolve("@microsoft/app-manifest"));
  const Ajv04 = (fromAppManifest("ajv-draft-04") as { default: new (o: object) => AjvLike }).default;
  const addFormats = (fromAppManifest("ajv-formats") as { default: (ajv: AjvLike, formats: string[]) => void }).default;
  const ajv = new Ajv04({ allErrors: true, strictTypes: false, unicodeRegExp: false });
  addFormats(ajv, ["uri", "email", "regex"]);
  const validate = ajv.compile(schemas.localization);
  for (const [file, json] of Object.entries(localizations))
    if (!validate(json)) problems.push(...(validate.errors ?? []).map((e) => `${file}: ${e.instancePath} ${e.message ?? ""} ${JSON.stringify(e.params)}`));
  return problems;
}

interface AjvLike {
  compile(schema: object): ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params: unknown }[] | null };
}

/** The manifest's command menu, which menu.ts makes: the checked-in files must not list it by hand. */
const MENU_KEY = /^bots\[0\]\.commandLists/;

/** A language file's menu strings (`bots[0].commandLists[i].commands[j].title`, `.description`). */
function menuStrings(lang: Lang): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, list] of commandLists(lang).entries())
    for (const [j, command] of list.commands.entries()) {
      out[`bots[0].commandLists[${i}].commands[${j}].title`] = command.title;
      out[`bots[0].commandLists[${i}].commands[${j}].description`] = command.description;
    }
  return out;
}

/** The package's files, filled in (placeholders, command menu) and validated. */
export async function buildTeamsPackage(env: NodeJS.ProcessEnv): Promise<{ zip: Buffer; manifest: Record<string, unknown>; files: Record<string, Buffer> }> {
  const values = await manifestValues(env);
  const manifest = JSON.parse(fillPlaceholders(await readFile(path.join(MANIFEST_DIR, "manifest.json"), "utf8"), values)) as Record<string, unknown>;
  const bot = (manifest.bots as Record<string, unknown>[] | undefined)?.[0];
  if (!bot) throw new PackageError("manifest/teams/manifest.json has no bot (bots[0])");
  if ("commandLists" in bot) throw new PackageError("manifest/teams/manifest.json lists the bot's commands by hand; the command menu is adapters/teams/menu.ts: remove bots[0].commandLists");
  bot.commandLists = commandLists("en");
  const localizations: Record<string, object> = {};
  const files: Record<string, Buffer> = { "manifest.json": Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) };
  for (const { languageTag, file } of (manifest.localizationInfo as { additionalLanguages?: { languageTag: string; file: string }[] } | undefined)?.additionalLanguages ?? []) {
    const strings = JSON.parse(fillPlaceholders(await readFile(path.join(MANIFEST_DIR, file), "utf8"), values)) as Record<string, unknown>;
    const byHand = Object.keys(strings).find((k) => MENU_KEY.test(k));
    if (byHand) throw new PackageError(`manifest/teams/${file} has the menu string "${byHand}" by hand; the command menu is adapters/teams/menu.ts: remove the bots[0].commandLists keys`);
    const lang = langFromLocale(languageTag);
    if (!lang) throw new PackageError(`manifest/teams/manifest.json adds the language "${languageTag}", which Partnerpuls has no words for`);
    const localized = { ...strings, ...menuStrings(lang) };
    localizations[file] = localized;
    files[file] = Buffer.from(`${JSON.stringify(localized, null, 2)}\n`);
  }
  const problems = await validateTeamsManifest(manifest, localizations);
  if (problems.length) throw new PackageError(`the Teams manifest is not valid:\n  ${problems.join("\n  ")}`);
  const icons = manifest.icons as { color: string; outline: string };
  for (const f of [icons.color, icons.outline]) files[f] = await readFile(path.join(MANIFEST_DIR, f));
  const zip = new JSZip();
  // A fixed date: the same inputs give the same zip.
  for (const [name, data] of Object.entries(files)) zip.file(name, data, { date: new Date("2026-01-01T00:00:00Z") });
  return { zip: await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" }), manifest, files };
}

// ---- icons ----------------------------------------------------------------------------------
// Drawn here (no image library): a white pulse line, on the accent colour (color.png, 192×192)
// or on nothing (outline.png, 32×32: Teams wants white on transparent).

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** An RGBA PNG (8 bits per channel, no filtering). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

const PULSE: [number, number][] = [
  [0.14, 0.56],
  [0.36, 0.56],
  [0.44, 0.32],
  [0.54, 0.76],
  [0.62, 0.44],
  [0.68, 0.56],
  [0.86, 0.56],
];

function distanceToPulse(x: number, y: number): number {
  let best = Infinity;
  for (let i = 0; i + 1 < PULSE.length; i++) {
    const [ax, ay] = PULSE[i]!;
    const [bx, by] = PULSE[i + 1]!;
    const dx = bx - ax, dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
  }
  return best;
}

function draw(size: number, line: number, background: [number, number, number] | null): Buffer {
  const px = new Uint8Array(size * size * 4);
  const radius = size * 0.2;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const cx = x + 0.5, cy = y + 0.5;
      // coverage of the pulse line (anti-aliased over one pixel)
      const stroke = Math.max(0, Math.min(1, line / 2 + 0.5 - distanceToPulse(cx / size, cy / size) * size));
      const i = (y * size + x) * 4;
      if (background) {
        // a rounded square, anti-aliased at the corners
        const qx = Math.max(radius - cx, cx - (size - radius), 0), qy = Math.max(radius - cy, cy - (size - radius), 0);
        const inside = Math.max(0, Math.min(1, radius + 0.5 - Math.hypot(qx, qy)));
        const [r, g, b] = background;
        px[i] = Math.round(r + (255 - r) * stroke);
        px[i + 1] = Math.round(g + (255 - g) * stroke);
        px[i + 2] = Math.round(b + (255 - b) * stroke);
        px[i + 3] = Math.round(255 * inside);
      } else {
        px[i] = px[i + 1] = px[i + 2] = 255;
        px[i + 3] = Math.round(255 * stroke);
      }
    }
  return encodePng(size, size, px);
}

export function drawIcons(): { color: Buffer; outline: Buffer } {
  return { color: draw(192, 12, [0x1f, 0x6f, 0x5c]), outline: draw(32, 2.6, null) };
}

// ---- command line ---------------------------------------------------------------------------

const isEntry = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  (async () => {
    if (process.argv.includes("--icons")) {
      const icons = drawIcons();
      await writeFile(path.join(MANIFEST_DIR, "color.png"), icons.color);
      await writeFile(path.join(MANIFEST_DIR, "outline.png"), icons.outline);
      console.log(`Drew ${path.relative(process.cwd(), MANIFEST_DIR)}/color.png and outline.png.`);
      return;
    }
    const { zip, manifest } = await buildTeamsPackage(process.env);
    await mkdir(path.dirname(PACKAGE_PATH), { recursive: true });
    await writeFile(PACKAGE_PATH, zip);
    console.log(`Wrote ${path.relative(process.cwd(), PACKAGE_PATH)} (Teams app ${String(manifest.id)}, version ${String(manifest.version)}, manifest ${SCHEMA_VERSION}). Upload it in Teams: Apps → Manage your apps → Upload an app.`);
  })().catch((e) => {
    console.error(e instanceof PackageError ? `Cannot package the Teams app: ${e.message}` : e);
    process.exit(1);
  });
}
