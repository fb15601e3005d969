import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { addFindingFor } from '../sandbox/aws/index.js';
import { Accounting } from './accounting.js';
import { type ServerAck, serverAck } from './ack-histogram.js';
import { startBenchBot } from './bot-process.js';
import type { ClickJob, ClickOutcome } from './click-worker.js';
import { PEOPLE, REDIS_URL, startBenchEnv } from './env.js';
import { BURST_TYPES } from './seed-findings.js';
import { percentile, round } from './stats.js';

/** CPU time (user + system) a process has used, from /proc (clock ticks of 10 ms); 0 if unreadable. */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Clicks sent (slowly) before measuring, so start-up costs are not counted as ack latency. */
const WARMUP_CLICKS = 50;

type AckMs = { p50: number; p95: number; p99: number; max: number };

export interface ClicksResult {
  /**
   * Open loop: clicks arrive at a fixed rate whatever the bot does, as people click; latency from
   * each click's due time to the full response. The figure a person sees.
   */
  openLoop: {
    ratePerSecond: number;
    clicks: number;
    ackMs: AckMs;
    errors: number;
    maxSendLagMs: number;
    /** The bot's CPU time per click over the open loop (ack and the ECS context work behind it). */
    botCpuMsPerClick: number;
  };
  /** Closed loop (the throughput ceiling): `concurrency` clicks always in flight. */
  clicks: number;
  concurrency: number;
  button: string;
  ackMs: AckMs;
  errors: number;
  /** The bot's own view (its ack-latency histogram): excludes the client's and the network's share. */
  serverAck: ServerAck;
  /** ECS context replies delivered (ephemeral) within 60 s of the last click, of every click sent. */
  repliesDelivered: number;
  /** Every click sent: warm-up, open loop and closed loop. */
  repliesExpected: number;
  peakRssMb: number;
  notes: string[];
}

/**
 * Signed "ECS context" clicks (SlackTestClient, exactly as Slack sends them) on cards the bot in a
 * child process posted; ack latency is request-to-response at the client.
 */
export async function runClicks(
  total: number,
  concurrency: number,
  open: { ratePerSecond: number; seconds: number },
): Promise<ClicksResult> {
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
    const bot = await startBenchBot({ ...env.env, ECS_GUARD_POLL_SECONDS: '3600' });
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
      const job: ClickJob = {
        eventsUrl: `${bot.baseUrl}/slack/events`,
        signingSecret: env.slack.signingSecret,
        targets: targets.map((t) => {
          const m = env.slack.message(t.channel, t.ts);
          return {
            ...t,
            message: { ...(m?.blocks ? { blocks: m.blocks } : {}), ...(m?.text ? { text: m.text } : {}) },
          };
        }),
        users: [PEOPLE.requester, PEOPLE.approver, PEOPLE.outsider],
        action: 'ECS context',
        total,
        concurrency,
      };
      const send = (j: ClickJob) =>
        new Promise<ClickOutcome>((resolve, reject) => {
          const w = new Worker(new URL('./click-worker.js', import.meta.url), { workerData: j });
          w.once('message', (m: ClickOutcome) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', reject);
        });
      // A running bot is warm: a few clicks first, not measured (JIT, connection pools, AssumeRole cache).
      const warm = await send({ ...job, total: WARMUP_CLICKS, concurrency: 5 });
      const openTotal = Math.round(open.ratePerSecond * open.seconds);
      const cpuBefore = cpuMsOf(bot.child.pid);
      const opened = await send({ ...job, total: openTotal, ratePerSecond: open.ratePerSecond });
      const botCpuMsPerClick = round((cpuMsOf(bot.child.pid) - cpuBefore) / openTotal);
      const outcome = await send(job);
      const lat = outcome.latencies;
      const errors = outcome.errors;
      const clickSeconds = outcome.seconds;
      const replies = () => env.slack.ephemerals().length;
      const replyDeadline = Date.now() + 60_000;
      while (replies() < total + openTotal + WARMUP_CLICKS && Date.now() < replyDeadline)
        await new Promise((r) => setTimeout(r, 200));
      const ack = (l: number[]): AckMs => ({
        p50: round(percentile(l, 50)),
        p95: round(percentile(l, 95)),
        p99: round(percentile(l, 99)),
        max: round(percentile(l, 100)),
      });
      return {
        openLoop: {
          ratePerSecond: open.ratePerSecond,
          clicks: openTotal,
          ackMs: ack(opened.latencies),
          errors: opened.errors,
          maxSendLagMs: round(opened.maxSendLagMs ?? 0),
          botCpuMsPerClick,
        },
        clicks: total,
        concurrency,
        button: 'ECS context',
        ackMs: ack(lat),
        errors,
        serverAck: await serverAck(bot.baseUrl),
        repliesDelivered: replies(),
        repliesExpected: total + openTotal + WARMUP_CLICKS,
        peakRssMb: Math.round(bot.peakRss() / 1e6),
        notes: [
          `${WARMUP_CLICKS} warm-up clicks first (p99 ${round(percentile(warm.latencies, 99))} ms, not counted); ${cards.length} cards, clicks sent in ${round(clickSeconds)} s; bot in a child process`,
          'clicks sent from their own thread (the emulators run on the bench main thread); latency is request to full response at the client',
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
