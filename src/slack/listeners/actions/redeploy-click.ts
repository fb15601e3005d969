import type { AppContext } from '../../../context.js';
import { redeploy } from '../../../remediations/redeploy.js';
import { redeployValue } from '../../blocks/coverage-card.js';
import { isCardId } from '../../card-store.js';
import type { Click } from './click.js';
import { refuse } from './click.js';
import { requestOnCard } from './request-click.js';

/**
 * Redeploy clicked on a coverage card: the value is `<cardId>.<hash of the service>`; the card and
 * the service are looked up server-side in what ecs-guard stored for that card (a forged or stale
 * value is refused), then the request goes the way every card request goes.
 */
export async function handleRedeployClick(ctx: AppContext, click: Click): Promise<void> {
  const [cardId = '', hash = ''] = click.value.split('.');
  const card = isCardId(cardId) ? await ctx.cards.get(cardId) : undefined;
  const d = card?.kind === 'coverage' ? card.coverage : undefined;
  if (!card || !d)
    return refuse(
      ctx,
      click,
      redeploy.name,
      "Redeploy: this button is not one of ecs-guard's coverage cards (unknown id).",
    );
  const service = d.uncovered?.services.find(
    (s) => redeployValue(cardId, s.service) === `${cardId}.${hash}`,
  )?.service;
  const auditTarget = { accountId: d.accountId, region: d.region, cluster: d.cluster };
  if (!service)
    return refuse(
      ctx,
      click,
      redeploy.name,
      'Redeploy: that service is no longer listed on this card.',
      auditTarget,
    );
  if (d.recoveredAt !== undefined)
    return refuse(ctx, click, redeploy.name, 'Redeploy: this coverage gap is closed.', auditTarget);
  await requestOnCard(ctx, click, redeploy, {
    card,
    target: { accountId: d.accountId, region: d.region, cluster: d.cluster, service },
    input: {},
    auditTarget,
    repeatable: true,
    onClaimed: () => ctx.cards.setCoverage(card.cardId, { ...d, redeployService: service }),
  });
}
