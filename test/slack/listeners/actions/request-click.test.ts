// A remediation's card button, handled directly (handleRequestClick) against real Redis stores
// and a recording Slack: the happy paths create the request (pending, or approved and queued),
// every refusal is ephemeral and audited, and a double click makes one request.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { archive } from '../../../../src/remediations/archive.js';
import { holdService } from '../../../../src/remediations/hold-service.js';
import { stopTask } from '../../../../src/remediations/stop-task.js';
import { handleRequestClick } from '../../../../src/slack/listeners/actions/request-click.js';
import { CHANNEL, type ClickWorld, clickOf, clickWorld, seedCard } from '../../../helpers/click-context.js';
import { PEOPLE } from '../../../helpers/people.js';
import { testRedis } from '../../../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

describe('handleRequestClick', () => {
  let w: ClickWorld;
  beforeEach(() => {
    w = clickWorld(redis);
  });

  it('Stop task by a requester: a pending request on the card, audited, no job until approved', async () => {
    const { cardId, ts, finding } = await seedCard(w);
    await handleRequestClick(
      w.ctx,
      clickOf(PEOPLE.requester, cardId, { userName: 'rita', messageTs: ts }),
      stopTask,
    );
    const card = await w.ctx.cards.get(cardId);
    const pending = card?.state.pending;
    expect(pending).toMatchObject({ action: 'stop-task', requesterId: PEOPLE.requester });
    expect(pending?.approverMentions).toEqual([PEOPLE.approver, PEOPLE.approverGroup]);
    const req = await w.ctx.requests.get(pending?.requestId ?? '');
    expect(req).toMatchObject({
      action: 'stop-task',
      status: 'pending',
      origin: 'card',
      requesterId: PEOPLE.requester,
      requesterName: 'rita',
      cardId,
      channel: CHANNEL,
      ts,
      taskArn: finding.taskArn,
      cluster: 'prod',
      findingId: finding.id,
      findingType: finding.type,
    });
    const [requested] = await w.audited('requested');
    expect(requested).toMatchObject({
      actor: { id: PEOPLE.requester },
      action: 'stop-task',
      outcome: 'pending',
    });
    expect(w.jobs).toEqual([]);
    // The card is re-rendered in place, now offering Approve.
    const update = w.slack.find((c) => c.method === 'chat.update');
    expect(update?.args).toMatchObject({ channel: CHANNEL, ts });
    expect(JSON.stringify(update?.args.blocks)).toContain('Approve');
    expect(w.ephemerals()).toEqual([]);
  });

  it('Archive by an approver (no approval needed): approved at once and its job queued', async () => {
    const { cardId } = await seedCard(w);
    await handleRequestClick(w.ctx, clickOf(PEOPLE.approver, cardId), archive);
    const running = (await w.ctx.cards.get(cardId))?.state.running;
    expect(running).toMatchObject({ action: 'archive', approverId: PEOPLE.approver });
    const id = running?.requestId as string;
    expect(await w.ctx.requests.get(id)).toMatchObject({ status: 'approved', approverId: PEOPLE.approver });
    expect(w.jobs).toEqual([
      {
        name: 'archive',
        data: { requestId: id, attempt: 1, actorId: PEOPLE.approver },
        opts: expect.objectContaining({ jobId: `archive-${id}` }),
      },
    ]);
    expect((await w.audited()).map((r) => r.event).sort()).toEqual(['approved', 'requested']);
  });

  it('a double click makes one request; the second clicker is told why (ephemeral)', async () => {
    const { cardId } = await seedCard(w);
    await Promise.all([
      handleRequestClick(w.ctx, clickOf(PEOPLE.requester, cardId), stopTask),
      handleRequestClick(w.ctx, clickOf(PEOPLE.requester, cardId), stopTask),
    ]);
    expect(await w.audited('requested')).toHaveLength(1);
    const told = w.ephemerals(PEOPLE.requester);
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toMatch(
      /^:information_source: Stop task was already requested by <@UREQUESTER> and is waiting for approval\.$/,
    );
  });

  it.each([
    [
      'a forged card id',
      () => clickOf(PEOPLE.requester, `c${'f'.repeat(24)}`),
      "Stop task: this button is not one of ecs-guard's cards (unknown id).",
    ],
    [
      'not a card id at all',
      () => clickOf(PEOPLE.requester, 'stop_task'),
      "Stop task: this button is not one of ecs-guard's cards (unknown id).",
    ],
  ])('%s is refused, ephemeral and audited', async (_what, click, reason) => {
    await seedCard(w);
    await handleRequestClick(w.ctx, click(), stopTask);
    expect(w.ephemerals(PEOPLE.requester).map((e) => e.text)).toEqual([`:no_entry: ${reason}`]);
    const [refused] = await w.audited('refused');
    expect(refused).toMatchObject({
      actor: { id: PEOPLE.requester },
      action: 'stop-task',
      outcome: 'denied',
      reason,
    });
    expect(await w.audited('requested')).toEqual([]);
  });

  it('refuses a click from another channel, an outsider asking for Archive, and a finding without what the remediation acts on', async () => {
    const { cardId } = await seedCard(w);
    await handleRequestClick(w.ctx, clickOf(PEOPLE.requester, cardId, { channelId: 'COTHER0001' }), stopTask);
    await handleRequestClick(w.ctx, clickOf(PEOPLE.outsider, cardId), archive);
    const taskless = await seedCard(w, { taskArn: undefined, service: undefined });
    await handleRequestClick(w.ctx, clickOf(PEOPLE.requester, taskless.cardId), stopTask);
    await handleRequestClick(w.ctx, clickOf(PEOPLE.requester, taskless.cardId), holdService);
    const refused = await w.audited('refused');
    expect(refused.map((r) => [r.actor.id, r.action, r.reason])).toEqual(
      expect.arrayContaining([
        [PEOPLE.requester, 'stop-task', expect.stringMatching(/^Stop task refused: .*channel/)],
        [PEOPLE.outsider, 'archive', expect.stringMatching(/^Archive refused: /)],
        [PEOPLE.requester, 'stop-task', 'Stop task: this finding names no ECS task.'],
        [PEOPLE.requester, 'hold-service', "Hold service: this finding's task belongs to no ECS service."],
      ]),
    );
    expect(refused).toHaveLength(4);
    expect(refused.every((r) => r.outcome === 'denied')).toBe(true);
    expect(w.ephemerals().every((e) => e.text.startsWith(':no_entry: '))).toBe(true);
    expect(w.ephemerals().map((e) => e.channel)).toEqual(['COTHER0001', CHANNEL, CHANNEL, CHANNEL]);
    expect(await w.audited('requested')).toEqual([]);
    expect((await w.ctx.cards.get(cardId))?.state.pending).toBeUndefined();
  });
});
