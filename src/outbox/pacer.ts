// Sliding-window pacing: before each send the courier reserves a slot in every window that
// applies (the conversation's, the workspace's) and waits until the slot comes. A 429 pauses a key.
import type { RateLimit } from "../ports.ts";

export interface PaceKey {
  key: string;
  limits: RateLimit[];
}

export class Pacer {
  /** reservation times per key, oldest first, trimmed to the largest window */
  private readonly log = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * Reserves the earliest instant at which a send fits every window of every key, and returns how
   * long to wait for it; or null, reserving nothing, if that is more than `maxWaitMs` away.
   */
  reserve(keys: PaceKey[], maxWaitMs = Infinity): number | null {
    const now = this.clock();
    let at = now;
    for (const k of keys) at = Math.max(at, this.pausedUntil.get(k.key) ?? 0);
    // Each window can only push `at` later; repeat until no window moves it.
    for (let moved = true; moved; ) {
      moved = false;
      for (const k of keys) {
        const times = this.log.get(k.key) ?? [];
        for (const l of k.limits) {
          const inWindow = times.filter((t) => t > at - l.perMs);
          if (inWindow.length >= l.count) {
            const next = inWindow[inWindow.length - l.count]! + l.perMs;
            if (next > at) {
              at = next;
              moved = true;
            }
          }
        }
      }
    }
    if (at - now > maxWaitMs) return null;
    for (const k of keys) {
      const times = this.log.get(k.key) ?? [];
      times.push(at);
      times.sort((a, b) => a - b);
      const horizon = Math.max(...k.limits.map((l) => l.perMs), 0);
      while (times.length && times[0]! <= now - horizon) times.shift();
      this.log.set(k.key, times);
    }
    return at - now;
  }

  /** The platform said 429: nothing under this key goes out before `untilMs`. */
  pause(key: string, untilMs: number): void {
    this.pausedUntil.set(key, Math.max(this.pausedUntil.get(key) ?? 0, untilMs));
  }
}
