import type { AppContext } from '../../../context.js';
import { suppress } from '../../../remediations/suppress.js';
import { canRequest, ruleFor } from '../../../requests/policy.js';
import { scopeOptions } from '../../../suppressions/criteria.js';
import { buildSuppressModal } from '../../blocks/suppress-modal.js';
import { principalMention } from '../../mrkdwn.js';
import { findingOnCard } from './card-finding.js';
import { type Click, refuse } from './click.js';

/**
 * "Suppress similar" clicked: the card and finding are looked up server-side, the clicker must be
 * allowed to request it, and a modal shows the criteria of each scope and asks for the scope, the
 * expiry and a reason. Nothing is created until the modal is submitted.
 */
export async function handleSuppressClick(ctx: AppContext, click: Click): Promise<void> {
  const { label, name } = suppress;
  const found = await findingOnCard(ctx, click, suppress);
  if (!found) return;
  const { card } = found;
  const f = found.rec.finding;
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
