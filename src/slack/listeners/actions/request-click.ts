import type { AppContext } from '../../../context.js';
import { ACTION_LABEL, actionsDeps, requestTarget } from '../../../requests/deps.js';
import { canRequest } from '../../../requests/policy.js';
import { type ActionRequest, newRequestId, type RequestAction } from '../../../requests/store.js';
import { enqueueRequestJob } from '../../../requests/sweeper.js';
import type { CardState } from '../../blocks/card-state.js';
import { isCardId } from '../../card-store.js';
import { syncCard } from '../../card-sync.js';
import { principalMention } from '../../mrkdwn.js';
import { actor, type Click, refuse, tellClicker } from './click.js';

/** Why a card cannot take a new request now (from its stored state), or undefined. */
function busy(s: CardState, label: string): string | undefined {
  if (s.pending) {
    const name = ACTION_LABEL[s.pending.action];
    return `${name} was already requested by ${principalMention(s.pending.requesterId)} and is waiting for approval.`;
  }
  if (s.running)
    return `${ACTION_LABEL[s.running.action]} was already approved by ${principalMention(s.running.approverId)} and is running.`;
  if (s.archived) return 'This finding is already archived.';
  if (s.outcome)
    return `${ACTION_LABEL[s.outcome.action]} has already run on this card; ${label} is no longer offered.`;
  return undefined;
}

/**
 * Stop task / Archive clicked: looks up the card and finding server-side, checks policy, then
 * claims the card (a WATCHed state change, so a double click creates one request). With approval
 * the card shows the pending request and its approvers; without, the job is queued at once.
 */
export async function handleRequestClick(
  ctx: AppContext,
  click: Click,
  action: RequestAction,
): Promise<void> {
  const label = ACTION_LABEL[action];
  const card = isCardId(click.value) ? await ctx.cards.get(click.value) : undefined;
  if (!card)
    return refuse(ctx, click, action, `${label}: this button is not one of ecs-guard's cards (unknown id).`);
  if (card.kind !== 'finding' || !card.findingId) {
    return refuse(ctx, click, action, `${label} works on a single finding's card, not on a group card.`);
  }
  const rec = await ctx.findings.get(card.findingId);
  if (!rec)
    return refuse(ctx, click, action, `${label}: the finding of this card is no longer known to ecs-guard.`);
  const f = rec.finding;
  const target = {
    accountId: f.accountId,
    region: f.region,
    findingId: f.id,
    ...(f.clusterName ? { cluster: f.clusterName } : {}),
    ...(f.taskArn ? { taskArn: f.taskArn } : {}),
  };
  if (action === 'stop-task' && !f.taskArn) {
    return refuse(ctx, click, action, 'Stop task: this finding names no ECS task.', target);
  }
  const rule = ctx.config.actions[action];
  const deps = actionsDeps(ctx);
  const member = await deps.groups.test(rule.requesters, rule.approvers);
  const decision = canRequest(rule, click.userId, label, member);
  if (!decision.ok) return refuse(ctx, click, action, `${label} refused: ${decision.reason}.`, target);

  const now = ctx.clock();
  const requestId = newRequestId();
  const immediate = !rule.needsApproval;
  const expiresAt = now + ctx.config.approvalTtlSeconds * 1000;
  let why: string | undefined;
  const claimed = await ctx.cards.updateState(card.cardId, (s) => {
    why = busy(s, label);
    if (why) return undefined;
    const next: CardState = { ...s, expired: undefined, outcome: undefined };
    if (immediate) {
      next.running = { requestId, action, requesterId: click.userId, approverId: click.userId, at: now };
    } else {
      next.pending = {
        requestId,
        action,
        requesterId: click.userId,
        approverMentions: rule.approvers,
        expiresAt,
      };
    }
    return next;
  });
  if (
    !claimed ||
    why ||
    (claimed.pending?.requestId !== requestId && claimed.running?.requestId !== requestId)
  ) {
    await tellClicker(ctx, click, `:information_source: ${why ?? 'This card cannot take a request now.'}`);
    return;
  }
  const req: ActionRequest = {
    requestId,
    action,
    status: immediate ? 'approved' : 'pending',
    requesterId: click.userId,
    ...(click.userName ? { requesterName: click.userName } : {}),
    findingId: f.id,
    findingType: f.type,
    cardId: card.cardId,
    channel: card.channel,
    // The outbox may not have stored the post's ts yet when a fast click arrives.
    ...((card.ts ?? (click.channelId === card.channel ? click.messageTs : undefined))
      ? { ts: card.ts ?? (click.messageTs as string) }
      : {}),
    ...(f.taskArn ? { taskArn: f.taskArn } : {}),
    ...((f.clusterName ?? f.clusterArn) ? { cluster: f.clusterName ?? f.clusterArn } : {}),
    accountId: f.accountId,
    region: f.region,
    createdAt: now,
    expiresAt,
    attempt: 1,
    ...(immediate
      ? {
          approverId: click.userId,
          ...(click.userName ? { approverName: click.userName } : {}),
          approvedAt: now,
        }
      : {}),
  };
  await deps.requests.create(req);
  await ctx.audit.append({
    actor: actor(click),
    action,
    event: 'requested',
    target: requestTarget(req),
    outcome: immediate ? 'ok' : 'pending',
    detail: { needsApproval: !immediate, approvers: rule.approvers },
  });
  ctx.metrics.actions.inc({ action, outcome: 'requested' });
  if (immediate) {
    await ctx.audit.append({
      actor: actor(click),
      action,
      event: 'approved',
      target: requestTarget(req),
      outcome: 'ok',
      reason: 'no second approval required by policy',
    });
    ctx.metrics.actions.inc({ action, outcome: 'approved' });
    await enqueueRequestJob(ctx, req, 1, click.userId);
  }
  await syncCard(ctx, card.cardId);
}
