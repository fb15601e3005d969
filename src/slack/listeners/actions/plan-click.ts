/**
 * The Confirm and Cancel buttons of an enable/disable plan. The button value is only a plan id;
 * the plan is read back from Redis and the clicker authorised server-side. A refusal is an
 * ephemeral message to the clicker and an audit record; the plan message stays as it was.
 */
import type { AppContext } from '../../../context.js';
import { planRequest } from '../../../remediations/cluster-monitoring.js';
import { approveDecision, isAllowed } from '../../../requests/authorise.js';
import { decidePlan, getPlan } from '../../../requests/plans.js';
import { enqueueRequestJob } from '../../../requests/submit.js';
import { buildPlanDecided } from '../../blocks/coverage-plan.js';
import { userMention } from '../../mrkdwn.js';
import { type ClickTeams, foreignTeam, wrongChannel } from '../click-origin.js';
import type { Click, ClickMeta, Respond } from './click.js';

async function refuse(respond: Respond, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: false, text: `:no_entry: ${text}` });
}

export async function onPlanButton(
  ctx: AppContext,
  kind: 'confirm' | 'cancel',
  input: {
    userId: string;
    value: unknown;
    responseUrl?: string;
    respond: Respond;
    /** Where the click came from: refused unless the bot's own workspace and the plan's channel. */
    origin?: { botTeamId: string | undefined; teams: ClickTeams; channelId: string | undefined };
  },
): Promise<void> {
  const { userId, respond } = input;
  const plan = await getPlan(ctx, input.value);
  if (!plan) {
    await ctx.audit.append({
      actor: { id: userId },
      action: 'coverage',
      event: 'refused',
      outcome: 'denied',
      reason: 'unknown or expired plan',
      detail: { value: String(input.value ?? '').slice(0, 64) },
    });
    await refuse(
      respond,
      'This plan is unknown or has expired. Run the command again for a fresh pre-flight.',
    );
    return;
  }
  const target = {
    accountId: plan.accountId,
    region: plan.region,
    cluster: plan.cluster,
    requestId: plan.planId,
  };
  const rule = ctx.config.actions[plan.action];
  // Where the click came from first: the bot's own workspace, the plan's own channel.
  let refusal: string | undefined = input.origin
    ? (foreignTeam(input.origin.botTeamId, input.origin.teams) ??
      wrongChannel(plan.channelId, input.origin.channelId ?? ''))
    : undefined;
  if (!refusal && kind === 'confirm') {
    const d = await approveDecision(ctx, plan.action, userId, plan.requester);
    if (!d.ok) refusal = d.reason;
  } else if (!refusal && userId !== plan.requester && !(await isAllowed(ctx, userId, rule.approvers))) {
    refusal = `only the requester or an approver can cancel this ${plan.action}`;
  }
  if (refusal) {
    await ctx.audit.append({
      actor: { id: userId },
      action: plan.action,
      event: 'refused',
      target,
      outcome: 'denied',
      reason: refusal,
    });
    await refuse(respond, `You cannot ${kind} this: ${refusal}.`);
    return;
  }
  const { won, decision } = await decidePlan(ctx, plan, {
    status: kind === 'confirm' ? 'confirmed' : 'cancelled',
    by: userId,
    at: ctx.clock(),
  });
  if (!won) {
    await refuse(respond, `This plan was already ${decision.status} by ${userMention(decision.by)}.`);
    return;
  }
  await ctx.audit.append({
    actor: { id: userId },
    action: plan.action,
    event: kind === 'confirm' ? 'approved' : 'rejected',
    target,
    outcome: 'ok',
  });
  if (kind === 'confirm') {
    // The confirmed plan becomes an approved request of the enable/disable remediation: the job
    // runs it and replaces the plan message with the result.
    const req = planRequest(plan, {
      by: userId,
      at: decision.at,
      ...(input.responseUrl ? { responseUrl: input.responseUrl } : {}),
    });
    await ctx.requests.create(req);
    await enqueueRequestJob(ctx, req, 1, userId);
  }
  await respond({ replace_original: true, ...buildPlanDecided(plan, decision) });
}

/**
 * Confirm or Cancel clicked (registered with the other buttons in `index.ts`). The plan is looked
 * up before the click's origin is checked, so this handler checks the origin itself; a failure is
 * told through the plan's response_url.
 */
export function handlePlanButton(kind: 'confirm' | 'cancel') {
  return async (ctx: AppContext, click: Click, { respond, botTeamId }: ClickMeta) => {
    try {
      await onPlanButton(ctx, kind, {
        userId: click.userId,
        value: click.value,
        ...(click.responseUrl ? { responseUrl: click.responseUrl } : {}),
        origin: { botTeamId, teams: click, channelId: click.channelId },
        respond,
      });
    } catch (err) {
      ctx.log.error({ err: (err as Error).message, kind }, 'plan button failed');
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `:x: Could not ${kind} the plan: ${(err as Error).message}`,
      }).catch(() => undefined);
    }
  };
}
