import type { AuditDetail } from '../../../audit/record.js';
import type { ActionRule } from '../../../config.js';
import type { AppContext } from '../../../context.js';
import { type AnyRemediation, remediation, remediationLabel } from '../../../remediations/index.js';
import { expireRequest } from '../../../requests/expire.js';
import {
  canApprove,
  canReject,
  canRequest,
  canRestore,
  canRetry,
  ruleFor,
} from '../../../requests/policy.js';
import { type ActionRequest, isRequestId } from '../../../requests/store.js';
import { cancelRequest, enqueueRequestJob, submitUndo } from '../../../requests/submit.js';
import { requestTarget } from '../../../requests/target.js';
import type { CardState } from '../../blocks/card-state.js';
import { syncCard, threadReply } from '../../card-sync.js';
import { principalMention } from '../../mrkdwn.js';
import { wrongChannel } from '../click-origin.js';
import { actor, type Click, refuse, tellClicker } from './click.js';

/** The request behind an Approve/Reject/Retry value, or a refusal (forged/unknown ids). */
async function loadRequest(ctx: AppContext, click: Click, verb: string): Promise<ActionRequest | undefined> {
  const req = isRequestId(click.value) ? await ctx.requests.get(click.value) : undefined;
  if (!req) {
    await refuse(ctx, click, verb, `${verb}: unknown request (the button's id is not one ecs-guard issued).`);
    return undefined;
  }
  const elsewhere = wrongChannel(req.channel, click.channelId);
  if (elsewhere) {
    const Verb = `${verb.charAt(0).toUpperCase()}${verb.slice(1)}`;
    await refuse(ctx, click, req.action, `${Verb} refused: ${elsewhere}.`, requestTarget(req));
    return undefined;
  }
  return req;
}

/** The remediation of a request and its policy rule (a stored name no longer known is refused). */
async function ruleOf(
  ctx: AppContext,
  click: Click,
  req: ActionRequest,
  verb: string,
): Promise<{ def: AnyRemediation; rule: ActionRule } | undefined> {
  const def = remediation(req.action);
  if (!def) {
    await refuse(
      ctx,
      click,
      req.action,
      `${verb}: ecs-guard no longer has "${req.action}".`,
      requestTarget(req),
    );
    return undefined;
  }
  return { def, rule: ruleFor(ctx.config, def) };
}

