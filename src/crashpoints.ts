// Named points where the crash tests kill a real bot process (SIGKILL, nothing flushed), to show
// that whatever was committed before them is finished after a restart, exactly once. Inert unless
// PARTNERPULS_CRASH_AT names the point; the tests set it on the processes they start.
export type CrashPoint = "round-close:before-commit" | "round-close:after-commit" | "deliver:after-send";

export function crashPoint(point: CrashPoint): void {
  if (process.env.PARTNERPULS_CRASH_AT === point) process.kill(process.pid, "SIGKILL");
}
