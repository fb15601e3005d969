/** Block Kit answer of `/ecs-guard findings`. Pure: finding records (+ card links) in, reply out. */
import type { Finding } from '../../src/findings/model.js';
import { SEVERITY_EMOJI } from '../../src/findings/severity.js';
import { BUDGET, packLines } from '../../src/slack/blocks/pack-lines.js';
import { context, header, section, slackDate } from '../../src/slack/blocks/parts.js';
import { findingStateWord } from '../../src/slack/blocks/status-words.js';
import { code, link, oneLine } from '../../src/slack/mrkdwn.js';
import type { Reply } from '../types.js';

export interface FindingRow {
  finding: Finding;
  /** Permalink of the card (or group card) that shows the finding. */
  cardUrl?: string;
  state: string;
}

export function findingLine(r: FindingRow): string {
  const f = r.finding;
  const where = [f.clusterName, f.service ? `svc ${f.service}` : undefined, f.taskId?.slice(0, 12)]
    .filter(Boolean)
    .map((s) => oneLine(s as string, 120))
    .join(' / ');
  const card = r.cardUrl
    ? `${findingStateWord(r.state)} ${link(r.cardUrl, 'card')}`
    : `*${findingStateWord(r.state)}*`;
  const flags = [
    f.archived ? 'ARCHIVED' : undefined,
    f.sample ? 'SAMPLE' : undefined,
    f.count > 1 ? `×${f.count}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return [
    `${SEVERITY_EMOJI[f.severityLabel] ?? ''} *${f.severityLabel}* ${code(f.type, 120)}`,
    where || undefined,
    oneLine(`${f.accountId}/${f.region}`, 80),
    flags || undefined,
    slackDate(f.lastSeen ?? f.updatedAt),
    card,
  ]
    .filter(Boolean)
    .join(' · ');
}

export function buildFindingsReply(rows: FindingRow[], filterText: string, scanned: number): Reply {
  const title = `Recent findings${filterText ? ` (${filterText})` : ''}`;
  if (rows.length === 0) {
    const text = `No findings match${filterText ? ` ${oneLine(filterText, 400)}` : ''} (looked at ${scanned} recent).`;
    return { text, blocks: [section(`:mag: ${text}`, 'findings-none')] };
  }
  const packed = packLines(rows.map(findingLine), 'findings', {
    maxBlocks: BUDGET.blocks - 3,
    maxText: BUDGET.text,
    moreHint: '(narrow with a cluster, `--severity`, `--type` or `--since`)',
  });
  return {
    text: `${rows.length} finding(s)${filterText ? ` (${oneLine(filterText, 400)})` : ''}`,
    blocks: [
      header(title, 'findings-header'),
      ...packed.blocks,
      context([`Newest first · ${rows.length} shown of ${scanned} scanned`], 'findings-foot'),
    ],
  };
}
