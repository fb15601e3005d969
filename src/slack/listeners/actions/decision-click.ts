import type { AuditDetail } from '../../../audit/record.js';
import type { AppContext } from '../../../context.js';
import { ACTION_LABEL, type ActionsDeps, actionsDeps, requestTarget } from '../../../requests/deps.js';
import { expireRequest } from '../../../requests/expire.js';
import { canApprove, canReject, canRetry } from '../../../requests/policy.js';
import { type ActionRequest, isRequestId } from '../../../requests/store.js';
import { enqueueRequestJob } from '../../../requests/sweeper.js';
import type { CardState } from '../../blocks/card-state.js';
import { syncCard, threadReply } from '../../card-sync.js';
import { principalMention } from '../../mrkdwn.js';
import { actor, type Click, refuse, tellClicker } from './click.js';

/** The request behind an Approve/Reject/Retry value, or a refusal (forged/unknown ids). */
async function loadRequest(
  ctx: AppContext,
  deps: ActionsDeps,
  click: Click,
  verb: string,
): Promise<ActionRequest | undefined> {
  const req = isRequestId(click.value) ? await deps.requests.get(click.value) : undefined;
  if (!req) {
    await refuse(ctx, click, verb, `${verb}: unknown request (the button's id is not one ecs-guard issued).`);
    return undefined;
  }
  return req;
}

/** A lapsed pending request is expired on the click itself (the sweeper may not have run yet). */
async function lapsed(
  ctx: AppContext,
  deps: ActionsDeps,
  click: Click,
  req: ActionRequest,
): Promise<boolean> {
  if (req.status !== 'pending' || req.expiresAt > ctx.clock()) return false;
  await expireRequest(ctx, deps, req.requestId);
  await tellClicker(ctx, click, ':alarm_clock: This request has expired; nothing was done.');
  return true;
}

/** Why a decision click lost: the request was decided already (by someone else, or a double click). */
function decidedText(r: ActionRequest | undefined, status: string): string {
  const by = (id?: string) => (id && id !== 'system' ? ` by ${principalMention(id)}` : '');
  switch (status) {
    case 'approved':
    case 'executed':
    case 'failed':
      return `Already approved${by(r?.approverId)}.`;
    case 'rejected':
      return `Already rejected${by(r?.decidedById)}.`;
    case 'expired':
      return 'This request has expired; nothing was done.';
    default:
      return 'This request cannot be decided now.';
  }
}

/** Tells the clicker their decision came too late (see `decidedText`). */
function tellDecided(ctx: AppContext, click: Click, r: ActionRequest | undefined, status: string) {
  return tellClicker(ctx, click, `:information_source: ${decidedText(r, status)}`);
}

/**
 * The still-pending request an Approve/Reject click decides, or undefined once the clicker has
 * been told why not (unknown id, lapsed, or decided already).
 */
async function pendingRequest(
  ctx: AppContext,
  deps: ActionsDeps,
  click: Click,
  verb: string,
): Promise<ActionRequest | undefined> {
  const req = await loadRequest(ctx, deps, click, verb);
  if (!req || (await lapsed(ctx, deps, click, req))) return undefined;
  if (req.status !== 'pending') {
    await tellDecided(ctx, click, req, req.status);
    return undefined;
  }
  return req;
}

/** A decision that won its status change, on the record: audit (ok) and the actions metric. */
async function recordDecision(
  ctx: AppContext,
  click: Click,
  r: ActionRequest,
  event: 'approved' | 'rejected' | 'retried',
  detail?: AuditDetail,
): Promise<void> {
  await ctx.audit.append({
    actor: actor(click),
    action: r.action,
    event,
    target: requestTarget(r),
    outcome: 'ok',
    ...(detail ? { detail } : {}),
  });
  ctx.metrics.actions.inc({ action: r.action, outcome: event });
}

/** Shows the request's attempt as running on its card (approved by the clicker at `at`). */
function markRunning(
  ctx: AppContext,
  click: Click,
  r: ActionRequest,
  at: number,
  clear: (s: CardState) => Partial<CardState>,
): Promise<CardState | undefined> {
  return syncCard(ctx, r.cardId, (s) => ({
    ...s,
    ...clear(s),
    running: {
      requestId: r.requestId,
      action: r.action,
      requesterId: r.requesterId,
      approverId: click.userId,
      at,
    },
  }));
}

