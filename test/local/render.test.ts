// The playground's HTML renderer for the core's inline nodes: every node escaped, none parsed.
import { it, expect } from "vitest";
import { renderHtml } from "../../adapters/local/render.ts";
import { message } from "../../src/messages/model.ts";

it("renders each inline node kind as escaped HTML", () => {
  const m = message("x", [{ type: "text", text: [{ t: "text", text: "<b>x</b> type `help`\n" }, { t: "person", id: "carl" }, { t: "text", text: " " }, { t: "person", id: "u-x", name: "<Eve>" }, { t: "text", text: " " }, { t: "channel", id: "styregruppe" }, { t: "text", text: " " }, { t: "strong", text: "*late*" }] }]);
  expect(renderHtml(m, "m1", { carl: "Carl" })).toBe(
    '<div class="message" data-message-id="m1"><p class="">&lt;b&gt;x&lt;/b&gt; type <code>help</code><br><span class="mention">@Carl</span> <span class="mention">@&lt;Eve&gt;</span> <span class="mention">#styregruppe</span> <strong>*late*</strong></p></div>',
  );
});
