/** Block Kit answer of `/ecs-guard status`. Pure. */

import { packLines } from '../../src/slack/blocks/pack-lines.js';
import { context, header, section, slackDate } from '../../src/slack/blocks/parts.js';
import { checkStatus } from '../../src/slack/blocks/status-words.js';
import { mrkdwn } from '../../src/slack/mrkdwn.js';
import type { Reply } from '../types.js';

export interface AccountStatus {
  accountId: string;
  home: boolean;
  arn?: string;
  error?: string;
  detectors: { region: string; detectorId?: string; error?: string }[];
}

export interface PollStatus {
  region: string;
  at?: number;
  lagMs?: number;
  listed?: number;
  new?: number;
  /** Set while polls fail: since the first failure after the last success. */
  failingForMs?: number;
  /** The last failure in words. */
  lastError?: string;
  failures?: number;
}

export interface QueueStatus {
  name: string;
  counts?: { waiting: number; active: number; delayed: number; failed: number };
  error?: string;
}

export interface StatusInput {
  version: string;
  now: number;
  regions: string[];
  pollSeconds: number;
  accounts: AccountStatus[];
  polls: PollStatus[];
  queues: QueueStatus[];
  pendingApprovals: number;
}

export const formatLag = (ms: number): string =>
  ms < 90_000
    ? `${Math.round(ms / 1000)}s`
    : ms < 5_400_000
      ? `${Math.round(ms / 60_000)}m`
      : `${Math.round(ms / 3_600_000)}h`;

/** A poll is LATE when its lag passes three intervals. */
const isLate = (s: StatusInput, p: PollStatus): boolean =>
  s.pollSeconds > 0 && p.at !== undefined && (p.lagMs ?? 0) > s.pollSeconds * 3000;

/** Every state in words (OK, FAILED, MISSING, LATE, OFF), an emoji beside it, never instead of it. */
export function buildStatusReply(s: StatusInput): Reply {
  const accountLines = s.accounts.map((a) => {
    const who = a.error
      ? `${checkStatus('FAILED')} ${mrkdwn(a.error, 400)}`
      : `${checkStatus('OK')} \`${mrkdwn(a.arn ?? '?', 200)}\``;
    const dets = a.detectors
      .map(
        (d) =>
          `${d.region}: ${d.detectorId ? `${checkStatus('OK')} \`${d.detectorId}\`` : `${checkStatus('MISSING')} ${mrkdwn(d.error ?? 'no detector', 200)}`}`,
      )
      .join(' · ');
    return `*${a.accountId}*${a.home ? ' (home)' : ''} ${who}\n   detectors: ${dets || 'n/a'}`;
  });
  const pollLines = s.polls.map((p) =>
    p.failingForMs !== undefined
      ? `• ${p.region}: ${checkStatus('FAILED')} failing for ${formatLag(p.failingForMs)} (${p.failures ?? 0} attempt(s)) · ` +
        `${p.at === undefined ? 'no successful poll yet' : `last successful poll ${slackDate(p.at)}`}\n   last error: ${mrkdwn(p.lastError ?? 'unknown', 600)}`
      : p.at === undefined
        ? `• ${p.region}: ${s.pollSeconds === 0 ? `${checkStatus('OFF')} polling off` : `${checkStatus('WAITING')} no poll yet`}`
        : `• ${p.region}: ${checkStatus(isLate(s, p) ? 'LATE' : 'OK')} last poll ${slackDate(p.at)} (${formatLag(p.lagMs ?? 0)} ago) · ${p.listed ?? 0} listed, ${p.new ?? 0} new`,
  );
  const queueLines = s.queues.map((q) =>
    q.counts
      ? `• \`${q.name}\`: ${checkStatus(q.counts.failed > 0 ? 'FAILED' : 'OK')} ${q.counts.waiting} waiting, ${q.counts.active} active, ${q.counts.delayed} delayed, ${q.counts.failed} failed`
      : `• \`${q.name}\`: ${checkStatus('FAILED')} ${mrkdwn(q.error ?? 'unknown', 200)}`,
  );
  const problems =
    s.accounts.filter((a) => a.error || a.detectors.some((d) => !d.detectorId)).length +
    s.polls.filter((p) => isLate(s, p) || p.failingForMs !== undefined).length +
    s.queues.filter((q) => !q.counts).length;
  const overall = problems ? `:x: *UNHEALTHY*: ${problems} problem(s) below` : ':white_check_mark: *HEALTHY*';
  return {
    text: `ecs-guard ${s.version}: ${problems ? 'UNHEALTHY' : 'HEALTHY'} · ${s.accounts.length} account(s), ${s.regions.length} region(s), ${s.pendingApprovals} pending approval(s)`,
    blocks: [
      header(`ecs-guard status (v${s.version})`, 'status-header'),
      section(overall, 'status-overall'),
      section('*AWS identities*', 'status-aws-title'),
      ...packLines(accountLines, 'status-aws', { maxBlocks: 4, maxText: 4000, moreHint: 'accounts' }).blocks,
      section(`*Polling* (every ${s.pollSeconds}s)\n${pollLines.join('\n') || 'no regions'}`, 'status-poll'),
      section(`*Queues*\n${queueLines.join('\n')}`, 'status-queues'),
      section(`*Pending approvals*: ${s.pendingApprovals}`, 'status-pending'),
      context([`Regions: ${s.regions.join(', ')} · checked ${slackDate(s.now)}`], 'status-foot'),
    ],
  };
}
