// The logger: JSON lines; a request id and the workspace on every line of a request; no answer,
// message text, token or secret in any line, whether logged by path, in a sentence, in an error,
// through Bolt's logger, or by a whole check-in through the playground.
import { Writable } from "node:stream";
import { it, expect, beforeAll, afterAll, describe } from "vitest";
import { describeEachDatabase } from "../support/databases.ts";
import { loadConfig, ConfigError } from "../../src/config.ts";
import { startApp } from "../../adapters/main.ts";
import { createLogger, scrub } from "../../src/observability/log.ts";
import { requestIdFrom } from "../../src/observability/context.ts";
import { BoltPinoLogger } from "../../adapters/slack/logger.ts";
import { LogLevel } from "@slack/bolt";
import { command, firstAnswer, playground, setUpRound } from "./playground.ts";

const BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx";
const APP_TOKEN = "xapp-1-A0123456789-1234567890-abcdef0123456789";
const ANSWER = '{"roundId":"r-1","itemId":"vichealth-3.1.2","rating":4}';
const SECRET = "8f14e45fceea167a5a36dedd4bea2543";

function capture() {
  const lines: Record<string, unknown>[] = [];
  let raw = "";
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw += chunk.toString();
      for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { destination, lines, raw: () => raw };
}

describe("the logger", () => {
  it("redacts a logged request's headers, tokens and body, and scrubs tokens from sentences and errors", () => {
    const out = capture();
    const log = createLogger({ level: "debug", destination: out.destination });
    log.info(
      {
        req: { method: "POST", url: "/slack/events", headers: { authorization: `Bearer ${BOT_TOKEN}`, cookie: `s=${SECRET}`, "x-slack-signature": `v0=${SECRET}`, "content-type": "application/json" } },
        body: `payload=${encodeURIComponent(JSON.stringify({ actions: [{ action_id: "poll.answer", value: ANSWER }] }))}`,
        botToken: BOT_TOKEN,
        installation: { bot: { token: BOT_TOKEN }, appToken: APP_TOKEN },
        answer: { value: ANSWER, text: "We agreed on a shared budget" },
      },
      "request",
    );
    log.warn(`auth.test failed for ${BOT_TOKEN} (Authorization: Bearer ${APP_TOKEN})`);
    log.error({ err: new Error(`Slack said invalid_auth for token ${BOT_TOKEN}`) }, "call failed");
    log.warn(`could not connect to postgres://partnerpuls:${SECRET}@db:5432/partnerpuls`);
    const raw = out.raw();
    for (const forbidden of [BOT_TOKEN, APP_TOKEN, SECRET, ANSWER, "rating", "shared budget", "xoxb-", "xapp-"]) expect(raw).not.toContain(forbidden);
    expect(out.lines).toHaveLength(4);
    const [req, sentence, error, url] = out.lines as [Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>];
    expect(req.req.headers).toEqual({ authorization: "[redacted]", cookie: "[redacted]", "x-slack-signature": "[redacted]", "content-type": "application/json" });
    expect(req.body).toBe("[redacted]");
    expect(req.botToken).toBe("[redacted]");
    expect(req.msg).toBe("request");
    expect(sentence.msg).toBe("auth.test failed for [redacted] (Authorization: [redacted])");
    expect(error.err.message).toBe("Slack said invalid_auth for token [redacted]");
    expect(url.msg).toBe("could not connect to postgres://partnerpuls:[redacted]@db:5432/partnerpuls");
    expect(req.level).toBe(30);
    expect(typeof req.time).toBe("number");
  });

  it("Bolt's logger writes strings and errors, never the objects Bolt hands it, at the level Bolt asks", () => {
    const out = capture();
    const bolt = new BoltPinoLogger(createLogger({ level: "debug", destination: out.destination }));
    bolt.setLevel(LogLevel.DEBUG);
    bolt.debug("http request", { url: "https://slack.com/api/chat.postMessage", headers: { Authorization: `Bearer ${BOT_TOKEN}` }, body: { text: ANSWER } });
    bolt.error("An unhandled error occurred", new Error(`token ${BOT_TOKEN} is revoked`));
    expect(out.raw()).not.toContain(BOT_TOKEN);
    expect(out.raw()).not.toContain(ANSWER);
    expect(out.lines[0]).toMatchObject({ level: 20, component: "slack", msg: "http request [object with keys url, headers, body]" });
    expect(out.lines[1]).toMatchObject({ level: 50, msg: "An unhandled error occurred", err: { message: "token [redacted] is revoked" } });
    bolt.setLevel(LogLevel.WARN);
    expect(bolt.getLevel()).toBe(LogLevel.WARN);
    bolt.info("not written");
    expect(out.lines).toHaveLength(2);
  });

  it("keeps an incoming x-request-id only when it is plainly an id", () => {
    expect(requestIdFrom("req-0123456789abcdef")).toBe("req-0123456789abcdef");
    for (const bad of ["short", "a".repeat(65), "has space in it", 'x"},"level":60', "ünïcødé-id-123", undefined, ["two-values-1", "two-values-2"]])
      expect(requestIdFrom(bad as string | undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(scrub("nothing secret here")).toBe("nothing secret here");
  });

  it("LOG_LEVEL is validated with the rest of the configuration", () => {
    expect(loadConfig({}).LOG_LEVEL).toBe("info");
    expect(loadConfig({ LOG_LEVEL: "silent" }).LOG_LEVEL).toBe("silent");
    expect(() => loadConfig({ LOG_LEVEL: "verbose" })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_LEVEL: "verbose" })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ PARTNERPULS_SHUTDOWN_SECONDS: "0" })).toThrow(/PARTNERPULS_SHUTDOWN_SECONDS/);
    expect(loadConfig({}).PARTNERPULS_SHUTDOWN_SECONDS).toBe(20);
    expect(() => loadConfig({ PARTNERPULS_METRICS_TOKEN: "short" })).toThrow(/PARTNERPULS_METRICS_TOKEN/);
  });
});

