/** Something started by the app that must be closed on shutdown (a worker, a sweeper, a loop). */
export interface Service {
  name: string;
  close(): Promise<void>;
}

/**
 * A loop as a Service: `tick` every `everyMs` (and at once with `immediately`), never two at a
 * time (a tick still running when the next is due skips it). close() stops the timer, waits for
 * the running tick, then runs `last` once. Failures go to `onError`; the timer never keeps the
 * process alive.
 */
export function intervalService(
  name: string,
  everyMs: number,
  tick: () => Promise<unknown>,
  opts: { onError: (err: unknown) => void; immediately?: boolean; last?: () => Promise<unknown> },
): Service {
  let running: Promise<unknown> | undefined;
  const run = (fn: () => Promise<unknown>) => {
    running = fn()
      .catch(opts.onError)
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (!running) void run(tick);
  }, everyMs);
  timer.unref();
  if (opts.immediately) void run(tick);
  return {
    name,
    async close() {
      clearInterval(timer);
      await running;
      if (opts.last) await run(opts.last);
    },
  };
}
