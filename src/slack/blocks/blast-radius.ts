/**
 * Blast radius on the card (one line) and in ECS context (in full). Pure. Cluster and service
 * names come from AWS and are escaped; counts are ours.
 */
import type { KnownBlock } from '@slack/types';
import type { BlastRadius, BlastRadiusGroup } from '../../aws/blast-radius.js';
import { mrkdwn } from '../mrkdwn.js';
import { codeList, section } from './parts.js';

const label = (g: BlastRadiusGroup): string => `${g.cluster}/${g.service ?? g.group ?? 'standalone'}`;

const tasksWord = (n: number) => `${n} other running task${n === 1 ? '' : 's'}`;

/** "3 other running tasks use this image: payments/payments-api ×2, batch/ledger ×1 · 5 share its task role". */
export function blastRadiusLine(br: BlastRadius, maxGroups = 3): string {
  const atLeast = br.complete ? '' : 'at least ';
  let image: string;
  if (br.digests.length === 0) image = 'Image digest unknown: other tasks on this image not counted';
  else if (br.sameImageCount === 0)
    image = `${br.complete ? 'No' : 'No (counted so far)'} other running task uses this image`;
  else {
    const shown = br.sameImage
      .slice(0, maxGroups)
      .map((g) => `${mrkdwn(label(g), 80)} ×${g.taskArns.length}`);
    const more = br.sameImage.length - shown.length;
    image = `${atLeast}${tasksWord(br.sameImageCount)} ${br.sameImageCount === 1 ? 'uses' : 'use'} this image: ${shown.join(', ')}${more > 0 ? `, +${more} more` : ''}`;
  }
  const role =
    br.taskRoleArn && br.sameRoleCount > 0
      ? ` · ${atLeast}${br.sameRoleCount} ${br.sameRoleCount === 1 ? 'shares' : 'share'} its task role`
      : '';
  const stop = br.stoppedBecause ? ` (${br.stoppedBecause})` : '';
  const text = `${image}${role}${stop}`;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

function groupLines(groups: BlastRadiusGroup[], budget: number): string {
  const lines: string[] = [];
  let used = 0;
  for (const [i, g] of groups.entries()) {
    const ids = g.taskArns.map((a) => a.slice(a.lastIndexOf('/') + 1));
    const line = `• *${mrkdwn(label(g), 120)}* ×${g.taskArns.length}: ${codeList(ids, 300, 40)}`;
    if (used + line.length > budget) {
      lines.push(`…and ${groups.length - i} more groups`);
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return lines.join('\n');
}

/** The full lists, for the ECS context reply. */
export function blastRadiusBlocks(br: BlastRadius): KnownBlock[] {
  const scanned = `Scanned ${br.scanned.tasks} running tasks in ${br.scanned.clusters} clusters of ${br.accountId} / ${br.region}${br.stoppedBecause ? `; ${br.stoppedBecause}` : ''}.`;
  const image =
    br.sameImageCount > 0
      ? `:dart: *Same image digest* — ${br.complete ? '' : 'at least '}${tasksWord(br.sameImageCount)}\n${groupLines(br.sameImage, 1400)}`
      : `:dart: *Same image digest* — ${br.digests.length ? 'no other running task' : 'digest unknown'}`;
  const blocks: KnownBlock[] = [
    section(`${image}\nDigests: ${br.digests.length ? codeList(br.digests, 600, 80) : '–'}`, 'blast-image'),
  ];
  if (br.taskRoleArn)
    blocks.push(
      section(
        br.sameRoleCount > 0
          ? `:key: *Same task role* — ${br.complete ? '' : 'at least '}${tasksWord(br.sameRoleCount)}\n${groupLines(br.sameRole, 1400)}`
          : ':key: *Same task role* — no other running task',
        'blast-role',
      ),
    );
  blocks.push(section(scanned, 'blast-scanned'));
  return blocks;
}
