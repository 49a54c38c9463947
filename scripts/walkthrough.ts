// `npm run walkthrough`: times the README's first hour from a fresh clone, as a newcomer's machine
// would spend it: `npm ci`, `npm start` until it answers, then the README's walkthrough through the
// playground's own HTTP API (the page's calls): set up the demo partnership, `checkin start`,
// three partners answer every statement, `status`, `checkin close`, until the digest is in the
// channel. Prints each step's seconds and the total; also the bot's memory (RSS) idle after start
// and at its peak, read from /proc.
//
//   npm run walkthrough                 # clones this checkout's HEAD into a temporary directory
//   npm run walkthrough -- --here       # uses this checkout as it is (no clone, no npm ci)
import { JOIN_CODE } from "../src/domain/join-codes.ts";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const inPlace = process.argv.includes("--here");
const timings: [string, number][] = [];
let mark = performance.now();
const step = (name: string) => {
  const now = performance.now();
  timings.push([name, (now - mark) / 1000]);
  mark = now;
};

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status})`);
}

/** The resident memory (MB) of each process in a tree (npm, tsx, the bot), by pid (Linux). */
function rssTree(pid: number, out = new Map<number, number>()): Map<number, number> {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    out.set(pid, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number)) rssTree(c, out);
  } catch {
    // gone
  }
  return out;
}
/** The bot's own memory: the largest process of the tree (npm and tsx's launcher are small). */
const rssMb = (pid: number) => Math.round(Math.max(0, ...rssTree(pid).values()));
const rssAllMb = (pid: number) => Math.round([...rssTree(pid).values()].reduce((a, b) => a + b, 0));

async function main() {
  const dir = inPlace ? here : path.join(mkdtempSync(path.join(os.tmpdir(), "partnerpuls-walkthrough-")), "partnerpuls");
  let bot: ChildProcess | null = null;
  try {
    if (!inPlace) {
      run("git", ["clone", "-q", here, dir], os.tmpdir());
      step("git clone");
      run("npm", ["ci", "--no-audit", "--no-fund"], dir);
      step("npm ci");
    }
    const data = mkdtempSync(path.join(os.tmpdir(), "partnerpuls-walkthrough-data-"));
    bot = spawn("npm", ["start"], { cwd: dir, env: { ...process.env, PORT: "0", DATABASE_URL: data, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "inherit"] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      bot!.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /is running on (http:\/\/[\d.:]+)/.exec(out);
        if (m) resolve(m[1]!.replace("127.0.0.1", "localhost"));
      });
      bot!.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
    });
    step("npm start, until it answers");
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = rssMb(bot.pid!);
    const idleAll = rssAllMb(bot.pid!);
    mark = performance.now();

    const token = /name="playground-token" content="([^"]+)"/.exec(await (await fetch(`${url}/`)).text())![1]!;
    let peak = idle;
    const call = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${url}/local/api${p}`, { method, headers: { "content-type": "application/json", "x-playground-token": token }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      peak = Math.max(peak, rssMb(bot!.pid!));
      return (await res.json()) as T;
    };
    type Blocks = { type: string; options?: { actionId: string; value: string; selected?: boolean }[] }[];
    const command = (as: string, text: string) => call("POST", "/command", { as, text });

    const { setup, joiner } = await call<{ setup: { en: string[] } | string[]; joiner: string | null }>("GET", "/people");
    await call("POST", "/language", { lang: "en" });
    for (const c of Array.isArray(setup) ? setup : setup.en) {
      const { reply } = (await command("mette", c)) as { reply: { message: { fallback: string } } };
      // The region's person is invited: they join with the code from their own workspace, and Mette approves.
      const code = JOIN_CODE.exec(reply.message.fallback);
      if (code && joiner) await call("POST", "/demo-join", { as: joiner, code: code[0], approver: "mette" });
    }
    step("set up the demo partnership (9 commands)");
    await command("mette", "checkin start");
    step("checkin start");
    for (const who of ["anders", "fatima", "lars"]) {
      // Answer the card in the inbox until it asks nothing more, as a person clicking through.
      let answered = 0;
      for (let guard = 0; guard < 400; guard++) {
        const { messages } = await call<{ messages: { id: string; message: { blocks: Blocks } }[] }>("GET", `/inbox?as=${who}`);
        const card = messages.find((m) => m.message.blocks.some((b) => b.type === "question"));
        const open = card?.message.blocks.find((b) => b.type === "question" && !b.options!.some((o) => o.selected));
        if (!card && answered > 0) break; // all answered: the card says thank you, with no questions
        if (!card) {
          if (guard > 300) throw new Error(`no poll reached ${who}`);
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (!open) break;
        const option = open.options![3]!;
        await call("POST", "/action", { as: who, actionId: option.actionId, value: option.value, messageId: card.id });
        answered++;
      }
    }
    step("three partners answer 35 statements each");
    await command("mette", "status");
    await command("mette", "checkin close");
    for (let i = 0; i < 200; i++) {
      const { messages } = await call<{ messages: { message: { blocks: Blocks } }[] }>("GET", "/channel?id=styregruppe");
      if (messages.some((m) => m.message.blocks.some((b) => b.type === "bars"))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    step("status, checkin close, until the digest is in #styregruppe");

    const total = timings.reduce((n, [, s]) => n + s, 0);
    for (const [name, s] of timings) console.log(`${name.padEnd(60)} ${s.toFixed(1).padStart(6)} s`);
    console.log(`${"total machine time".padEnd(60)} ${total.toFixed(1).padStart(6)} s`);
    console.log(`RSS of the bot process: idle ${idle} MB, peak during the walkthrough ${peak} MB (npm start's whole tree, with npm and tsx's launcher, idle: ${idleAll} MB)`);
    rmSync(data, { recursive: true, force: true });
  } finally {
    bot?.kill("SIGTERM");
    if (!inPlace) rmSync(path.dirname(dir), { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
