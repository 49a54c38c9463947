// The bot's clock in the behaviour suite: real time until the suite moves it, then that far ahead.
import type { startApp } from "../../../adapters/main.ts";

export class SuiteClock {
  private offset = 0;
  readonly now = () => new Date(Date.now() + this.offset);

  /** Moves to `when` (never back) and runs what is due: the clock's jobs, then their deliveries. */
  async at(app: Awaited<ReturnType<typeof startApp>>, when: Date): Promise<void> {
    this.offset = Math.max(this.offset, when.getTime() - Date.now());
    await app.clock.tick();
    await app.settle();
  }
}
