/** Block Kit answers of `/ecs-guard audit` and `audit verify`. Pure. */

import type { loadEvidence } from '../../src/audit/evidence.js';
import type { AuditRecord } from '../../src/audit/record.js';
import type { AuditVerifyResult } from '../../src/audit/trail.js';
import { buildEvidenceSummary } from '../../src/slack/blocks/evidence-summary.js';
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
    // Where to read the snapshot again.
    r.event === 'evidence' && t.requestId ? code(`/ecs-guard audit evidence ${t.requestId}`, 80) : undefined,
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
    v.exported
      ? `Exported to ${v.exported.where} (Object Lock): ${v.exported.throughSeq ? `through record ${v.exported.throughSeq}` : 'nothing yet'}`
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

/**
 * `audit evidence <id>`: the snapshot's summary (as posted in the card's thread) under a line
 * saying whether the stored copy still hashes to what its audit record holds.
 */
export function buildEvidenceReply(
  requestId: string,
  found: { record: AuditRecord; loaded: Awaited<ReturnType<typeof loadEvidence>> } | undefined,
): Reply {
  if (!found)
    return {
      text: `No evidence snapshot is recorded for request ${requestId} (or not one you may see).`,
    };
  const { record, loaded } = found;
  const seq = `audit record #${record.seq} (${slackDate(Date.parse(record.time))})`;
  if (!loaded) {
    const text = `The evidence snapshot of request ${requestId} is in ${seq}, but its stored copy is gone (kept 90 days).`;
    return { text, blocks: [section(`:wastebasket: ${mrkdwn(text, 600)}`, 'audit-ev-gone')] };
  }
  const check = loaded.intact
    ? `:lock: Stored copy matches the SHA-256 in ${seq}: ${code(loaded.sha256.slice(0, 16), 20)}…`
    : `:rotating_light: Stored copy does NOT match the SHA-256 in ${seq}: it was changed after it was recorded.`;
  const summary = buildEvidenceSummary(loaded.snapshot, loaded.sha256);
  return {
    text: `${loaded.intact ? '' : 'TAMPERED: '}${summary.text}`,
    blocks: [section(check, 'audit-ev-check'), ...summary.blocks].slice(0, 50),
  };
}
