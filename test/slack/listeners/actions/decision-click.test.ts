// Approve, Reject, Retry, Restore and Cancel, handled directly against real Redis stores and a
// recording Slack: the winner changes the request once and queues its job; every refusal is
// ephemeral and audited; a late or repeated decision is told what happened.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { archive } from '../../../../src/remediations/archive.js';
import { holdService } from '../../../../src/remediations/hold-service.js';
import type { AnyRemediation } from '../../../../src/remediations/index.js';
import { stopTask } from '../../../../src/remediations/stop-task.js';
import {
  handleApprove,
  handleCancel,
  handleReject,
  handleRestore,
  handleRetry,
} from '../../../../src/slack/listeners/actions/decision-click.js';
import { handleRequestClick } from '../../../../src/slack/listeners/actions/request-click.js';
import { CHANNEL, type ClickWorld, clickOf, clickWorld, seedCard } from '../../../helpers/click-context.js';
import { PEOPLE } from '../../../helpers/people.js';
import { testRedis } from '../../../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

describe('decision clicks', () => {
  let w: ClickWorld;
  beforeEach(() => {
    w = clickWorld(redis);
  });
  /** A pending Stop task request made on a fresh card by the requester. */
  async function pending(def: AnyRemediation = stopTask) {
    const card = await seedCard(w);
    await handleRequestClick(w.ctx, clickOf(PEOPLE.requester, card.cardId, { messageTs: card.ts }), def);
    const requestId = (await w.ctx.cards.get(card.cardId))?.state.pending?.requestId as string;
    w.slack.length = 0;
    return { ...card, requestId };
  }
  /** The request finished (as the job would leave it). */
  const finish = (id: string, status: 'executed' | 'failed', patch: Record<string, unknown> = {}) =>
    w.ctx.requests.transition(id, ['approved'], status, {
      outcomeOk: status === 'executed',
      outcomeAt: Date.now(),
      ...patch,
    });

  it('Approve by an approver: approved once, audited, the job queued as the approver, the card shows it running', async () => {
    const { requestId, cardId, ts } = await pending();
    await handleApprove(w.ctx, clickOf(PEOPLE.approver, requestId, { userName: 'alice' }));
    expect(await w.ctx.requests.get(requestId)).toMatchObject({
      status: 'approved',
      approverId: PEOPLE.approver,
      approverName: 'alice',
    });
    expect(w.jobs).toEqual([
      {
        name: 'stop-task',
        data: { requestId, attempt: 1, actorId: PEOPLE.approver },
        opts: expect.objectContaining({ jobId: `stop-task-${requestId}` }),
      },
    ]);
    const [approved] = await w.audited('approved');
    expect(approved).toMatchObject({
      actor: { id: PEOPLE.approver, name: 'alice' },
      action: 'stop-task',
      outcome: 'ok',
    });
    const card = await w.ctx.cards.get(cardId);
    expect(card?.state.pending).toBeUndefined();
    expect(card?.state.running).toMatchObject({ requestId, approverId: PEOPLE.approver });
    expect(w.slack.find((c) => c.method === 'chat.update')?.args).toMatchObject({ channel: CHANNEL, ts });
    // A second Approve (double click, or another approver) is told it is decided; no second job.
    await handleApprove(w.ctx, clickOf(PEOPLE.groupApprover, requestId));
    expect(w.ephemerals(PEOPLE.groupApprover).map((e) => e.text)).toEqual([
      ':information_source: Already approved by <@UAPPROVER1>.',
    ]);
    expect(w.jobs).toHaveLength(1);
  });

  it('an approver through a user group is read fresh from Slack and may approve', async () => {
    const { requestId } = await pending();
    await handleApprove(w.ctx, clickOf(PEOPLE.groupApprover, requestId));
    expect(w.slack.filter((c) => c.method === 'usergroups.users.list').map((c) => c.args)).toEqual([
      { usergroup: PEOPLE.approverGroup },
    ]);
    expect((await w.ctx.requests.get(requestId))?.approverId).toBe(PEOPLE.groupApprover);
  });

  it('Approve refused for the requester (four-eyes), an outsider and a forged id: ephemeral, audited, nothing queued', async () => {
    const { requestId } = await pending();
    await handleApprove(w.ctx, clickOf(PEOPLE.requester, requestId));
    await handleApprove(w.ctx, clickOf(PEOPLE.outsider, requestId));
    await handleApprove(w.ctx, clickOf(PEOPLE.approver, `r${'f'.repeat(24)}`));
    await handleApprove(w.ctx, clickOf(PEOPLE.approver, requestId, { channelId: 'COTHER0001' }));
    const refused = await w.audited('refused');
    expect(refused.map((r) => [r.actor.id, r.reason])).toEqual(
      expect.arrayContaining([
        [PEOPLE.requester, expect.stringMatching(/^Approve refused: .*/)],
        [PEOPLE.outsider, expect.stringMatching(/^Approve refused: .*/)],
        [PEOPLE.approver, "approve: unknown request (the button's id is not one ecs-guard issued)."],
        [PEOPLE.approver, expect.stringMatching(/^Approve refused: .*channel/)],
      ]),
    );
    expect(refused).toHaveLength(4);
    expect(w.ephemerals().map((e) => e.text.slice(0, 11))).toEqual(Array(4).fill(':no_entry: '));
    expect(w.jobs).toEqual([]);
    expect((await w.ctx.requests.get(requestId))?.status).toBe('pending');
  });

  it('a lapsed request is expired on the click; nothing is queued', async () => {
    const { requestId } = await pending();
    await redis.hset(w.ctx.keys('request', requestId), 'expiresAt', String(Date.now() - 1000));
    await handleApprove(w.ctx, clickOf(PEOPLE.approver, requestId));
    expect(w.ephemerals(PEOPLE.approver).map((e) => e.text)).toEqual([
      ':alarm_clock: This request has expired; nothing was done.',
    ]);
    expect((await w.ctx.requests.get(requestId))?.status).toBe('expired');
    expect(w.jobs).toEqual([]);
  });

  it('Reject by an approver: rejected once, audited, said in the card thread; the requester may withdraw', async () => {
    const { requestId, cardId, ts } = await pending();
    await handleReject(w.ctx, clickOf(PEOPLE.approver, requestId));
    expect(await w.ctx.requests.get(requestId)).toMatchObject({
      status: 'rejected',
      decidedById: PEOPLE.approver,
    });
    expect((await w.audited('rejected'))[0]).toMatchObject({ actor: { id: PEOPLE.approver }, outcome: 'ok' });
    const reply = w.slack.find((c) => c.method === 'chat.postMessage');
    expect(reply?.args).toMatchObject({
      channel: CHANNEL,
      thread_ts: ts,
      text: ':no_entry_sign: Stop task request by <@UREQUESTER> was rejected by <@UAPPROVER1>; nothing was done.',
    });
    expect((await w.ctx.cards.get(cardId))?.state.pending).toBeUndefined();
    const second = await pending();
    await handleReject(w.ctx, clickOf(PEOPLE.requester, second.requestId));
    expect((await w.ctx.requests.get(second.requestId))?.status).toBe('rejected');
    // An outsider may not.
    const third = await pending();
    await handleReject(w.ctx, clickOf(PEOPLE.outsider, third.requestId));
    expect(w.ephemerals(PEOPLE.outsider)[0]?.text).toMatch(/^:no_entry: Reject refused: /);
    expect((await w.ctx.requests.get(third.requestId))?.status).toBe('pending');
  });

  it('Retry a failed, retryable request: a new attempt with its own job; otherwise told there is nothing to retry', async () => {
    const { requestId } = await pending();
    await handleApprove(w.ctx, clickOf(PEOPLE.approver, requestId));
    await finish(requestId, 'failed', { outcomeRetryable: true, outcomeMessage: 'Rate exceeded' });
    await handleRetry(w.ctx, clickOf(PEOPLE.groupApprover, requestId));
    expect(await w.ctx.requests.get(requestId)).toMatchObject({
      status: 'approved',
      attempt: 2,
      approverId: PEOPLE.groupApprover,
    });
    expect(w.jobs.map((j) => [j.opts.jobId, j.data.attempt])).toEqual([
      [`stop-task-${requestId}`, 1],
      [`stop-task-${requestId}-a2`, 2],
    ]);
    expect((await w.audited('retried'))[0]).toMatchObject({
      actor: { id: PEOPLE.groupApprover },
      detail: { attempt: 2 },
    });
    // Not failed now: nothing to retry.
    await handleRetry(w.ctx, clickOf(PEOPLE.approver, requestId));
    expect(w.ephemerals(PEOPLE.approver).at(-1)?.text).toBe(
      ':information_source: There is nothing to retry on this request.',
    );
    // The requester may not retry their own four-eyes request.
    await finish(requestId, 'failed', { outcomeRetryable: true });
    await handleRetry(w.ctx, clickOf(PEOPLE.requester, requestId));
    expect(w.ephemerals(PEOPLE.requester).at(-1)?.text).toMatch(/^:no_entry: Retry refused: /);
  });

  it('Restore an executed request with undo state: one undo request, approved by the clicker and queued; twice is told', async () => {
    const { requestId } = await pending(holdService);
    await handleApprove(w.ctx, clickOf(PEOPLE.approver, requestId));
    const held = { held: [{ cluster: 'prod', service: 'web', desiredCount: 3 }] };
    await finish(requestId, 'executed', { undoState: held });
    await handleRestore(w.ctx, clickOf(PEOPLE.approver, requestId));
    const undoJob = w.jobs.at(-1);
    expect(undoJob?.name).toBe('hold-service');
    const undo = await w.ctx.requests.get(String(undoJob?.data.requestId));
    expect(undo).toMatchObject({
      mode: 'undo',
      undoOf: requestId,
      status: 'approved',
      approverId: PEOPLE.approver,
      input: held,
    });
    expect((await w.audited('approved')).at(0)).toMatchObject({
      detail: { mode: 'undo', undoOf: requestId },
    });
    await handleRestore(w.ctx, clickOf(PEOPLE.groupApprover, requestId));
    expect(w.ephemerals(PEOPLE.groupApprover).at(-1)?.text).toBe(
      ':information_source: This has already been restored (or is being restored).',
    );
    expect(w.jobs.filter((j) => j.name === 'hold-service')).toHaveLength(2); // the run and one undo
  });

  it('Restore with nothing stored, or by the requester (four-eyes), is not done', async () => {
    const { requestId } = await pending();
    await handleApprove(w.ctx, clickOf(PEOPLE.approver, requestId));
    await finish(requestId, 'executed');
    await handleRestore(w.ctx, clickOf(PEOPLE.approver, requestId));
    expect(w.ephemerals(PEOPLE.approver).at(-1)?.text).toBe(
      ':information_source: There is nothing to restore on this request.',
    );
    await handleRestore(w.ctx, clickOf(PEOPLE.requester, requestId));
    expect(w.ephemerals(PEOPLE.requester).at(-1)?.text).toMatch(/^:no_entry: Restore refused: /);
    expect(w.jobs).toHaveLength(1);
  });

  it('Cancel an approved request before it runs: rejected once and said in the thread; too late once it ran', async () => {
    const card = await seedCard(w);
    await handleRequestClick(w.ctx, clickOf(PEOPLE.approver, card.cardId), archive);
    const requestId = (await w.ctx.cards.get(card.cardId))?.state.running?.requestId as string;
    await handleCancel(w.ctx, clickOf(PEOPLE.approver, requestId));
    expect(await w.ctx.requests.get(requestId)).toMatchObject({
      status: 'rejected',
      decidedById: PEOPLE.approver,
    });
    expect((await w.audited('rejected'))[0]).toMatchObject({ reason: 'cancelled before it ran' });
    expect(w.slack.filter((c) => c.method === 'chat.postMessage').at(-1)?.args.text).toBe(
      ':no_entry_sign: Archive was cancelled by <@UAPPROVER1> before it ran; nothing was done.',
    );
    expect((await w.ctx.cards.get(card.cardId))?.state.running).toBeUndefined();
    const other = await seedCard(w);
    await handleRequestClick(w.ctx, clickOf(PEOPLE.approver, other.cardId), archive);
    const ran = (await w.ctx.cards.get(other.cardId))?.state.running?.requestId as string;
    await finish(ran, 'executed');
    await handleCancel(w.ctx, clickOf(PEOPLE.approver, ran));
    expect(w.ephemerals(PEOPLE.approver).at(-1)?.text).toBe(
      ':information_source: Too late to cancel: it has already run or been decided.',
    );
  });
});
