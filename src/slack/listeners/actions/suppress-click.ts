import type { App } from '@slack/bolt';
import type { AppContext } from '../../../context.js';
import { suppress } from '../../../remediations/suppress.js';
import { canRequest, ruleFor } from '../../../requests/policy.js';
import { expiryMs, scopeOptions } from '../../../suppressions/criteria.js';
import {
  buildSuppressModal,
  REASON_MAX,
  REASON_MIN,
  readSuppressSubmission,
  SUPPRESS_FIELDS,
  SUPPRESS_VIEW,
} from '../../blocks/suppress-modal.js';
import { isCardId } from '../../card-store.js';
import { principalMention } from '../../mrkdwn.js';
import { type Click, refuse } from './click.js';
import { handleRequestClick } from './request-click.js';

/**
 * "Suppress similar" clicked: the card and finding are looked up server-side, the clicker must be
 * allowed to request it, and a modal shows the criteria of each scope and asks for the scope, the
 * expiry and a reason. Nothing is created until the modal is submitted.
 */
export async function handleSuppressClick(ctx: AppContext, click: Click): Promise<void> {
  const { label, name } = suppress;
  const card = isCardId(click.value) ? await ctx.cards.get(click.value) : undefined;
  if (card?.kind !== 'finding' || !card.findingId)
    return refuse(
      ctx,
      click,
      name,
      `${label}: this button is not one of ecs-guard's finding cards (unknown id).`,
    );
  const rec = await ctx.findings.get(card.findingId);
  if (!rec)
    return refuse(ctx, click, name, `${label}: the finding of this card is no longer known to ecs-guard.`);
  const f = rec.finding;
  const target = {
    accountId: f.accountId,
    region: f.region,
    findingId: f.id,
    ...(f.clusterName ? { cluster: f.clusterName } : {}),
  };
  const rule = ruleFor(ctx.config, suppress);
  const member = await ctx.groups.test(rule.requesters, rule.approvers);
  const d = canRequest(rule, click.userId, label, member);
  if (!d.ok) return refuse(ctx, click, name, `${label} refused: ${d.reason}.`, target);
  const options = scopeOptions(f);
  if (!options.length)
    return refuse(
      ctx,
      click,
      name,
      `${label}: this finding names no ECS cluster to scope a suppression to.`,
      target,
    );
  if (!click.triggerId)
    return refuse(ctx, click, name, `${label}: Slack sent no trigger id to open the form with.`, target);
  const approvalNote = rule.needsApproval
    ? `An approver (${rule.approvers.map(principalMention).join(', ') || 'none configured'}) must approve it${rule.twoPerson ? ', and not the person who asked (two-person)' : ''}.`
    : 'It is created as soon as you submit (you are an approver).';
  await ctx.slack.views.open({
    trigger_id: click.triggerId,
    view: buildSuppressModal(f, options, { cardId: card.cardId, approvalNote }) as never,
  });
}

/** Validation errors of a submission, by block id (Slack shows them under the inputs). */
export function submissionErrors(v: ReturnType<typeof readSuppressSubmission>): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!v.scope) errors[SUPPRESS_FIELDS.scope.block] = 'Choose what to suppress.';
  if (!v.expiry || expiryMs(v.expiry) === undefined)
    errors[SUPPRESS_FIELDS.expiry.block] = 'Choose when it expires.';
  const reason = v.reason?.trim() ?? '';
  if (reason.length < REASON_MIN || reason.length > REASON_MAX)
    errors[SUPPRESS_FIELDS.reason.block] = `Give a reason of ${REASON_MIN}-${REASON_MAX} characters.`;
  return errors;
}

/**
 * The modal submitted: ack (with field errors if something is missing), then the request goes the
 * way every card request goes (policy, card claim, audit, job) with the collected input. The card
 * comes from the view's private_metadata and is looked up again; nothing in the view is trusted.
 */
export function registerSuppressView(app: App, ctx: AppContext): void {
  app.view(SUPPRESS_VIEW, async ({ ack, body, view }) => {
    const v = readSuppressSubmission(view.state?.values);
    const errors = submissionErrors(v);
    if (Object.keys(errors).length) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const cardId = typeof view.private_metadata === 'string' ? view.private_metadata : '';
    void ctx.work.run(async () => {
      const card = isCardId(cardId) ? await ctx.cards.get(cardId) : undefined;
      const userId = body.user?.id ?? '';
      const click: Click = {
        userId,
        ...(body.user?.name ? { userName: body.user.name.slice(0, 80) } : {}),
        channelId: card?.channel ?? '',
        ...(card?.ts ? { messageTs: card.ts } : {}),
        value: cardId,
      };
      if (!card || !/^[UW][A-Z0-9]{2,}$/.test(userId)) {
        ctx.log.warn({ cardId: cardId.slice(0, 40) }, 'suppress modal for an unknown card ignored');
        return;
      }
      try {
        await handleRequestClick(ctx, click, suppress, {
          scope: v.scope,
          expiry: v.expiry,
          reason: v.reason?.trim(),
        });
      } catch (err) {
        ctx.log.error({ err: (err as Error).message }, 'suppress submission failed');
      }
    });
  });
}
