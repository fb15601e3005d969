import type { AppContext } from '../context.js';
import { refreshCitedCards } from '../findings/incident-links.js';
import { remediation, remediationLabel } from '../remediations/index.js';
import type { Outcome } from '../remediations/types.js';
import type { ActionOutcome } from '../slack/blocks/card-state.js';
import { syncCard, threadReply } from '../slack/card-sync.js';
import { mrkdwn, principalMention } from '../slack/mrkdwn.js';
import type { ActionRequest } from './store.js';
import { requestTarget } from './target.js';

/**
 * Records a request's result exactly once: the atomic approved→executed|failed step is the
 * marker; then the audit record, the card (or the plan message) and the thread reply, each
 * followed by its own marker so a job restarted after a crash finishes only the steps missing.
 */
export async function finishRequest(
  ctx: AppContext,
  req: ActionRequest,
  outcome: Outcome,
): Promise<ActionRequest | undefined> {
  const now = ctx.clock();
  const t = await ctx.requests.transition(req.requestId, ['approved'], outcome.ok ? 'executed' : 'failed', {
    outcomeOk: outcome.ok,
    outcomeMessage: outcome.message.slice(0, 1000),
    outcomeRetryable: outcome.retryable === true,
    outcomeAt: now,
    ...(outcome.awsRequestId ? { awsRequestId: outcome.awsRequestId } : {}),
    ...(outcome.data ? { outcomeData: outcome.data } : {}),
    ...(outcome.ok && outcome.undo ? { undoState: outcome.undo } : {}),
    audited: false,
    notified: false,
  });
  if (!t.ok || !t.request) return undefined;
  await completeFinish(ctx, t.request, outcome.detail);
  return t.request;
}

/** The audit event of a finished request. */
function finishEvent(req: ActionRequest): string {
  if (req.status !== 'executed') return 'failed';
  if (req.mode === 'undo') return 'restored';
  return remediation(req.action)?.doneEvent ?? 'executed';
}

/** The steps after the status marker; safe to call again (recovery after a crash). */
export async function completeFinish(
  ctx: AppContext,
  req: ActionRequest,
  detail?: Record<string, string | number | boolean | string[]>,
): Promise<void> {
  if (req.status !== 'executed' && req.status !== 'failed') return;
  const ok = req.status === 'executed';
  if (!req.audited) {
    const event = finishEvent(req) as 'executed';
    // A crash between the append and the marker must not produce a second record.
    const already = (await ctx.audit.list({ requestId: req.requestId, limit: 100 })).some(
      (r) => r.event === event && r.detail?.attempt === req.attempt,
    );
    if (!already) {
      await ctx.audit.append({
        actor: { id: req.approverId ?? 'system', ...(req.approverName ? { name: req.approverName } : {}) },
        action: req.action,
        event,
        target: requestTarget(req),
        outcome: ok ? 'ok' : 'error',
        ...(req.outcomeMessage ? { reason: req.outcomeMessage } : {}),
        ...(req.awsRequestId ? { awsRequestId: req.awsRequestId } : {}),
        detail: {
          attempt: req.attempt,
          ...(req.mode === 'undo' && req.undoOf ? { undoOf: req.undoOf } : {}),
          ...(detail ?? {}),
        },
      });
      ctx.metrics.actions.inc({ action: req.action, outcome: ok ? 'succeeded' : 'failed' });
    }
    await ctx.requests.mark(req.requestId, { audited: true });
  }
  if (!req.notified) {
    if (req.cardId) {
      await notifyCard(ctx, req, req.cardId, ok);
      // Best effort: a failure here must not make a recovery notify the card twice.
      await refreshFindingCard(ctx, req, req.cardId).catch((err: unknown) =>
        ctx.log.warn({ err: (err as Error).message, cardId: req.cardId }, 'cannot refresh linked card lines'),
      );
    } else if (req.responseUrl) await replacePlanMessage(ctx, req);
    await ctx.requests.mark(req.requestId, { notified: true });
  }
}

/** The card shows the outcome (or the archive), and the thread says who did what. */
async function notifyCard(ctx: AppContext, req: ActionRequest, cardId: string, ok: boolean): Promise<void> {
  const at = req.outcomeAt ?? ctx.clock();
  const def = remediation(req.action);
  const archived = ok && req.mode !== 'undo' && def?.doneEvent === 'archived';
  await syncCard(ctx, cardId, (s) => {
    const base = {
      ...s,
      pending: undefined,
      running: s.running?.requestId === req.requestId ? undefined : s.running,
    };
    if (archived) {
      return {
        ...base,
        outcome: undefined,
        archived: { ...(req.approverId ? { byId: req.approverId } : {}), at },
      };
    }
    const outcome: ActionOutcome = {
      requestId: req.requestId,
      action: req.action,
      requesterId: req.requesterId,
      ...(req.approverId ? { approverId: req.approverId } : {}),
      at,
      ok,
      message: req.outcomeMessage ?? '',
      retryable: !ok && req.outcomeRetryable === true,
      ...(req.mode === 'undo' ? { restore: true } : {}),
      ...(ok && req.undoState && def?.undo && req.mode !== 'undo' ? { undoable: true } : {}),
    };
    return { ...base, outcome };
  });
  const label =
    req.mode === 'undo' ? `Restore after ${remediationLabel(req.action)}` : remediationLabel(req.action);
  const who = `requested by ${principalMention(req.requesterId)}${req.approverId ? `, approved by ${principalMention(req.approverId)}` : ''}`;
  const head = ok
    ? archived
      ? `:file_folder: *Archived* by ${principalMention(req.approverId ?? req.requesterId)}`
      : `:white_check_mark: *${label} succeeded* (${who})`
    : `:x: *${label} failed* (${who})${req.outcomeRetryable ? ' · it can be retried from the card' : ''}`;
  await threadReply(ctx, req.channel, req.ts, `${head}\n> ${mrkdwn(req.outcomeMessage ?? '', 1500)}`, cardId);
}

/**
 * After a card's remediation finished: an incident's cited cards show its outcome too; a finding
 * card's blast-radius line is read again (what ran on the image may have been stopped).
 */
async function refreshFindingCard(ctx: AppContext, req: ActionRequest, cardId: string): Promise<void> {
  const card = await ctx.cards.get(cardId);
  const rec = card?.findingKey ? await ctx.findings.get(card.findingKey) : undefined;
  if (!rec) return;
  if (rec.finding.sequence) await refreshCitedCards(ctx, rec.finding);
  else if (card?.state.blastRadius && ['task', 'service'].includes(remediation(req.action)?.target ?? ''))
    ctx.cardBlastRadius?.note(cardId, rec.finding);
}

/** A slash-command plan: its message is replaced with the remediation's own result view. */
async function replacePlanMessage(ctx: AppContext, req: ActionRequest): Promise<void> {
  const def = remediation(req.action);
  const msg = def?.present?.(req) ?? {
    text: `${remediationLabel(req.action)}: ${req.outcomeOk ? 'done' : 'failed'}`,
    blocks: [],
  };
  try {
    const res = await fetch(req.responseUrl as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, ...msg }),
    });
    if (!res.ok)
      ctx.log.warn({ status: res.status, action: req.action }, 'plan result: response_url post failed');
  } catch (err) {
    ctx.log.warn(
      { err: (err as Error).message, action: req.action },
      'plan result: response_url post failed',
    );
  }
}
