/**
 * Runs at most `concurrency` tasks at once; the rest wait in order. Slack handlers ack first and
 * hand their work to this, so a burst of clicks queues work instead of starving the acks of CPU.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(readonly concurrency: number) {}

  /** Starts `fn` when a slot is free; the promise settles with `fn`'s result. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      const next = this.waiting.shift();
      if (next) next();
      else if (this.active === 0) {
        for (const w of this.idleWaiters) w();
        this.idleWaiters = [];
      }
    }
  }

  /** Tasks running plus tasks waiting. */
  get size(): number {
    return this.active + this.waiting.length;
  }

  /** Resolves when nothing runs or waits (graceful shutdown). */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }
}
