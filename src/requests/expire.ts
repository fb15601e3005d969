import type { AppContext } from '../context.js';
import { remediationLabel } from '../remediations/index.js';
import { syncCard, threadReply } from '../slack/card-sync.js';
import { principalMention } from '../slack/mrkdwn.js';
import { requestTarget } from './target.js';

/**
 * Expires a pending request: one atomic pending→expired step, so whichever of the sweepers (one
 * per replica) or a late click gets there first does it, exactly once. The card loses its
 * approval buttons and says so; the step is audited. Returns whether this call expired it.
 */
export async function expireRequest(ctx: AppContext, requestId: string): Promise<boolean> {
  const now = ctx.clock();
  const t = await ctx.requests.transition(requestId, ['pending'], 'expired', {
    decidedAt: now,
    decidedById: 'system',
  });
  if (!t.ok || !t.request) return false;
  const req = t.request;
  await ctx.audit.append({
    actor: { id: 'system' },
    action: req.action,
    event: 'expired',
    target: requestTarget(req),
    outcome: 'ok',
    reason: `no approval within ${ctx.config.approvalTtlSeconds}s`,
  });
  if (req.cardId)
    await syncCard(ctx, req.cardId, (s) =>
      s.pending?.requestId === requestId
        ? { ...s, pending: undefined, expired: { requestId, at: now } }
        : undefined,
    );
  ctx.metrics.actions.inc({ action: req.action, outcome: 'expired' });
  await threadReply(
    ctx,
    req.channel,
    req.ts,
    `:alarm_clock: ${remediationLabel(req.action)} request by ${principalMention(req.requesterId)} expired without approval; nothing was done.`,
    req.cardId,
  );
  return true;
}
