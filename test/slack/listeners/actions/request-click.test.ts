// A remediation's card button, handled directly (handleRequestClick) against real Redis stores
// and a recording Slack: the happy paths create the request (pending, or approved and queued),
// every refusal is ephemeral and audited, and a double click makes one request.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { archive } from '../../../../src/remediations/archive.js';
import { holdService } from '../../../../src/remediations/hold-service.js';
import { stopTask } from '../../../../src/remediations/stop-task.js';
import { handleRequestClick } from '../../../../src/slack/listeners/actions/request-click.js';
import {
  CHANNEL,
  type ClickWorld,
  clickOf,
  clickWorld,
  seedCard,
  WHO,
} from '../../../helpers/click-context.js';
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
  const audit = (event?: string) =>
    w.ctx.audit.list({ limit: 50 }).then((rs) => rs.filter((r) => !event || r.event === event));

  it('Stop task by a requester: a pending request on the card, audited, no job until approved', async () => {
    const { cardId, ts, finding } = await seedCard(w);
    await handleRequestClick(
      w.ctx,
      clickOf(WHO.requester, cardId, { userName: 'rita', messageTs: ts }),
      stopTask,
    );
    const card = await w.ctx.cards.get(cardId);
    const pending = card?.state.pending;
    expect(pending).toMatchObject({ action: 'stop-task', requesterId: WHO.requester });
    expect(pending?.approverMentions).toEqual([WHO.approver, WHO.group]);
    const req = await w.ctx.requests.get(pending?.requestId ?? '');
    expect(req).toMatchObject({
      action: 'stop-task',
      status: 'pending',
      origin: 'card',
      requesterId: WHO.requester,
      requesterName: 'rita',
      cardId,
      channel: CHANNEL,
      ts,
      taskArn: finding.taskArn,
      cluster: 'prod',
      findingId: finding.id,
      findingType: finding.type,
    });
    const [requested] = await audit('requested');
    expect(requested).toMatchObject({
      actor: { id: WHO.requester },
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
    await handleRequestClick(w.ctx, clickOf(WHO.approver, cardId), archive);
    const running = (await w.ctx.cards.get(cardId))?.state.running;
    expect(running).toMatchObject({ action: 'archive', approverId: WHO.approver });
    const id = running?.requestId as string;
    expect(await w.ctx.requests.get(id)).toMatchObject({ status: 'approved', approverId: WHO.approver });
    expect(w.jobs).toEqual([
      {
        name: 'archive',
        data: { requestId: id, attempt: 1, actorId: WHO.approver },
        opts: expect.objectContaining({ jobId: `archive-${id}` }),
      },
    ]);
    expect((await audit()).map((r) => r.event).sort()).toEqual(['approved', 'requested']);
  });

  it('a double click makes one request; the second clicker is told why (ephemeral)', async () => {
    const { cardId } = await seedCard(w);
    await Promise.all([
      handleRequestClick(w.ctx, clickOf(WHO.requester, cardId), stopTask),
      handleRequestClick(w.ctx, clickOf(WHO.requester, cardId), stopTask),
    ]);
    expect(await audit('requested')).toHaveLength(1);
    const told = w.ephemerals(WHO.requester);
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toMatch(
      /^:information_source: Stop task was already requested by <@UREQUESTER> and is waiting for approval\.$/,
    );
  });

  it.each([
    [
      'a forged card id',
      () => clickOf(WHO.requester, `c${'f'.repeat(24)}`),
      "Stop task: this button is not one of ecs-guard's cards (unknown id).",
    ],
    [
      'not a card id at all',
      () => clickOf(WHO.requester, 'stop_task'),
      "Stop task: this button is not one of ecs-guard's cards (unknown id).",
    ],
  ])('%s is refused, ephemeral and audited', async (_what, click, reason) => {
    await seedCard(w);
    await handleRequestClick(w.ctx, click(), stopTask);
    expect(w.ephemerals(WHO.requester).map((e) => e.text)).toEqual([`:no_entry: ${reason}`]);
    const [refused] = await audit('refused');
    expect(refused).toMatchObject({
      actor: { id: WHO.requester },
      action: 'stop-task',
      outcome: 'denied',
      reason,
    });
    expect(await audit('requested')).toEqual([]);
  });

  it('refuses a click from another channel, an outsider asking for Archive, and a finding without what the remediation acts on', async () => {
    const { cardId } = await seedCard(w);
    await handleRequestClick(w.ctx, clickOf(WHO.requester, cardId, { channelId: 'COTHER0001' }), stopTask);
    await handleRequestClick(w.ctx, clickOf(WHO.outsider, cardId), archive);
    const taskless = await seedCard(w, { taskArn: undefined, service: undefined });
    await handleRequestClick(w.ctx, clickOf(WHO.requester, taskless.cardId), stopTask);
    await handleRequestClick(w.ctx, clickOf(WHO.requester, taskless.cardId), holdService);
    const refused = await audit('refused');
    expect(refused.map((r) => [r.actor.id, r.action, r.reason])).toEqual(
      expect.arrayContaining([
        [WHO.requester, 'stop-task', expect.stringMatching(/^Stop task refused: .*channel/)],
        [WHO.outsider, 'archive', expect.stringMatching(/^Archive refused: /)],
        [WHO.requester, 'stop-task', 'Stop task: this finding names no ECS task.'],
        [WHO.requester, 'hold-service', "Hold service: this finding's task belongs to no ECS service."],
      ]),
    );
    expect(refused).toHaveLength(4);
    expect(refused.every((r) => r.outcome === 'denied')).toBe(true);
    expect(w.ephemerals().every((e) => e.text.startsWith(':no_entry: '))).toBe(true);
    expect(w.ephemerals().map((e) => e.channel)).toEqual(['COTHER0001', CHANNEL, CHANNEL, CHANNEL]);
    expect(await audit('requested')).toEqual([]);
    expect((await w.ctx.cards.get(cardId))?.state.pending).toBeUndefined();
  });
});
