/** Block Kit answers of `/ecs-guard audit` and `audit verify`. Pure. */

import type { AuditRecord } from '../../src/audit/record.js';
import type { AuditVerifyResult } from '../../src/audit/trail.js';
import { BUDGET, packLines } from '../../src/slack/blocks/pack-lines.js';
import { context, header, section, slackDate } from '../../src/slack/blocks/parts.js';
import { code, mrkdwn, oneLine, principalMention } from '../../src/slack/mrkdwn.js';
import type { Reply } from '../types.js';

const OUTCOME: Record<string, string> = {
  ok: ':white_check_mark:',
  denied: ':no_entry:',
  error: ':x:',
  pending: ':hourglass_flowing_sand:',
};

const actor = (id: string) => (id === 'system' ? '_system_' : principalMention(id));

export function auditLine(r: AuditRecord): string {
  const t = r.target ?? {};
  const where = [
    t.cluster,
    t.taskArn ? t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1, t.taskArn.lastIndexOf('/') + 13) : undefined,
    t.findingId?.slice(0, 12),
  ]
    .filter(Boolean)
    .map((s) => oneLine(s as string, 80))
    .join(' / ');
  const cmd =
    r.event === 'command' && typeof r.detail?.text === 'string'
      ? code(`/ecs-guard ${r.detail.text}`, 120)
      : undefined;
  return [
    `${OUTCOME[r.outcome] ?? ''} #${r.seq} ${slackDate(Date.parse(r.time))}`,
    actor(r.actor.id),
    `*${oneLine(r.action, 40)}* ${r.event}`,
    where || undefined,
    t.accountId && t.region ? oneLine(`${t.accountId}/${t.region}`, 80) : t.region && oneLine(t.region, 40),
    cmd,
    r.reason ? `_${oneLine(r.reason, 160)}_` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
}

export function buildAuditReply(records: AuditRecord[], filterText: string): Reply {
  if (records.length === 0) {
    const text = `No audit records${filterText ? ` for ${oneLine(filterText, 400)}` : ''}.`;
    return { text, blocks: [section(text, 'audit-none')] };
  }
  const packed = packLines(records.map(auditLine), 'audit', {
    maxBlocks: BUDGET.blocks - 3,
    maxText: BUDGET.text,
    moreHint: '(ask for fewer, or filter with `--user` / `--cluster`)',
  });
  return {
    text: `${records.length} audit record(s)`,
    blocks: [
      header(`Audit trail${filterText ? ` (${filterText})` : ''}`, 'audit-header'),
      ...packed.blocks,
      context(['Newest first · `/ecs-guard audit verify` checks the hash chain'], 'audit-foot'),
    ],
  };
}

export function buildVerifyReply(v: AuditVerifyResult): Reply {
  const text = v.ok
    ? `Audit chain intact: ${v.checked} record(s) verified.`
    : `Audit chain BROKEN after ${v.checked} good record(s): ${v.problem ?? 'unknown problem'}${v.at ? ` (at ${v.at})` : ''}`;
  const a = v.anchors;
  const facts = [
    a
      ? `Anchors in ${a.where}: ${a.read} read, ${a.matched} matched${a.newestSeq ? `, newest names record ${a.newestSeq}` : ''}${a.ignored ? ` · ${a.ignored} ignored (another key or a bad MAC)` : ''}`
      : undefined,
    v.trimmedThrough ? `Records 1–${v.trimmedThrough} were trimmed behind an anchor.` : undefined,
    v.note ? `Note: ${v.note}` : undefined,
  ].filter((s): s is string => Boolean(s));
  return {
    text,
    blocks: [
      section(`${v.ok ? ':lock:' : ':rotating_light:'} ${mrkdwn(text, 2500)}`, 'audit-verify'),
      ...(facts.length
        ? [
            context(
              facts.map((f) => mrkdwn(f, 500)),
              'audit-verify-facts',
            ),
          ]
        : []),
    ],
  };
}
