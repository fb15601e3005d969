import { parentPort, workerData } from 'node:worker_threads';
import { SlackTestClient } from '../sandbox/slack/index.js';
import { pool } from './stats.js';

/** What the click load generator thread is given. */
export interface ClickJob {
  eventsUrl: string;
  signingSecret: string;
  targets: { channel: string; ts: string; message: { blocks?: unknown[]; text?: string } }[];
  users: string[];
  action: string;
  total: number;
  /** Closed loop: this many clicks in flight at all times (a throughput ceiling). */
  concurrency: number;
  /**
   * Open loop instead: click i is due at i / ratePerSecond s, sent then whether or not earlier
   * clicks were answered (as people click); its latency counts from when it was due, so a
   * generator that falls behind shows up in the figure instead of hiding it.
   */
  ratePerSecond?: number;
}

export interface ClickOutcome {
  latencies: number[];
  errors: number;
  seconds: number;
  /** Open loop: how late the generator sent its latest click (its own CPU share, on a busy machine). */
  maxSendLagMs?: number;
}

/**
 * Sends the signed clicks from its own thread, so the emulators serving the bot (in the bench's
 * main thread) do not delay the client's clock.
 */
async function run(job: ClickJob): Promise<ClickOutcome> {
  const client = new SlackTestClient({ eventsUrl: job.eventsUrl, signingSecret: job.signingSecret });
  const latencies: number[] = [];
  let errors = 0;
  const started = Date.now();
  const click = async (i: number, dueAt?: number) => {
    const t = job.targets[i % job.targets.length] as ClickJob['targets'][number];
    try {
      const res = await client.click({
        userId: job.users[i % job.users.length] as string,
        channelId: t.channel,
        ts: t.ts,
        action: job.action,
        message: t.message,
      });
      latencies.push(dueAt === undefined ? res.ackMs : performance.now() - dueAt);
      if (res.status !== 200) errors++;
    } catch {
      errors++;
    }
  };
  const indexes = Array.from({ length: job.total }, (_, i) => i);
  const rate = job.ratePerSecond;
  if (rate) {
    const t0 = performance.now();
    let maxSendLagMs = 0;
    const sent: Promise<void>[] = [];
    for (const i of indexes) {
      const dueAt = t0 + (i * 1000) / rate;
      const wait = dueAt - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      maxSendLagMs = Math.max(maxSendLagMs, performance.now() - dueAt);
      sent.push(click(i, dueAt));
    }
    await Promise.all(sent);
    return { latencies, errors, seconds: (Date.now() - started) / 1000, maxSendLagMs };
  }
  await pool(indexes, job.concurrency, (i) => click(i));
  return { latencies, errors, seconds: (Date.now() - started) / 1000 };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as ClickJob).then(
    (r) => port.postMessage(r),
    (err) => port.postMessage({ latencies: [], errors: -1, seconds: 0, error: String(err) }),
  );
}
