// Suppress similar on a card, handled directly: the modal opens for someone allowed to request it
// (criteria of each scope, the card id as its only metadata); nothing is created by the click;
// refusals are ephemeral and audited.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handleSuppressClick } from '../../../../src/slack/listeners/actions/suppress-click.js';
import { type ClickWorld, clickOf, clickWorld, seedCard } from '../../../helpers/click-context.js';
import { PEOPLE } from '../../../helpers/people.js';
import { testRedis } from '../../../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

describe('handleSuppressClick', () => {
  let w: ClickWorld;
  beforeEach(() => {
    w = clickWorld(redis);
  });

  it('opens the modal with the trigger id and the card id; nothing is requested yet', async () => {
    const { cardId } = await seedCard(w);
    await handleSuppressClick(w.ctx, clickOf(PEOPLE.approver, cardId, { triggerId: 'trig-1' }));
    const open = w.slack.filter((c) => c.method === 'views.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.args.trigger_id).toBe('trig-1');
    expect(open[0]?.args.view.private_metadata).toBe(cardId);
    const view = JSON.stringify(open[0]?.args.view);
    expect(view).toContain('prod'); // the cluster scope's criteria are shown
    expect(view).toContain('/bin/sh'); // and the executable's
    expect(await w.audited('requested')).toEqual([]);
    expect(w.ephemerals()).toEqual([]);
  });

  it('refuses an outsider (approvers only by default), a forged card, a finding without cluster, and a click without trigger id', async () => {
    const { cardId } = await seedCard(w);
    await handleSuppressClick(w.ctx, clickOf(PEOPLE.outsider, cardId, { triggerId: 't' }));
    await handleSuppressClick(w.ctx, clickOf(PEOPLE.approver, `c${'d'.repeat(24)}`, { triggerId: 't' }));
    const noCluster = await seedCard(w, { clusterName: undefined });
    await handleSuppressClick(w.ctx, clickOf(PEOPLE.approver, noCluster.cardId, { triggerId: 't' }));
    await handleSuppressClick(w.ctx, clickOf(PEOPLE.approver, cardId));
    expect(w.slack.filter((c) => c.method === 'views.open')).toEqual([]);
    expect((await w.audited('refused')).map((r) => [r.actor.id, r.action, r.reason]).reverse()).toEqual([
      [PEOPLE.outsider, 'suppress', expect.stringMatching(/^Suppress similar refused: /)],
      [
        PEOPLE.approver,
        'suppress',
        "Suppress similar: this button is not one of ecs-guard's cards (unknown id).",
      ],
      [
        PEOPLE.approver,
        'suppress',
        'Suppress similar: this finding names no ECS cluster to scope a suppression to.',
      ],
      [PEOPLE.approver, 'suppress', 'Suppress similar: Slack sent no trigger id to open the form with.'],
    ]);
    expect(w.ephemerals().map((e) => e.text.slice(0, 11))).toEqual(Array(4).fill(':no_entry: '));
  });

  it('refuses a click on the card from another channel (the button value copied elsewhere)', async () => {
    const { cardId } = await seedCard(w);
    await handleSuppressClick(
      w.ctx,
      clickOf(PEOPLE.approver, cardId, { triggerId: 't', channelId: 'C0ELSEWHERE' }),
    );
    expect(w.slack.filter((c) => c.method === 'views.open')).toEqual([]);
    const [refused] = await w.audited('refused');
    expect(refused?.reason).toMatch(/^Suppress similar refused: /);
  });
});
