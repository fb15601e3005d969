import type { App, BlockAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { AppContext } from '../../../context.js';
import { REMEDIATIONS } from '../../../remediations/index.js';
import { REDEPLOY_ACTION } from '../../../remediations/redeploy.js';
import { REMOVE_SUPPRESSION_ACTION, SUPPRESS_ACTION } from '../../../remediations/suppress.js';
import { ACTION_ID } from '../../blocks/action-ids.js';
import { CONTAIN_PLAN } from '../../blocks/contain-plan.js';
import { CANCEL_ACTION, CONFIRM_ACTION } from '../../blocks/coverage-plan.js';
import { foreignTeam } from '../click-origin.js';
import { type Click, type ClickMeta, clickFrom, type Respond, refuse } from './click.js';
import { handleContainPlan, handleRequestContainment } from './contain-plan.js';
import { handleEcsContext } from './context-click.js';
import { handleApprove, handleCancel, handleReject, handleRestore, handleRetry } from './decision-click.js';
import { handlePlanButton } from './plan-click.js';
import { handleRedeployClick } from './redeploy-click.js';
import { handleRequestClick } from './request-click.js';
import { handleSuppressClick } from './suppress-click.js';

type Handler = (ctx: AppContext, click: Click, meta: ClickMeta) => Promise<void>;

/**
 * Every button's listener: ack() first (Slack's 3 s budget), then the work; a failure is logged,
 * never left unanswered. No handler = acknowledge only. `checksOrigin`: the handler refuses
 * clicks from elsewhere itself (after its own lookup).
 */
function listener(
  ctx: AppContext,
  name: string,
  handle: Handler | undefined,
  opts: { checksOrigin?: boolean } = {},
): Middleware<SlackActionMiddlewareArgs<BlockAction>> {
  return async ({ ack, body, action, context, respond }) => {
    await ack();
    if (!handle) return;
    const click = clickFrom(body, action);
    if (!click) {
      ctx.log.warn({ action: name }, 'ignored a click without a usable user or channel');
      return;
    }
    // The work runs after the listener returns, in the bounded handler pool: a burst of clicks
    // queues work instead of delaying the next click's ack.
    void ctx.work.run(async () => {
      try {
        // Only the bot's own workspace (Bolt's context.teamId comes from auth.test).
        const foreign = opts.checksOrigin ? undefined : foreignTeam(context.teamId, click);
        if (foreign) return await refuse(ctx, click, name, `Refused: ${foreign}.`);
        await handle(ctx, click, { respond: respond as Respond, botTeamId: context.teamId });
      } catch (err) {
        ctx.log.error(
          { err: (err as Error).message, action: name, user: click.userId },
          'click handler failed',
        );
        await ctx.slack.chat
          .postEphemeral({
            channel: click.channelId,
            user: click.userId,
            text: ':warning: ecs-guard could not handle that click; please try again. The error was logged.',
          })
          .catch(() => {});
      }
    });
  };
}

/**
 * Registers every button: each remediation's request button from the registry (Stop task,
 * Archive, …), then ECS context, Approve, Reject, Retry, Restore and Cancel, and the
 * enable/disable plan's Confirm and Cancel.
 */
export function registerActions(app: App, ctx: AppContext): void {
  const on = (actionId: string, handle: Handler | undefined, opts?: { checksOrigin?: boolean }) =>
    app.action<BlockAction>(
      { type: 'block_actions', action_id: actionId },
      listener(ctx, actionId, handle, opts),
    );
  // A card button that opens a plan first instead of requesting at once (Contain).
  const plans: Record<string, Handler> = { contain: handleContainPlan };
  for (const def of REMEDIATIONS) {
    const button = 'button' in def ? def.button : undefined;
    // Suppress similar first asks for scope, expiry and reason (a modal); Contain shows its plan
    // first; the rest request at once.
    if (button?.on === 'finding-card')
      on(
        button.actionId,
        button.actionId === SUPPRESS_ACTION
          ? handleSuppressClick
          : (plans[def.name] ?? ((c, k) => handleRequestClick(c, k, def))),
      );
  }
  on(CONTAIN_PLAN.request, handleRequestContainment);
  // Ticking a plan checkbox is a block action too: acknowledged, nothing to do until the request.
  on(CONTAIN_PLAN.checkboxes, undefined);
  on(ACTION_ID.ecsContext, handleEcsContext);
  on(ACTION_ID.approve, handleApprove);
  on(ACTION_ID.reject, handleReject);
  on(ACTION_ID.retry, handleRetry);
  on(ACTION_ID.restore, handleRestore);
  on(ACTION_ID.cancel, handleCancel);
  on(REDEPLOY_ACTION, handleRedeployClick);
  // Remove in `/ecs-guard suppressions`: the Restore (undo) of that Suppress similar request.
  on(REMOVE_SUPPRESSION_ACTION, handleRestore);
  // A slash-command plan (enable/disable): the plan is read first, then where the click came from.
  on(CONFIRM_ACTION, handlePlanButton('confirm'), { checksOrigin: true });
  on(CANCEL_ACTION, handlePlanButton('cancel'), { checksOrigin: true });
}
