// Quiet hours: the bot does not nudge or remind between quietFrom and quietTo (local hours) nor,
// if asked, at weekends. A time inside them moves to the first minute after them.
import { addDays, localParts, zonedTimeToUtc } from "../time/zone.ts";

export interface QuietHours {
  timeZone: string;
  /** local hour quiet starts (18 = 18:00); equal to quietTo means no quiet hours */
  quietFrom: number;
  /** local hour quiet ends (8 = 08:00) */
  quietTo: number;
  quietWeekends: boolean;
}

export function isQuiet(at: Date, q: QuietHours): boolean {
  const l = localParts(at, q.timeZone);
  if (q.quietWeekends && (l.weekday === 6 || l.weekday === 0)) return true;
  if (q.quietFrom === q.quietTo) return false;
  const h = l.hour;
  // 18–08 wraps midnight; 12–14 does not.
  return q.quietFrom > q.quietTo ? h >= q.quietFrom || h < q.quietTo : h >= q.quietFrom && h < q.quietTo;
}

/** `at` itself if it is not quiet, else the first instant after the quiet period (quietTo:00 local). */
export function nextAllowed(at: Date, q: QuietHours): Date {
  if (!isQuiet(at, q)) return at;
  // Walk local days forward from `at`: the candidate is quietTo:00 on that day (or the same day if
  // we are before quietTo). At most 3 steps (Friday evening → Monday morning).
  const today = localParts(at, q.timeZone);
  for (let i = 0; i < 8; i++) {
    const d = addDays(today, i);
    const candidate = zonedTimeToUtc(d.year, d.month, d.day, q.quietFrom === q.quietTo ? 0 : q.quietTo, 0, q.timeZone);
    if (candidate.getTime() > at.getTime() && !isQuiet(candidate, q)) return candidate;
  }
  return at;
}
