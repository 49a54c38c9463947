// The playground's own lookups of what people type: a mention of a word that names a property of
// Object.prototype ("@constructor") is rendered as that word, through the real HTTP API.
import { it, expect, beforeAll, afterAll } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";

describeEachDatabase("the playground with prototype words", (db) => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let base: string;
  const command = async (text: string) => {
    const res = await fetch(`${base}/local/api/command`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-playground-token": app.playgroundToken! },
      body: JSON.stringify({ as: "mette", text }),
    });
    return { status: res.status, body: (await res.json()) as { reply?: { html: string } } };
  };

  beforeAll(async () => {
    const env = { PORT: "0", PARTNERPULS_PLAYGROUND: "on" };
    app = await startApp(loadConfig(env), db(), env, { clock: false });
    base = app.server.url.replace("127.0.0.1", "localhost");
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("renders a mention of constructor, toString or __proto__ as the word itself", async () => {
    for (const w of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const r = await command(`help @${w}`);
      expect(r.status, w).toBe(200);
      expect(r.body.reply!.html).toContain(`<span class="mention">@${w}</span>`);
      expect(r.body.reply!.html).not.toMatch(/function |native code|\[object /);
    }
    // a known person's mention still shows their name
    expect((await command("help @mette")).body.reply!.html).toContain('<span class="mention">@Mette');
  });
});
