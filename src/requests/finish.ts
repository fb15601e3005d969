import type { AppContext } from '../context.js';
import { syncCard, threadReply } from '../slack/card-sync.js';
import { mrkdwn, principalMention } from '../slack/mrkdwn.js';
import { ACTION_LABEL, type ActionsDeps, requestTarget } from './deps.js';
import type { ActionRequest } from './store.js';

export interface Outcome {
  ok: boolean;
  /** For people; may hold AWS text (escaped when shown). */
  message: string;
  retryable: boolean;
  awsRequestId?: string;
  /** Extra audit detail (attempts, error code). */
  detail?: Record<string, string | number | boolean>;
}

/**
 * Records a request's result exactly once: the atomic approved→executed|failed step is the
 * marker; then the audit record, the card and the thread reply, each followed by its own
 * marker so a job restarted after a crash finishes only the steps that are missing.
 */
export async function finishRequest(
  ctx: AppContext,
  deps: ActionsDeps,
  req: ActionRequest,
  outcome: Outcome,
): Promise<ActionRequest | undefined> {
  const now = ctx.clock();
  const t = await deps.requests.transition(req.requestId, ['approved'], outcome.ok ? 'executed' : 'failed', {
    outcomeOk: outcome.ok,
    outcomeMessage: outcome.message.slice(0, 1000),
    outcomeRetryable: outcome.retryable,
    outcomeAt: now,
    ...(outcome.awsRequestId ? { awsRequestId: outcome.awsRequestId } : {}),
    audited: false,
    notified: false,
  });
  if (!t.ok || !t.request) return undefined;
  await completeFinish(ctx, deps, t.request, outcome.detail);
  return t.request;
}

/** The steps after the status marker; safe to call again (recovery after a crash). */
export async function completeFinish(
  ctx: AppContext,
  deps: ActionsDeps,
  req: ActionRequest,
  detail?: Record<string, string | number | boolean>,
): Promise<void> {
  if (req.status !== 'executed' && req.status !== 'failed') return;
  const ok = req.status === 'executed';
  if (!req.audited) {
    const event = ok ? (req.action === 'archive' ? 'archived' : 'executed') : 'failed';
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
        detail: { attempt: req.attempt, ...(detail ?? {}) },
      });
      ctx.metrics.actions.inc({ action: req.action, outcome: ok ? 'succeeded' : 'failed' });
    }
    await deps.requests.mark(req.requestId, { audited: true });
  }
  if (!req.notified) {
    const at = req.outcomeAt ?? ctx.clock();
    await syncCard(ctx, req.cardId, (s) => {
      const base = {
        ...s,
        pending: undefined,
        running: s.running?.requestId === req.requestId ? undefined : s.running,
      };
      if (ok && req.action === 'archive') {
        return {
          ...base,
          outcome: undefined,
          archived: { ...(req.approverId ? { byId: req.approverId } : {}), at },
        };
      }
      return {
        ...base,
        outcome: {
          requestId: req.requestId,
          action: req.action,
          requesterId: req.requesterId,
          ...(req.approverId ? { approverId: req.approverId } : {}),
          at,
          ok,
          message: req.outcomeMessage ?? '',
          retryable: !ok && req.outcomeRetryable === true,
        },
      };
    });
    const label = ACTION_LABEL[req.action];
    const who = `requested by ${principalMention(req.requesterId)}${req.approverId ? `, approved by ${principalMention(req.approverId)}` : ''}`;
    const head = ok
      ? req.action === 'archive'
        ? `:file_folder: *Archived* by ${principalMention(req.approverId ?? req.requesterId)}`
        : `:white_check_mark: *${label} succeeded* (${who})`
      : `:x: *${label} failed* (${who})${req.outcomeRetryable ? ' · it can be retried from the card' : ''}`;
    await threadReply(
      ctx,
      req.channel,
      req.ts,
      `${head}\n> ${mrkdwn(req.outcomeMessage ?? '', 1500)}`,
      req.cardId,
    );
    await deps.requests.mark(req.requestId, { notified: true });
  }
}