/** A lapsed pending request is expired on the click itself (the sweeper may not have run yet). */
async function lapsed(ctx: AppContext, click: Click, req: ActionRequest): Promise<boolean> {
  if (req.status !== 'pending' || req.expiresAt > ctx.clock()) return false;
  await expireRequest(ctx, req.requestId);
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
  click: Click,
  verb: string,
): Promise<ActionRequest | undefined> {
  const req = await loadRequest(ctx, click, verb);
  if (!req || (await lapsed(ctx, click, req))) return undefined;
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
async function markRunning(
  ctx: AppContext,
  click: Click,
  r: ActionRequest,
  at: number,
  clear: (s: CardState) => Partial<CardState>,
): Promise<CardState | undefined> {
  if (!r.cardId) return undefined;
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
  const req = await pendingRequest(ctx, click, 'approve');
  if (!req) return;
  const found = await ruleOf(ctx, click, req, 'Approve');
  if (!found) return;
  const { rule, def } = found;
  const label = def.label;
  const member = await ctx.groups.fresh(rule.approvers);
  const d = canApprove(rule, click.userId, req.requesterId, label, member);
  if (!d.ok) return refuse(ctx, click, req.action, `Approve refused: ${d.reason}.`, requestTarget(req));
  const now = ctx.clock();
  const t = await ctx.requests.transition(req.requestId, ['pending'], 'approved', {
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
  const req = await pendingRequest(ctx, click, 'reject');
  if (!req) return;
  const found = await ruleOf(ctx, click, req, 'Reject');
  if (!found) return;
  const { rule } = found;
  const member = await ctx.groups.test(rule.approvers);
  const d = canReject(rule, click.userId, req.requesterId, member);
  if (!d.ok) return refuse(ctx, click, req.action, `Reject refused: ${d.reason}.`, requestTarget(req));
  const now = ctx.clock();
  const t = await ctx.requests.transition(req.requestId, ['pending'], 'rejected', {
    decidedById: click.userId,
    decidedAt: now,
  });
  if (!t.ok || !t.request) return tellDecided(ctx, click, t.request, t.status);
  const r = t.request;
  await recordDecision(ctx, click, r, 'rejected');
  if (r.cardId)
    await syncCard(ctx, r.cardId, (s) =>
      s.pending?.requestId === r.requestId ? { ...s, pending: undefined } : undefined,
    );
  await threadReply(
    ctx,
    r.channel,
    r.ts,
    `:no_entry_sign: ${remediationLabel(r.action)} request by ${principalMention(r.requesterId)} was rejected by ${principalMention(click.userId)}; nothing was done.`,
    r.cardId,
  );
}

/** Retry a failed, retryable request: approvers only; a new attempt with its own job id. */
export async function handleRetry(ctx: AppContext, click: Click): Promise<void> {
  const req = await loadRequest(ctx, click, 'retry');
  if (!req) return;
  const found = await ruleOf(ctx, click, req, 'Retry');
  if (!found) return;
  const { rule, def } = found;
  const label = def.label;
  const member = await ctx.groups.fresh(rule.approvers);
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
  const t = await ctx.requests.transition(req.requestId, ['failed'], 'approved', {
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

/**
 * Restore (undo) a remediation that succeeded and stored its undo state: approvers only (four-eyes
 * when the rule has it), decided once per request (a second Restore click is told it is running),
 * then a new request of mode `undo` whose input is that state, approved by the clicker and queued.
 */
export async function handleRestore(ctx: AppContext, click: Click): Promise<void> {
  const req = await loadRequest(ctx, click, 'restore');
  if (!req) return;
  const found = await ruleOf(ctx, click, req, 'Restore');
  if (!found) return;
  const { rule, def } = found;
  const member = await ctx.groups.fresh(rule.approvers);
  const d = canRestore(rule, click.userId, req.requesterId, def.label, member);
  if (!d.ok) return refuse(ctx, click, req.action, `Restore refused: ${d.reason}.`, requestTarget(req));
  if (req.status !== 'executed' || req.mode === 'undo' || !req.undoState || !def.undo) {
    return tellClicker(ctx, click, ':information_source: There is nothing to restore on this request.');
  }
  const r = await submitUndo(ctx, req, actor(click));
  if (!r)
    return tellClicker(
      ctx,
      click,
      ':information_source: This has already been restored (or is being restored).',
    );
  const now = r.createdAt;
  await recordDecision(ctx, click, r, 'approved', { mode: 'undo', undoOf: req.requestId });
  await enqueueRequestJob(ctx, r, 1, click.userId);
  await markRunning(ctx, click, r, now, () => ({ outcome: undefined }));
}

/**
 * Cancel an approved request before its job runs (an auto-contain window: a delayed job):
 * anyone allowed to request it, the requester or an approver; approved→rejected once, so the
 * job finds it stale.
 */
export async function handleCancel(ctx: AppContext, click: Click): Promise<void> {
  const req = await loadRequest(ctx, click, 'cancel');
  if (!req) return;
  const found = await ruleOf(ctx, click, req, 'Cancel');
  if (!found) return;
  const member = await ctx.groups.test(found.rule.requesters ?? [], found.rule.approvers);
  const asRequester = canRequest(found.rule, click.userId, found.def.label, member);
  const d = asRequester.ok ? asRequester : canReject(found.rule, click.userId, req.requesterId, member);
  if (!d.ok) return refuse(ctx, click, req.action, `Cancel refused: ${d.reason}.`, requestTarget(req));
  if (!(await cancelRequest(ctx, req.requestId, actor(click))))
    return tellClicker(
      ctx,
      click,
      ':information_source: Too late to cancel: it has already run or been decided.',
    );
  if (req.cardId)
    await syncCard(ctx, req.cardId, (s) =>
      s.running?.requestId === req.requestId ? { ...s, running: undefined } : undefined,
    );
  await threadReply(
    ctx,
    req.channel,
    req.ts,
    `:no_entry_sign: ${remediationLabel(req.action)} was cancelled by ${principalMention(click.userId)} before it ran; nothing was done.`,
    req.cardId,
  );
}
