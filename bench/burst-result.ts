import type { SlackEmulator } from '../sandbox/slack/index.js';
import { GD_BATCH } from '../src/findings/get-findings.js';
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
  /** GuardDuty calls made (ListDetectors, ListFindings, GetFindings) and the batched minimum. */
  guardDutyCalls: number;
  guardDutyMinimum: number;
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

/**
 * The fewest GuardDuty calls that read `n` findings: one ListDetectors, then ListFindings pages
 * and GetFindings batches of 50.
 */
export function guardDutyMinimum(n: number): number {
  return 1 + 2 * Math.ceil(n / GD_BATCH);
}

const GUARDDUTY_READS = new Set(['ListDetectors', 'ListFindings', 'GetFindings']);

/** The call counters every burst result shares (`n` findings seeded). */
export function callStats(env: BenchEnv, n: number) {
  const aws = env.aws.calls();
  const slack = env.slack.calls();
  const awsCalls = countBy(aws, (c) => c.operation);
  const slackCalls = countBy(slack, (c) => c.method);
  return {
    awsCalls,
    awsCallsTotal: sum(awsCalls),
    guardDutyCalls: aws.filter((c) => GUARDDUTY_READS.has(c.operation)).length,
    guardDutyMinimum: guardDutyMinimum(n),
    slackCalls,
    slackCallsTotal: sum(slackCalls),
    maxPostsPerChannelSecond: env.slack.postRateReport(1000),
    rateLimited: env.slack.rateLimited().length,
    cardsPosted: slack.filter((c) => c.method === 'chat.postMessage' && c.ok && !c.args.thread_ts).length,
  };
}
