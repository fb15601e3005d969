import { Redis } from 'ioredis';
import { addFindingFor } from '../src/sandbox/aws/index.js';
import { SlackTestClient } from '../src/sandbox/slack/index.js';
import { Accounting } from './accounting.js';
import { startBotProcess } from './bot-process.js';
import { PEOPLE, REDIS_URL, startBenchEnv } from './env.js';
import { BURST_TYPES } from './seed-findings.js';
import { percentile, pool, round } from './stats.js';

export interface ClicksResult {
  clicks: number;
  concurrency: number;
  button: string;
  ackMs: { p50: number; p95: number; p99: number; max: number };
  errors: number;
  /** ECS context replies delivered (ephemeral) within 60 s of the last click. */
  repliesDelivered: number;
  peakRssMb: number;
  notes: string[];
}

/**
 * Signed "ECS context" clicks (SlackTestClient, exactly as Slack sends them) on cards the bot in a
 * child process posted; ack latency is request-to-response at the client.
 */
export async function runClicks(total: number, concurrency: number): Promise<ClicksResult> {
  const env = await startBenchEnv({ policyExtra: 'contextVisibility: ephemeral' });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    // One finding per (service, type) pair: every card is its own, none grouped.
    const ids: string[] = [];
    for (const [si, s] of env.services.entries()) {
      const [type, severity] = BURST_TYPES[si % BURST_TYPES.length] as [string, number];
      const task = s.tasks[0];
      if (task) ids.push(addFindingFor(env.aws.state, { type, severity, task, id: `clk${si}` }).id);
    }
    const bot = await startBotProcess({ ...env.env, ECS_GUARD_POLL_SECONDS: '3600' });
    try {
      const accounting = new Accounting(redis, env.prefix);
      let missing = ids;
      const deadline = Date.now() + 60_000;
      while (missing.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        missing = await accounting.missing(missing);
      }
      const cards = [...(await accounting.cardsOf(ids)).values()];
      if (!cards.length) throw new Error('no cards were posted for the click benchmark');
      const channelOf = (ts: string) =>
        [PEOPLE.alerts, PEOPLE.prod].find((c) => env.slack.message(c, ts)) ?? PEOPLE.alerts;
      const targets = cards.map((c) => ({ ts: c.ts, channel: channelOf(c.ts) }));
      const client = new SlackTestClient({ eventsUrl: `${bot.baseUrl}/slack/events`, emulator: env.slack });
      const users = [PEOPLE.requester, PEOPLE.approver, PEOPLE.outsider];
      const lat: number[] = [];
      let errors = 0;
      const started = Date.now();
      await pool(
        Array.from({ length: total }, (_, i) => i),
        concurrency,
        async (i) => {
          const t = targets[i % targets.length] as { ts: string; channel: string };
          try {
            const res = await client.click({
              userId: users[i % users.length] as string,
              channelId: t.channel,
              ts: t.ts,
              action: 'ECS context',
            });
            lat.push(res.ackMs);
            if (res.status !== 200) errors++;
          } catch {
            errors++;
          }
        },
      );
      const clickSeconds = (Date.now() - started) / 1000;
      const replies = () => env.slack.ephemerals().length;
      const replyDeadline = Date.now() + 60_000;
      while (replies() < total && Date.now() < replyDeadline) await new Promise((r) => setTimeout(r, 200));
      return {
        clicks: total,
        concurrency,
        button: 'ECS context',
        ackMs: {
          p50: round(percentile(lat, 50)),
          p95: round(percentile(lat, 95)),
          p99: round(percentile(lat, 99)),
          max: round(percentile(lat, 100)),
        },
        errors,
        repliesDelivered: replies(),
        peakRssMb: Math.round(bot.peakRss() / 1e6),
        notes: [
          `${cards.length} cards, clicks sent in ${round(clickSeconds)} s; bot in a child process`,
          'the click client and the emulators share the bench process; latency includes their scheduling',
        ],
      };
    } finally {
      await bot.stop();
    }
  } finally {
    await redis.quit();
    await env.close();
  }
}
