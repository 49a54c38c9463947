// The command registry is the one table of commands: each has its usage, its help in both
// languages, and help lists it where its runners will look for it.
import { describe, it, expect } from "vitest";
import { REGISTRY } from "../../src/core/commands.ts";
import { USAGE } from "../../src/commands/parse.ts";
import { HELP_TOPICS, helpMessage } from "../../src/commands/help.ts";
import { t, hasKey, type Key } from "../../src/i18n/i18n.ts";

describe("the command registry", () => {
  const entries = Object.entries(REGISTRY);

  it("covers every command the parser knows", () => {
    expect(entries.length).toBeGreaterThanOrEqual(30);
    for (const [name, e] of entries) {
      expect(["anyone", "member", "coordinator"]).toContain(e.who);
      expect(USAGE[e.usage], `${name} has no usage`).toMatch(/\S/);
    }
  });

  it("explains every command in English and Danish, and help shows it", () => {
    for (const [name, e] of entries) {
      expect(hasKey(`help.${e.usage}`), `help.${e.usage} for ${name}`).toBe(true);
      const en = t("en", `help.${e.usage}` as Key);
      const da = t("da", `help.${e.usage}` as Key);
      expect(en).not.toBe(da);
      expect(HELP_TOPICS).toContain(e.usage);
      const topic = helpMessage("da", e.usage);
      expect(topic.blocks.some((b) => "text" in b && typeof b.text === "string" && b.text.includes(da))).toBe(true);
    }
  });
});
