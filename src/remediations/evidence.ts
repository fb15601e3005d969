import { recordEvidence } from '../audit/evidence.js';
import { appImageDigests, takeEvidenceSnapshot } from '../aws/evidence-snapshot.js';
import { buildEvidenceSummary } from '../slack/blocks/evidence-summary.js';
import type { RunContext } from './types.js';

/**
 * The facts a containment step needs from the evidence snapshot (stored as the request's
 * `evidence` step, so a resumed plan does not read them again).
 */
export interface EvidenceFacts {
  [k: string]: unknown;
  snapshotId?: string;
  sha256?: string;
  ok: boolean;
  digests: string[];
  taskRoleArn?: string;
  /** The task's service (from its group), when it has one. */
  service?: string;
  skipped?: string;
}

/**
 * `ctx.evidence` (set in app.ts): before a containment remediation's first AWS change, snapshot
 * the target task, record it in the audit trail (hashed) and reply with a summary in the card's
 * thread. A failed snapshot says so and the step still runs; Slack being down never blocks it.
 */
export async function takeRequestEvidence(
  r: RunContext<unknown>,
  /** One snapshot per task of a many-task plan (its own id); `summary: false` skips the thread reply. */
  opts: { id?: string; summary?: boolean } = {},
): Promise<EvidenceFacts> {
  const { ctx, request: req, target } = r;
  if (!target.taskArn) return { ok: false, digests: [], skipped: 'the request names no task' };
  const ecs = await r.ecs();
  const rec = await ctx.findings.findOf(target);
  const snap = await takeEvidenceSnapshot(
    ecs,
    {
      id: opts.id ?? `${req.requestId}-evidence`,
      accountId: target.accountId,
      region: target.region,
      taskArn: target.taskArn,
      ...(target.cluster ? { cluster: target.cluster } : {}),
      ...(target.findingId ? { findingId: target.findingId } : {}),
      ...(req.findingType ? { findingType: req.findingType } : {}),
      ...(rec?.finding.firstSeen ? { firstSeen: rec.finding.firstSeen } : {}),
      ...(rec?.finding.lastSeen ? { lastSeen: rec.finding.lastSeen } : {}),
    },
    ctx.clock,
  );
  const recorded = await recordEvidence(ctx, snap, {
    actor: r.actor,
    action: req.action,
    requestId: req.requestId,
  });
  const thread = req.cardId ? ((await ctx.cards.get(req.cardId))?.ts ?? req.ts) : req.ts;
  if (recorded.fresh && opts.summary !== false && thread && req.channel) {
    const msg = buildEvidenceSummary(recorded.snapshot, recorded.sha256);
    await ctx.pacing
      .post({
        channel: req.channel,
        thread_ts: thread,
        text: msg.text,
        blocks: msg.blocks,
        unfurl_links: false,
        unfurl_media: false,
      })
      .catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'evidence summary not posted'));
  }
  const s = recorded.snapshot;
  const group = s.task?.group;
  return {
    snapshotId: s.id,
    sha256: recorded.sha256,
    ok: s.ok,
    digests: appImageDigests(s),
    ...(s.taskDefinition?.taskRoleArn ? { taskRoleArn: s.taskDefinition.taskRoleArn } : {}),
    ...(group?.startsWith('service:') ? { service: group.slice('service:'.length) } : {}),
  };
}
