// Contain on a card, handled directly: the plan is shown to the clicker only (ephemeral, the
// policy's default steps ticked, the blast radius read as the clicker), nothing requested yet;
// "Request containment" makes the Contain request with the ticked steps, in the fixed order.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CONTAIN_PLAN } from '../../../../src/slack/blocks/contain-plan.js';
import {
  handleContainPlan,
  handleRequestContainment,
} from '../../../../src/slack/listeners/actions/contain-plan.js';
import { CHANNEL, type ClickWorld, clickOf, clickWorld, seedCard } from '../../../helpers/click-context.js';
import { DIGEST } from '../../../helpers/fake-run.js';
import { PEOPLE } from '../../../helpers/people.js';
import { testRedis } from '../../../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const ticked = (...steps: string[]) => ({
  [CONTAIN_PLAN.block]: {
    [CONTAIN_PLAN.checkboxes]: { selected_options: steps.map((value) => ({ value })) },
  },
});

describe('Contain plan and Request containment', () => {
  let w: ClickWorld;
  beforeEach(() => {
    w = clickWorld(redis);
  });

  it('shows the plan ephemerally with the blast radius, reads ECS as the clicker, and requests nothing', async () => {
    const { cardId, finding } = await seedCard(w);
    w.ecs
      .on('DescribeTasks', (i: { tasks: string[] }) => ({
        tasks: i.tasks.map((taskArn) => ({
          taskArn,
          clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
          lastStatus: 'RUNNING',
          group: 'service:web',
          containers: [{ name: 'app', imageDigest: DIGEST }],
        })),
      }))
      .on('ListClusters', { clusterArns: ['arn:aws:ecs:us-east-1:111122223333:cluster/prod'] })
      .on('ListTasks', { taskArns: [finding.taskArn, 'arn:aws:ecs:us-east-1:111122223333:task/prod/other'] });
    await handleContainPlan(w.ctx, clickOf(PEOPLE.requester, cardId));
    const [plan] = w.ephemerals(PEOPLE.requester);
    expect(plan?.channel).toBe(CHANNEL);
    const blocks = JSON.stringify(plan?.blocks);
    expect(blocks).toContain(CONTAIN_PLAN.request);
    expect(blocks).toContain('hold-service');
    expect(blocks).not.toContain('revoke-sessions'); // off unless the policy file turns it on
    expect(blocks).toMatch(/1 other running task/);
    expect(w.ecs.ops()).toContain('ListTasks');
    expect(await w.audited('requested')).toEqual([]);
    expect((await w.ctx.cards.get(cardId))?.state.pending).toBeUndefined();
  });

  it('the plan still shows when the blast radius cannot be read', async () => {
    const { cardId } = await seedCard(w);
    w.ecs.on(
      'DescribeTasks',
      Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: {} }),
    );
    w.ecs.on(
      'ListClusters',
      Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: {} }),
    );
    await handleContainPlan(w.ctx, clickOf(PEOPLE.requester, cardId));
    expect(JSON.stringify(w.ephemerals(PEOPLE.requester)[0]?.blocks)).toContain(CONTAIN_PLAN.request);
  });

  it('refuses a forged card and a finding without a task, ephemeral and audited', async () => {
    await handleContainPlan(w.ctx, clickOf(PEOPLE.requester, `c${'e'.repeat(24)}`));
    const taskless = await seedCard(w, { taskArn: undefined });
    await handleContainPlan(w.ctx, clickOf(PEOPLE.requester, taskless.cardId));
    expect(w.ephemerals(PEOPLE.requester).map((e) => e.text)).toEqual([
      ":no_entry: Contain: this button is not on one of ecs-guard's finding cards.",
      ':no_entry: Contain: this finding names no ECS task.',
    ]);
    expect((await w.audited('refused')).map((r) => [r.action, r.outcome])).toEqual([
      ['contain', 'denied'],
      ['contain', 'denied'],
    ]);
  });

  it('Request containment: the ticked steps (offered ones only, fixed order) become a pending Contain request', async () => {
    const { cardId } = await seedCard(w);
    await handleRequestContainment(
      w.ctx,
      clickOf(PEOPLE.requester, cardId, {
        state: ticked('stop-image-tasks', 'hold-service', 'revoke-sessions'),
      }),
    );
    const pending = (await w.ctx.cards.get(cardId))?.state.pending;
    expect(pending?.action).toBe('contain');
    const req = await w.ctx.requests.get(pending?.requestId ?? '');
    expect(req).toMatchObject({ status: 'pending', input: { steps: ['hold-service', 'stop-image-tasks'] } });
    expect(w.jobs).toEqual([]);
  });

  it('nothing ticked is told (no request); no plan state at all takes the defaults', async () => {
    const { cardId } = await seedCard(w);
    await handleRequestContainment(w.ctx, clickOf(PEOPLE.requester, cardId, { state: ticked() }));
    expect(w.ephemerals(PEOPLE.requester).map((e) => e.text)).toEqual([
      ':information_source: Tick at least one step to request containment.',
    ]);
    expect(await w.audited('requested')).toEqual([]);
    await handleRequestContainment(w.ctx, clickOf(PEOPLE.requester, cardId));
    const id = (await w.ctx.cards.get(cardId))?.state.pending?.requestId ?? '';
    expect((await w.ctx.requests.get(id))?.input).toEqual({
      steps: ['hold-service', 'stop-task', 'stop-image-tasks'],
    });
  });
});
