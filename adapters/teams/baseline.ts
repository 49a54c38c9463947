// For bench/teams.ts only: the least a bot can do with an `adaptiveCard/action` invoke on the same
// stack (botbuilder's CloudAdapter, authentication off as with TEAMS_LOCAL=1, the shared HTTP
// server's mount): answer with a fixed card. The Teams adapter's own round trip is measured
// against it, so the ratio shows what saving, rendering and updating the card costs.
import { readBody, sendJson, type Mount } from "../../src/server.ts";
import { BotAdapter, createAuthentication, outboundAudience, type Activity } from "./bot.ts";
import { teamsConfigFrom } from "./config.ts";
import { cardInvokeResponse, renderCard } from "./cards.ts";
import { textMessage } from "../../src/messages/model.ts";
import { MESSAGES_PATH } from "./index.ts";

export function bareInvokeMount(): Mount {
  const config = teamsConfigFrom({ TEAMS_LOCAL: "1" })!;
  const adapter = new BotAdapter(createAuthentication(config), outboundAudience(config));
  const card = renderCard(textMessage("Saved"), { lang: "en" });
  return async (req, res, url) => {
    if (url.pathname !== MESSAGES_PATH || req.method !== "POST") return false;
    const activity = JSON.parse((await readBody(req)).toString("utf8")) as Activity;
    const authenticated = await adapter.authenticate(activity, String(req.headers.authorization ?? ""));
    const result = await adapter.run(authenticated, activity, async (context) => {
      await context.sendActivity({ type: "invokeResponse", value: { status: 200, body: cardInvokeResponse(card) } });
    });
    sendJson(res, result?.status ?? 200, result?.body ?? {});
    return true;
  };
}
