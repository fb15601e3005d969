/** The answer of `/ecs-guard suppressions`: active suppressions, each with **Remove**. Pure. */
import { REMOVE_SUPPRESSION_ACTION } from '../../src/remediations/suppress.js';
import { button, confirmDialog, context, header, section, slackDate } from '../../src/slack/blocks/parts.js';
import { mrkdwn, principalMention } from '../../src/slack/mrkdwn.js';
import type { Suppression } from '../../src/suppressions/store.js';
import type { Reply } from '../types.js';

const MAX_SHOWN = 20;
const TEXT_BUDGET = 9_000;

export function buildSuppressionList(list: Suppression[], now: number): Reply {
  if (list.length === 0) {
    const text = 'No active suppressions. "Suppress similar" on a finding card creates one.';
    return { text, blocks: [section(text, 'sup-none')] };
  }
  const blocks: unknown[] = [header(`Active suppressions (${list.length})`, 'sup-header')];
  let used = 0;
  let shown = 0;
  for (const s of list.slice(0, MAX_SHOWN)) {
    const block = {
      ...section(
        [
          `*${mrkdwn(s.summary, 300)}*`,
          `filter ${'`'}${mrkdwn(s.filterName, 64)}${'`'} · ${mrkdwn(s.region, 30)} · until ${slackDate(s.expiresAt)}${s.expiresAt <= now ? ' (EXPIRED, being removed)' : ''}`,
          `approved by ${principalMention(s.approverId)}${s.requesterId !== s.approverId ? `, requested by ${principalMention(s.requesterId)}` : ''}: _${mrkdwn(s.reason, 200)}_`,
        ].join('\n'),
        `sup-${s.id}`,
      ),
      accessory: button(REMOVE_SUPPRESSION_ACTION, 'Remove', s.id, {
        style: 'danger',
        confirm: confirmDialog(
          'Remove this suppression?',
          'The GuardDuty filter is deleted now: matching findings reach Slack again.',
          'Remove',
          'danger',
        ),
      }),
    };
    // Slack refuses messages past ~12k characters of text in total: stop listing before that.
    used += JSON.stringify(block).length;
    if (used > TEXT_BUDGET) break;
    blocks.push(block);
    shown++;
  }
  if (list.length > shown)
    blocks.push(context([`…and ${list.length - shown} more (soonest expiry first)`], 'sup-more'));
  return { text: `${list.length} active suppression${list.length === 1 ? '' : 's'}`, blocks };
}
