/**
 * The Confirm and Cancel buttons of an enable/disable plan. The button value is only a plan id;
 * the plan is read back from Redis and the clicker authorised server-side. A refusal is an
 * ephemeral message to the clicker and an audit record; the plan message stays as it was.
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { AppContext } from '../src/context.js';
import { planRequest } from '../src/remediations/cluster-monitoring.js';
import { decidePlan, getPlan } from '../src/requests/plans.js';
import { enqueueRequestJob } from '../src/requests/submit.js';
import { buildPlanDecided, CANCEL_ACTION, CONFIRM_ACTION } from '../src/slack/blocks/coverage-plan.js';
import { type ClickTeams, foreignTeam, wrongChannel } from '../src/slack/listeners/click-origin.js';
import { userMention } from '../src/slack/mrkdwn.js';
import { approveDecision, isAllowed } from './authorise.js';

type Respond = (m: Record<string, unknown>) => Promise<unknown>;

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

export function registerPlanButtons(app: App, ctx: AppContext): void {
  for (const [actionId, kind] of [
    [CONFIRM_ACTION, 'confirm'],
    [CANCEL_ACTION, 'cancel'],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond, context }) => {
      await ack();
      try {
        await onPlanButton(ctx, kind, {
          userId: body.user.id,
          value: action.value,
          responseUrl: body.response_url,
          origin: {
            botTeamId: context.teamId,
            teams: {
              ...(body.team?.id ? { teamId: body.team.id } : {}),
              ...(body.user.team_id ? { userTeamId: body.user.team_id } : {}),
            },
            channelId: body.channel?.id ?? body.container?.channel_id,
          },
          respond: (m) => respond(m as Parameters<typeof respond>[0]),
        });
      } catch (err) {
        ctx.log.error({ err: (err as Error).message, kind }, 'plan button failed');
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: `:x: Could not ${kind} the plan: ${(err as Error).message}`,
        }).catch(() => undefined);
      }
    });
  }
}
