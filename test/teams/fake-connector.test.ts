// The fake connector enforces Teams' limits as Teams would, so the courier's pacing can be
// measured against it, and counts what arrived per conversation (duplicates, losses).
import { describe, it, expect, afterEach } from "vitest";
import { FakeTeams, personalConversationId } from "../support/fake-teams.ts";

let fake: FakeTeams | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const send = (f: FakeTeams, conversationId: string, key: string, tenant = "t1") =>
  fetch(`${f.url}v3/conversations/${encodeURIComponent(conversationId)}/activities`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "message", summary: key, conversation: { id: conversationId, tenantId: tenant } }),
  });

describe("the fake Teams connector", () => {
  it("refuses the 8th message in a second to one conversation, and the 61st in 30 s", async () => {
    fake = await FakeTeams.start({ enforceLimits: true });
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await send(fake, "a:1:1-29:u1", `m${i}`)).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 201, 429]);
    const refused = fake.calls.at(-1)!;
    expect(refused.status).toBe(429);
    // other conversations are not held up by this one
    expect((await send(fake, "a:1:1-29:u2", "x")).status).toBe(201);
  });

  it("refuses more than 30 messages a second in one tenant", async () => {
    fake = await FakeTeams.start({ enforceLimits: { perConversation: [], perTenant: [{ count: 30, perMs: 1000 }] } });
    const statuses = await Promise.all(Array.from({ length: 35 }, (_, i) => send(fake!, `a:1:1-29:u${i}`, "m").then((r) => r.status)));
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    // another tenant has its own budget
    expect((await send(fake, "a:1:1-29:other", "m", "t2")).status).toBe(201);
  });

  it("answers 429 to every Nth call, with or without Retry-After", async () => {
    fake = await FakeTeams.start({ throttleEvery: 3, retryAfterSeconds: null });
    const res = [];
    for (let i = 0; i < 6; i++) res.push(await send(fake, "c1", `m${i}`));
    expect(res.map((r) => r.status)).toEqual([201, 201, 429, 201, 201, 429]);
    expect(res[2]!.headers.get("retry-after")).toBeNull();
  });

  it("counts duplicates and losses per conversation", async () => {
    fake = await FakeTeams.start();
    await send(fake, personalConversationId("29:a"), "poll-a");
    await send(fake, personalConversationId("29:a"), "poll-a");
    await send(fake, personalConversationId("29:b"), "poll-b");
    const tally = fake.tally((a) => (typeof a.summary === "string" ? a.summary : null), new Map([
      [personalConversationId("29:a"), ["poll-a"]],
      [personalConversationId("29:b"), ["poll-b"]],
      [personalConversationId("29:c"), ["poll-c"]],
    ]));
    expect({ delivered: tally.delivered, duplicates: tally.duplicates, lost: tally.lost }).toEqual({ delivered: 2, duplicates: 1, lost: 1 });
  });
});
