import type { AppContext } from '../../../context.js';
import type { FindingRecord } from '../../../findings/store.js';
import { type CardRecord, isCardId } from '../../card-store.js';
import { wrongChannel } from '../click-origin.js';
import { type Click, refuse } from './click.js';

/**
 * The single finding card a button was clicked on, and its finding, looked up server-side from
 * the button's opaque id; or undefined once the clicker has been refused (and audited): a forged
 * id, a click from another channel, a group card, a finding ecs-guard no longer holds.
 */
export async function findingOnCard(
  ctx: AppContext,
  click: Click,
  action: { name: string; label: string },
): Promise<{ card: CardRecord; rec: FindingRecord } | undefined> {
  const { name, label } = action;
  const card = isCardId(click.value) ? await ctx.cards.get(click.value) : undefined;
  if (!card) {
    await refuse(ctx, click, name, `${label}: this button is not one of ecs-guard's cards (unknown id).`);
    return undefined;
  }
  const elsewhere = wrongChannel(card.channel, click.channelId);
  if (elsewhere) {
    await refuse(ctx, click, name, `${label} refused: ${elsewhere}.`);
    return undefined;
  }
  if (card.kind !== 'finding' || !card.findingKey) {
    await refuse(ctx, click, name, `${label} works on a single finding's card, not on a group card.`);
    return undefined;
  }
  const rec = await ctx.findings.get(card.findingKey);
  if (!rec) {
    await refuse(ctx, click, name, `${label}: the finding of this card is no longer known to ecs-guard.`);
    return undefined;
  }
  return { card, rec };
}
