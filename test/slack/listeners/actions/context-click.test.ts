// ECS context, handled directly: the finding's task described as the clicking user and replied
// in the card's thread (or ephemerally, by policy), every view audited; a failure is said, not
// thrown; forged or foreign clicks are refused and audited.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { handleEcsContext } from '../../../../src/slack/listeners/actions/context-click.js';
import { CHANNEL, type ClickWorld, clickOf, clickWorld, seedCard } from '../../../helpers/click-context.js';
import { DIGEST } from '../../../helpers/fake-run.js';
import { PEOPLE } from '../../../helpers/people.js';
import { testRedis } from '../../../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const TD = 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:7';
function seedEcs(w: ClickWorld) {
  w.ecs
    .on('DescribeTasks', (i: { tasks: string[] }) => ({
      tasks: i.tasks.map((taskArn) => ({
        taskArn,
        clusterArn: 'arn:aws:ecs:us-east-1:111122223333:cluster/prod',
        lastStatus: 'RUNNING',
        launchType: 'FARGATE',
        group: 'service:web',
        taskDefinitionArn: TD,
        containers: [{ name: 'app', image: 'web:1.4', imageDigest: DIGEST }],
      })),
    }))
    .on('DescribeTaskDefinition', {
      taskDefinition: { taskDefinitionArn: TD, taskRoleArn: 'arn:aws:iam::111122223333:role/web' },
    })
    .on('DescribeServices', {
      services: [{ serviceName: 'web', status: 'ACTIVE', desiredCount: 2, runningCount: 2 }],
    })
    .on('ListClusters', { clusterArns: [] });
}

describe('handleEcsContext', () => {
  let w: ClickWorld;
  beforeEach(() => {
    w = clickWorld(redis);
  });

  it("replies in the card's thread with the task's context, read as the clicker, and audits the view", async () => {
    seedEcs(w);
    const { cardId, ts, finding } = await seedCard(w);
    await handleEcsContext(w.ctx, clickOf(PEOPLE.outsider, cardId));
    expect(w.identities).toEqual([
      {
        accountId: '111122223333',
        region: 'us-east-1',
        sourceIdentity: PEOPLE.outsider,
        purpose: 'ecs-context',
      },
    ]);
    expect(w.ecs.inputs('DescribeTasks')[0]).toEqual({ cluster: 'prod', tasks: [finding.taskArn] });
    const reply = w.slack.find((c) => c.method === 'chat.postMessage');
    expect(reply?.args).toMatchObject({ channel: CHANNEL, thread_ts: ts, unfurl_links: false });
    expect(JSON.stringify(reply?.args.blocks)).toContain('web');
    const [viewed] = await w.audited('context-viewed');
    expect(viewed).toMatchObject({
      actor: { id: PEOPLE.outsider },
      action: 'context',
      outcome: 'ok',
      target: { taskArn: finding.taskArn, findingId: finding.id },
      detail: { visibility: 'thread' },
    });
    expect(w.ephemerals()).toEqual([]);
  });

  it('policy contextVisibility: ephemeral answers only the clicker', async () => {
    w = clickWorld(redis, { policy: 'contextVisibility: ephemeral\n' });
    seedEcs(w);
    const { cardId } = await seedCard(w);
    await handleEcsContext(w.ctx, clickOf(PEOPLE.requester, cardId));
    expect(w.slack.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
    expect(w.ephemerals(PEOPLE.requester)).toHaveLength(1);
    expect((await w.audited('context-viewed'))[0]?.detail?.visibility).toBe('ephemeral');
  });

  it('a task that cannot be described is said to the clicker and audited as an error', async () => {
    w.ecs.on(
      'DescribeTasks',
      Object.assign(new Error('not authorized to perform ecs:DescribeTasks'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { cardId } = await seedCard(w);
    await handleEcsContext(w.ctx, clickOf(PEOPLE.requester, cardId));
    const [told] = w.ephemerals(PEOPLE.requester);
    expect(told?.text).toMatch(/^:warning: ECS context unavailable: .*AccessDeniedException/);
    expect(told?.text).toContain('ecs:DescribeTasks');
    expect((await w.audited('context-viewed'))[0]).toMatchObject({ outcome: 'error' });
  });

  it('refuses a forged card and a click from another channel; a card without a task is told so', async () => {
    const { cardId } = await seedCard(w);
    await handleEcsContext(w.ctx, clickOf(PEOPLE.requester, `c${'b'.repeat(24)}`));
    await handleEcsContext(w.ctx, clickOf(PEOPLE.requester, cardId, { channelId: 'COTHER0001' }));
    expect((await w.audited('refused')).map((r) => r.reason).reverse()).toEqual([
      "ECS context: this button is not one of ecs-guard's cards (unknown id).",
      expect.stringMatching(/^ECS context refused: .*channel/),
    ]);
    const taskless = await seedCard(w, { taskArn: undefined });
    await handleEcsContext(w.ctx, clickOf(PEOPLE.requester, taskless.cardId));
    expect(w.ephemerals(PEOPLE.requester).at(-1)?.text).toBe(
      ':information_source: This card names no single ECS task to describe.',
    );
    expect(w.identities).toEqual([]);
  });
});
