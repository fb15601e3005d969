// Confirm / Cancel of an enable/disable plan, handled directly (handlePlanButton): the plan read
// back from Redis, the confirmer authorised (approvers, four-eyes for disable), decided once, the
// approved request stored and its job queued; refusals answered ephemerally through respond()
// and audited; the plan message replaced with the decision.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { planRequestId } from '../../../../src/remediations/cluster-monitoring.js';
import { type CoveragePlan, newPlanId, savePlan } from '../../../../src/requests/plans.js';
import { handlePlanButton } from '../../../../src/slack/listeners/actions/plan-click.js';
import { CHANNEL, type ClickWorld, clickOf, clickWorld, TEAM } from '../../../helpers/click-context.js';
import { PEOPLE } from '../../../helpers/people.js';
import { testRedis } from '../../../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

describe('plan Confirm / Cancel', () => {
  let w: ClickWorld;
  let answers: Record<string, unknown>[];
  const respond = async (m: Record<string, unknown>) => {
    answers.push(m);
  };
  beforeEach(() => {
    w = clickWorld(redis);
    answers = [];
  });
  async function plan(action: 'enable' | 'disable' = 'disable'): Promise<CoveragePlan> {
    const p: CoveragePlan = {
      planId: newPlanId(),
      action,
      accountId: '111122223333',
      region: 'us-east-1',
      cluster: 'prod',
      clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
      insights: false,
      requester: PEOPLE.requester,
      channelId: CHANNEL,
      tagBefore: 'true',
      createdAt: Date.now(),
      expiresAt: Date.now() + 600_000,
    };
    await savePlan(w.ctx, p);
    return p;
  }
  const press = (kind: 'confirm' | 'cancel', userId: string, value: string, patch = {}) =>
    handlePlanButton(kind)(
      w.ctx,
      clickOf(userId, value, { responseUrl: 'https://hooks.slack.com/r', ...patch }),
      {
        respond,
        botTeamId: TEAM,
      },
    );

  it('Confirm by a second person: one approved request from the plan, its job queued, the plan message replaced', async () => {
    const p = await plan('disable');
    await press('confirm', PEOPLE.approver, p.planId);
    const id = planRequestId(p.planId);
    expect(await w.ctx.requests.get(id)).toMatchObject({
      action: 'disable',
      status: 'approved',
      origin: 'command',
      approverId: PEOPLE.approver,
      requesterId: PEOPLE.requester,
      responseUrl: 'https://hooks.slack.com/r',
      cluster: 'prod',
    });
    expect(w.jobs.map((j) => [j.name, j.opts.jobId, j.data.actorId])).toEqual([
      ['disable', `disable-${id}`, PEOPLE.approver],
    ]);
    expect((await w.audited('approved'))[0]).toMatchObject({
      actor: { id: PEOPLE.approver },
      action: 'disable',
    });
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ replace_original: true });
    // A second Confirm is told who decided; still one job.
    await press('confirm', PEOPLE.groupApprover, p.planId);
    expect(answers[1]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(answers[1]?.text)).toMatch(/^:no_entry: This plan was already confirmed by <@UAPPROVER1>/);
    expect(w.jobs).toHaveLength(1);
  });

  it('refuses the requester confirming their own disable (four-eyes), an outsider, another workspace and another channel', async () => {
    const p = await plan('disable');
    await press('confirm', PEOPLE.requester, p.planId);
    await press('confirm', PEOPLE.outsider, p.planId);
    await press('confirm', PEOPLE.approver, p.planId, { teamId: 'TFOREIGN01' });
    await press('confirm', PEOPLE.approver, p.planId, { channelId: 'COTHER0001' });
    expect(answers.map((a) => [a.response_type, String(a.text).split(': ').slice(0, 2).join(': ')])).toEqual(
      Array(4).fill(['ephemeral', ':no_entry: You cannot confirm this']),
    );
    const refused = await w.audited('refused');
    expect(refused).toHaveLength(4);
    expect(refused.every((r) => r.action === 'disable' && r.outcome === 'denied')).toBe(true);
    expect(w.jobs).toEqual([]);
    expect(await w.ctx.requests.get(planRequestId(p.planId))).toBeUndefined();
  });

  it('Cancel by the requester: cancelled, audited, no request; a forged or expired plan id is refused', async () => {
    const p = await plan('enable');
    await press('cancel', PEOPLE.requester, p.planId);
    expect((await w.audited('rejected'))[0]).toMatchObject({
      actor: { id: PEOPLE.requester },
      action: 'enable',
    });
    expect(answers[0]).toMatchObject({ replace_original: true });
    expect(w.jobs).toEqual([]);
    await press('confirm', PEOPLE.approver, `p${'0'.repeat(24)}`);
    expect(String(answers[1]?.text)).toBe(
      ':no_entry: This plan is unknown or has expired. Run the command again for a fresh pre-flight.',
    );
    expect((await w.audited('refused'))[0]).toMatchObject({
      action: 'coverage',
      reason: 'unknown or expired plan',
    });
  });
});