/** Approve: policy check, then ONE atomic pending→approved step; the winner queues the job. */
export async function handleApprove(ctx: AppContext, click: Click): Promise<void> {
  const deps = actionsDeps(ctx);
  const req = await pendingRequest(ctx, deps, click, 'approve');
  if (!req) return;
  const label = ACTION_LABEL[req.action];
  const rule = ctx.config.actions[req.action];
  const member = await deps.groups.test(rule.approvers);
  const d = canApprove(rule, click.userId, req.requesterId, label, member);
  if (!d.ok) return refuse(ctx, click, req.action, `Approve refused: ${d.reason}.`, requestTarget(req));
  const now = ctx.clock();
  const t = await deps.requests.transition(req.requestId, ['pending'], 'approved', {
    approverId: click.userId,
    ...(click.userName ? { approverName: click.userName } : {}),
    approvedAt: now,
  });
  if (!t.ok || !t.request) return tellDecided(ctx, click, t.request, t.status);
  const won = t.request;
  await recordDecision(ctx, click, won, 'approved');
  await enqueueRequestJob(ctx, won, won.attempt, click.userId);
  await markRunning(ctx, click, won, now, (s) => ({
    pending: s.pending?.requestId === won.requestId ? undefined : s.pending,
  }));
}

/** Reject: approvers, or the requester withdrawing; atomic pending→rejected. */
export async function handleReject(ctx: AppContext, click: Click): Promise<void> {
  const deps = actionsDeps(ctx);
  const req = await pendingRequest(ctx, deps, click, 'reject');
  if (!req) return;
  const rule = ctx.config.actions[req.action];
  const member = await deps.groups.test(rule.approvers);
  const d = canReject(rule, click.userId, req.requesterId, member);
  if (!d.ok) return refuse(ctx, click, req.action, `Reject refused: ${d.reason}.`, requestTarget(req));
  const now = ctx.clock();
  const t = await deps.requests.transition(req.requestId, ['pending'], 'rejected', {
    decidedById: click.userId,
    decidedAt: now,
  });
  if (!t.ok || !t.request) return tellDecided(ctx, click, t.request, t.status);
  const r = t.request;
  await recordDecision(ctx, click, r, 'rejected');
  await syncCard(ctx, r.cardId, (s) =>
    s.pending?.requestId === r.requestId ? { ...s, pending: undefined } : undefined,
  );
  await threadReply(
    ctx,
    r.channel,
    r.ts,
    `:no_entry_sign: ${ACTION_LABEL[r.action]} request by ${principalMention(r.requesterId)} was rejected by ${principalMention(click.userId)}; nothing was done.`,
    r.cardId,
  );
}

/** Retry a failed, retryable request: approvers only; a new attempt with its own job id. */
export async function handleRetry(ctx: AppContext, click: Click): Promise<void> {
  const deps = actionsDeps(ctx);
  const req = await loadRequest(ctx, deps, click, 'retry');
  if (!req) return;
  const label = ACTION_LABEL[req.action];
  const rule = ctx.config.actions[req.action];
  const member = await deps.groups.test(rule.approvers);
  const d = canRetry(rule, click.userId, label, member);
  if (!d.ok) return refuse(ctx, click, req.action, `Retry refused: ${d.reason}.`, requestTarget(req));
  if (rule.twoPerson && click.userId === req.requesterId) {
    return refuse(
      ctx,
      click,
      req.action,
      `Retry refused: you requested this ${label}; a second person must run it.`,
      requestTarget(req),
    );
  }
  if (req.status !== 'failed' || !req.outcomeRetryable) {
    return tellClicker(ctx, click, ':information_source: There is nothing to retry on this request.');
  }
  const now = ctx.clock();
  const attempt = req.attempt + 1;
  // The CAS on 'failed' makes two Retry clicks produce one new attempt.
  const t = await deps.requests.transition(req.requestId, ['failed'], 'approved', {
    attempt,
    approverId: click.userId,
    ...(click.userName ? { approverName: click.userName } : {}),
    approvedAt: now,
    audited: false,
    notified: false,
  });
  if (!t.ok || !t.request)
    return tellClicker(ctx, click, ':information_source: This action is already being retried.');
  const r = t.request;
  await recordDecision(ctx, click, r, 'retried', { attempt });
  await enqueueRequestJob(ctx, r, attempt, click.userId);
  await markRunning(ctx, click, r, now, () => ({ outcome: undefined }));
}
