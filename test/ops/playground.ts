// Drives the playground's HTTP API as its page does (see test/behaviour/drivers/local.ts), for
// the operations tests: a partnership set up, a check-in started, a partner's vote.
import { DEMO_SETUP_COMMANDS } from "../../adapters/local/people.ts";
import { JOIN_CODE } from "../../src/domain/join-codes.ts";
import type { Message } from "../../src/messages/model.ts";

export interface Playground {
  call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
}

export function playground(baseUrl: string, token: string): Playground {
  const base = baseUrl.replace("127.0.0.1", "localhost");
  return {
    async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await fetch(`${base}/local/api${path}`, {
        method,
        headers: { "content-type": "application/json", "x-playground-token": token, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
  };
}

export async function command(p: Playground, as: string, text: string, headers?: Record<string, string>): Promise<Message> {
  return (await p.call<{ reply: { message: Message } }>("POST", "/command", { as, text }, headers)).reply.message;
}

/**
 * The demo partnership and an open check-in (Mette coordinates; Anders, Fatima, Lars and Rikke are
 * partners), as the page sets it up: Rikke, of the university's workspace, joins with the
 * invitation's code and Mette approves. Returns how many commands that took.
 */
export async function setUpRound(p: Playground): Promise<number> {
  let commands = 0;
  for (const c of DEMO_SETUP_COMMANDS.en) {
    const reply = await command(p, "mette", c);
    commands++;
    const code = JOIN_CODE.exec(reply.fallback);
    if (code) {
      await p.call("POST", "/demo-join", { as: "rikke", code: code[0], approver: "mette" });
      commands++; // Rikke's `join`
    }
  }
  await command(p, "mette", "checkin start sections=1");
  return commands + 1;
}

/** The first rating button of the first poll in a partner's inbox (waits for the courier to bring it). */
export async function firstAnswer(p: Playground, as: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { messages } = await p.call<{ messages: { id: string; message: Message }[] }>("GET", `/inbox?as=${as}`);
    for (const m of messages)
      for (const b of m.message.blocks)
        if (b.type === "question" && b.options[0]) return { messageId: m.id, actionId: b.options[0].actionId, value: b.options[0].value, prompt: b.prompt };
    if (Date.now() > end) throw new Error(`no poll reached ${as}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
