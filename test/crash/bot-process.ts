// A real bot process for the crash tests: the `npm start` entry (node --import tsx adapters/main.ts)
// with the environment a test gives it, as test/clock/instances.test.ts starts them. Nothing of the
// test's own environment that could change what it does leaks in (SLACK_*, TEAMS_*, a crash point).
import { spawn, type ChildProcess } from "node:child_process";

export interface BotProcess {
  child: ChildProcess;
  /** the server's base URL (PORT=0: whatever port it got) */
  url: string;
  /** ms since the epoch: spawned, and when it said it was running */
  spawnedAt: number;
  readyAt: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLACK_|TEAMS_|Microsoft|PARTNERPULS_|DATABASE_URL$|PORT$|HOST$)/.test(k)));
  return { ...base, PORT: "0", PARTNERPULS_PLAYGROUND: "off", ...env };
}

/** Starts a bot and resolves once it prints that it is running (or rejects with its output). */
export function startBot(env: Record<string, string>, timeoutMs = 60_000): Promise<BotProcess> {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "adapters/main.ts"], { env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the bot did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      const m = /is running on (http:\/\/[\d.:]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, spawnedAt, readyAt: Date.now(), output: () => output, exited });
      }
    });
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the bot exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

/** SIGKILL (nothing flushed, no shutdown) and wait until it is gone. */
export async function killBot(bot: BotProcess): Promise<void> {
  if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill("SIGKILL");
  await bot.exited;
}

/** SIGTERM (a clean shutdown) and wait, SIGKILL after `graceMs`. */
export async function stopBot(bot: BotProcess | undefined, graceMs = 15_000): Promise<void> {
  if (!bot || bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  bot.child.kill("SIGTERM");
  const timer = setTimeout(() => bot.child.kill("SIGKILL"), graceMs);
  await bot.exited;
  clearTimeout(timer);
}

/** Polls `check` every `everyMs` until it is true; throws `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
