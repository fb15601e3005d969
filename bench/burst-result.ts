import type { SlackEmulator } from '../sandbox/slack/index.js';
import type { BenchEnv } from './env.js';
import { countBy, sum } from './stats.js';

/** What one pipeline achieved on one burst. */
export interface BurstResult {
  pipeline: 'ecs-guard' | 'naive';
  findings: number;
  accounted: number;
  complete: boolean;
  /** From ingestion start (the first ListFindings the emulator saw) to the first accepted post. */
  timeToFirstCardMs: number | null;
  /** From ingestion start until every finding is in an accepted card (null: not within the cap). */
  timeToAllAccountedMs: number | null;
  /** Measured run time (capped for the naive pipeline). */
  elapsedMs: number;
  cardsPosted: number;
  awsCalls: Record<string, number>;
  awsCallsTotal: number;
  slackCalls: Record<string, number>;
  slackCallsTotal: number;
  /** Highest accepted chat.postMessage count in any 1 s window, per channel. */
  maxPostsPerChannelSecond: Record<string, number>;
  rateLimited: number;
  peakRssMb: number | null;
  notes: string[];
}

/** Slack message ts → when the emulator accepted that post. */
export function postTimes(slack: SlackEmulator): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of slack.calls('chat.postMessage'))
    if (c.ok && typeof c.result?.ts === 'string') out.set(c.result.ts, c.at);
  return out;
}

/** The call counters every burst result shares. */
export function callStats(env: BenchEnv) {
  const aws = env.aws.calls();
  const slack = env.slack.calls();
  const awsCalls = countBy(aws, (c) => c.operation);
  const slackCalls = countBy(slack, (c) => c.method);
  return {
    awsCalls,
    awsCallsTotal: sum(awsCalls),
    slackCalls,
    slackCallsTotal: sum(slackCalls),
    maxPostsPerChannelSecond: env.slack.postRateReport(1000),
    rateLimited: env.slack.rateLimited().length,
    cardsPosted: slack.filter((c) => c.method === 'chat.postMessage' && c.ok && !c.args.thread_ts).length,
  };
}
