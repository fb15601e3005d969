// Redeploy on a coverage card, handled directly: the service comes from what ecs-guard stored for
// the card (the value only names it by hash), the request is made the card-request way and the
// card remembers the service; forged, stale or closed values are refused and audited.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CoverageCardData } from '../../../../src/coverage/model.js';
import { newCardId } from '../../../../src/findings/store.js';
import { redeployValue } from '../../../../src/slack/blocks/coverage-card.js';
import { handleRedeployClick } from '../../../../src/slack/listeners/actions/redeploy-click.js';
import { CHANNEL, type ClickWorld, clickOf, clickWorld } from '../../../helpers/click-context.js';
import { PEOPLE } from '../../../helpers/people.js';
import { testRedis } from '../../../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const coverage = (patch: Partial<CoverageCardData> = {}): CoverageCardData =>
  ({
    accountId: '111122223333',
    region: 'us-east-1',
    cluster: 'prod',
    status: 'UNHEALTHY',
    issues: [],
    since: Date.now() - 60_000,
    source: 'poll',
    uncovered: {
      services: [{ service: 'web', taskIds: ['t1', 't2'] }],
      standalone: [],
      checkedAt: Date.now(),
    },
    ...patch,
  }) as CoverageCardData;

async function coverageCard(w: ClickWorld, d = coverage()) {
  const cardId = newCardId();
  await w.ctx.cards.create({ cardId, kind: 'coverage', channel: CHANNEL, coverage: d, state: { cardId } });
  await w.ctx.cards.setTs(cardId, '1767000000.000900');
  return cardId;
}

describe('handleRedeployClick', () => {
  let w: ClickWorld;
  beforeEach(() => {
    w = clickWorld(redis);
  });

  it('a listed service: a pending Redeploy request for it, and the card records which service', async () => {
    const cardId = await coverageCard(w);
    await handleRedeployClick(w.ctx, clickOf(PEOPLE.requester, redeployValue(cardId, 'web')));
    const card = await w.ctx.cards.get(cardId);
    expect(card?.coverage?.redeployService).toBe('web');
    const req = await w.ctx.requests.get(card?.state.pending?.requestId ?? '');
    expect(req).toMatchObject({
      action: 'redeploy',
      status: 'pending',
      cluster: 'prod',
      service: 'web',
      accountId: '111122223333',
      cardId,
    });
    expect(w.jobs).toEqual([]);
  });

  it('refuses a value naming no stored service, a forged card, a finding card and a closed gap', async () => {
    const cardId = await coverageCard(w);
    await handleRedeployClick(w.ctx, clickOf(PEOPLE.requester, redeployValue(cardId, 'payments')));
    await handleRedeployClick(w.ctx, clickOf(PEOPLE.requester, redeployValue(`c${'a'.repeat(24)}`, 'web')));
    const closed = await coverageCard(w, coverage({ recoveredAt: Date.now() }));
    await handleRedeployClick(w.ctx, clickOf(PEOPLE.requester, redeployValue(closed, 'web')));
    expect((await w.audited('refused')).map((r) => r.reason).reverse()).toEqual([
      'Redeploy: that service is no longer listed on this card.',
      "Redeploy: this button is not one of ecs-guard's coverage cards (unknown id).",
      'Redeploy: this coverage gap is closed.',
    ]);
    expect(w.ephemerals(PEOPLE.requester)).toHaveLength(3);
    expect(await w.audited('requested')).toEqual([]);
  });

  it('a second Redeploy after the first finished is taken (coverage cards are repeatable)', async () => {
    const cardId = await coverageCard(w);
    await handleRedeployClick(w.ctx, clickOf(PEOPLE.requester, redeployValue(cardId, 'web')));
    await w.ctx.cards.updateState(cardId, (s) => ({
      ...s,
      pending: undefined,
      outcome: { requestId: 'rx', action: 'redeploy', ok: true, message: 'done', at: Date.now() } as never,
    }));
    await handleRedeployClick(w.ctx, clickOf(PEOPLE.requester, redeployValue(cardId, 'web')));
    expect(await w.audited('requested')).toHaveLength(2);
  });
});
