/** The alert-channel notice for a region whose GuardDuty polling keeps failing. Pure. */
import type { KnownBlock } from '@slack/types';
import { failingForMs, type PollHealth } from '../../findings/poll-health.js';
import { mrkdwn } from '../mrkdwn.js';
import { context, section, slackDate } from './parts.js';

export const formatDuration = (ms: number): string => {
  const m = Math.round(ms / 60_000);
  return m < 90 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
};

/** While failing: since when, the last error in words, and that it updates and clears itself. */
export function buildPollFailingNotice(h: PollHealth, now: number): { text: string; blocks: KnownBlock[] } {
  const since = h.failingSince ?? now;
  const seen = h.lastSuccessAt
    ? `last successful poll ${slackDate(h.lastSuccessAt)}`
    : 'no successful poll yet';
  const text = `GuardDuty polling FAILING in ${h.region} for ${formatDuration(failingForMs(h, now))}: ecs-guard sees no new findings from this region`;
  return {
    text,
    blocks: [
      section(
        `:rotating_light: *GuardDuty polling FAILING* in \`${h.region}\` for *${formatDuration(failingForMs(h, now))}* ` +
          `(since ${slackDate(since)}; ${seen}). ecs-guard sees no new findings from this region until it recovers.`,
        'poll-alert-status',
      ),
      section(
        `*Last error* (${h.failures} failed attempt(s)):\n${mrkdwn(h.lastError ?? 'unknown', 1500)}`,
        'poll-alert-error',
      ),
      context(
        [
          `Polls go on at the usual interval. This message updates in place and says so when a poll succeeds again · updated ${slackDate(now)}`,
        ],
        'poll-alert-foot',
      ),
    ],
  };
}

/** After recovery: the same message, saying it is over and how long it lasted. */
export function buildPollRecoveredNotice(
  region: string,
  failedFrom: number,
  recoveredAt: number,
): { text: string; blocks: KnownBlock[] } {
  const text = `GuardDuty polling RECOVERED in ${region} after ${formatDuration(recoveredAt - failedFrom)}`;
  return {
    text,
    blocks: [
      section(
        `:white_check_mark: *GuardDuty polling RECOVERED* in \`${region}\`: it failed for ${formatDuration(recoveredAt - failedFrom)} ` +
          `(${slackDate(failedFrom)} – ${slackDate(recoveredAt)}). Findings from that time are read by the next polls.`,
        'poll-alert-status',
      ),
    ],
  };
}
