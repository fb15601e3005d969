import type { AuditActor } from '../audit/record.js';
import type { AppContext } from '../context.js';
import { EcsGuardError, ErrorCode } from '../errors.js';
import { enqueueAction } from '../queue/action-jobs.js';
import type { AnyRemediation } from '../remediations/index.js';
import type { RemediationTarget } from '../remediations/types.js';
import { type ActionRequest, newRequestId, type RequestOrigin } from './store.js';
import { requestTarget } from './target.js';

/** The actor of requests ecs-guard makes itself (auto-contain after a cancel window, …). */
export const ECS_GUARD_ACTOR: AuditActor = { id: 'ecs-guard' };

export interface NewRequest {
  remediation: AnyRemediation;
  target: RemediationTarget;
  /** Validated by the remediation's schema here (an invalid input is an InvalidInput error). */
  input?: unknown;
  requester: AuditActor;
  origin: RequestOrigin;
  /** Where people see it: the channel, and the card (with its ts) when it shows on one. */
  channel: string;
  cardId?: string;
  ts?: string;
  responseUrl?: string;
  findingType?: string;
  /** Approved at once (policy needs no approval, or ecs-guard's own request); else pending. */
  approvedBy?: AuditActor & { reason?: string };
  /** Approvers to show on the card of a pending request. */
  approvers?: string[];
  /** A pending request lapses after this (default the approval TTL). */
  expiresAt?: number;
  /** Run the job this late (an auto-contain cancel window); `cancelRequest` stops it meanwhile. */
  delayMs?: number;
  requestId?: string;
  /** Extra detail for the `requested` audit record (e.g. the auto-contain rule). */
  detail?: Record<string, string | number | boolean>;
}

/**
 * THE way a request is made, whatever asked for it (a card button, a slash-command plan, the
 * system): validates the input, stores the request, audits `requested` (and `approved` when it
 * is approved at once) and queues the job of an approved one.
 */
export async function submitRequest(ctx: AppContext, n: NewRequest): Promise<ActionRequest> {
  const def = n.remediation;
  const parsed = def.input.safeParse(n.input ?? {});
  if (!parsed.success)
    throw new EcsGuardError(ErrorCode.InvalidInput, `${def.label}: invalid input (${parsed.error.message})`);
  const input = parsed.data as Record<string, unknown>;
  const now = ctx.clock();
  const a = n.approvedBy;
  const req: ActionRequest = {
    requestId: n.requestId ?? newRequestId(),
    action: def.name,
    status: a ? 'approved' : 'pending',
    origin: n.origin,
    requesterId: n.requester.id,
    ...(n.requester.name ? { requesterName: n.requester.name } : {}),
    ...(n.findingType ? { findingType: n.findingType } : {}),
    ...(n.cardId ? { cardId: n.cardId } : {}),
    channel: n.channel,
    ...(n.ts ? { ts: n.ts } : {}),
    ...(n.responseUrl ? { responseUrl: n.responseUrl } : {}),
    ...n.target,
    ...(Object.keys(input).length ? { input } : {}),
    createdAt: now,
    expiresAt: n.expiresAt ?? now + ctx.config.approvalTtlSeconds * 1000,
    attempt: 1,
    ...(a ? { approverId: a.id, ...(a.name ? { approverName: a.name } : {}), approvedAt: now } : {}),
    ...(n.delayMs ? { runAt: now + n.delayMs } : {}),
  };
  await ctx.requests.create(req);
  await ctx.audit.append({
    actor: n.requester,
    action: def.name,
    event: 'requested',
    target: requestTarget(req),
    outcome: a ? 'ok' : 'pending',
    detail: {
      needsApproval: !a,
      origin: n.origin,
      ...(n.approvers ? { approvers: n.approvers } : {}),
      ...(n.delayMs ? { delayMs: n.delayMs } : {}),
      ...n.detail,
    },
  });
  ctx.metrics.actions.inc({ action: def.name, outcome: 'requested' });
  if (a) {
    await ctx.audit.append({
      actor: { id: a.id, ...(a.name ? { name: a.name } : {}) },
      action: def.name,
      event: 'approved',
      target: requestTarget(req),
      outcome: 'ok',
      ...(a.reason ? { reason: a.reason } : {}),
    });
    ctx.metrics.actions.inc({ action: def.name, outcome: 'approved' });
    await enqueueRequestJob(ctx, req, 1, a.id, n.delayMs);
  }
  return req;
}

/** The job key of a request's execution attempt (attempt 1 keeps the bare request id). */
export const requestJobKey = (requestId: string, attempt: number) =>
  attempt > 1 ? `${requestId}-a${attempt}` : requestId;

/** Queues the job of one execution attempt of a request, run on behalf of `actorId` (the approver). */
export function enqueueRequestJob(
  ctx: Pick<AppContext, 'queues'>,
  req: Pick<ActionRequest, 'requestId' | 'action'>,
  attempt: number,
  actorId: string | undefined,
  delayMs?: number,
): Promise<{ jobId: string; added: boolean }> {
  return enqueueAction(ctx, {
    name: req.action,
    key: requestJobKey(req.requestId, attempt),
    data: { requestId: req.requestId, attempt, ...(actorId ? { actorId } : {}) },
    ...(delayMs ? { opts: { delay: delayMs } } : {}),
  });
}

/**
 * Cancels an approved request whose job has not started (e.g. within an auto-contain window):
 * approved→rejected, once; the delayed job then finds it stale and does nothing. Audited.
 */
export async function cancelRequest(ctx: AppContext, requestId: string, by: AuditActor): Promise<boolean> {
  const t = await ctx.requests.transition(requestId, ['approved'], 'rejected', {
    decidedById: by.id,
    decidedAt: ctx.clock(),
  });
  if (!t.ok || !t.request) return false;
  await ctx.audit.append({
    actor: by,
    action: t.request.action,
    event: 'rejected',
    target: requestTarget(t.request),
    outcome: 'ok',
    reason: 'cancelled before it ran',
  });
  ctx.metrics.actions.inc({ action: t.request.action, outcome: 'rejected' });
  return true;
}

/**
 * The undo (Restore) of an executed request, decided once (`claimRestore`): a new request of mode
 * `undo` whose input is the stored undo state, approved by `by` and stored (the caller audits the
 * decision and queues the job). Undefined when it was already restored or is being restored.
 */
export async function submitUndo(
  ctx: AppContext,
  req: ActionRequest,
  by: AuditActor,
): Promise<ActionRequest | undefined> {
  const restoreId = newRequestId();
  if (!(await ctx.requests.claimRestore(req.requestId, restoreId))) return undefined;
  const now = ctx.clock();
  const r: ActionRequest = {
    ...req,
    requestId: restoreId,
    mode: 'undo',
    undoOf: req.requestId,
    status: 'approved',
    origin: req.origin ?? 'card',
    input: req.undoState,
    requesterId: by.id,
    requesterName: by.name,
    approverId: by.id,
    approverName: by.name,
    approvedAt: now,
    createdAt: now,
    expiresAt: now + ctx.config.approvalTtlSeconds * 1000,
    attempt: 1,
    outcomeOk: undefined,
    outcomeMessage: undefined,
    outcomeRetryable: undefined,
    outcomeAt: undefined,
    outcomeData: undefined,
    undoState: undefined,
    awsRequestId: undefined,
    restoredBy: undefined,
    audited: undefined,
    notified: undefined,
  };
  await ctx.requests.create(r);
  return r;
}
