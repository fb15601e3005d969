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
  concurrency: number;
}

export interface ClickOutcome {
  latencies: number[];
  errors: number;
  seconds: number;
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
  await pool(
    Array.from({ length: job.total }, (_, i) => i),
    job.concurrency,
    async (i) => {
      const t = job.targets[i % job.targets.length] as ClickJob['targets'][number];
      try {
        const res = await client.click({
          userId: job.users[i % job.users.length] as string,
          channelId: t.channel,
          ts: t.ts,
          action: job.action,
          message: t.message,
        });
        latencies.push(res.ackMs);
        if (res.status !== 200) errors++;
      } catch {
        errors++;
      }
    },
  );
  return { latencies, errors, seconds: (Date.now() - started) / 1000 };
}

if (parentPort) {
  const port = parentPort;
  run(workerData as ClickJob).then(
    (r) => port.postMessage(r),
    (err) => port.postMessage({ latencies: [], errors: -1, seconds: 0, error: String(err) }),
  );
}