describeEachDatabase("log lines of a check-in through the playground", (db) => {
  const out = capture();
  let app: Awaited<ReturnType<typeof startApp>>;
  beforeAll(async () => {
    const env = { PORT: "0", PARTNERPULS_PLAYGROUND: "on" };
    app = await startApp(loadConfig(env), db(), env, { clock: false, processMetrics: false, logger: createLogger({ level: "debug", destination: out.destination }) });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("carry the request id and the workspace, and no answer, message text or token", async () => {
    const p = playground(app.server.url, app.playgroundToken!);
    await setUpRound(p);
    await app.settle();
    const answer = await firstAnswer(p, "anders");
    const res = await fetch(`${app.server.url}/local/api/action`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-playground-token": app.playgroundToken!, "x-request-id": "vote-request-0001", authorization: `Bearer ${BOT_TOKEN}` },
      body: JSON.stringify({ as: "anders", actionId: answer.actionId, value: answer.value, messageId: answer.messageId }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("vote-request-0001");
    await command(p, "mette", `action add "Shared budget for 2027" owner=@anders due=2027-01-31`);
    await app.settle();

    const requests = out.lines.filter((l) => l.msg === "request");
    expect(requests.length).toBeGreaterThan(5);
    for (const l of requests) {
      expect(l.requestId).toMatch(/^[\w-]{8,64}$/);
      expect(l).toHaveProperty("route");
      expect(l).toHaveProperty("status");
    }
    const vote = requests.find((l) => l.requestId === "vote-request-0001");
    expect(vote).toMatchObject({ method: "POST", route: "/local/api/*", status: 200, workspace: { platform: "local", externalId: "playground" } });
    expect(new Set(requests.map((l) => l.requestId)).size).toBe(requests.length);
    const raw = out.raw();
    for (const forbidden of [answer.value, answer.prompt, BOT_TOKEN, "Shared budget", app.playgroundToken!, '"rating"']) expect(raw).not.toContain(forbidden);
  });
});
