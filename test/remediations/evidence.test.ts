// The evidence hook (ctx.evidence = takeRequestEvidence) with a fake ECS client: the task read
// once, recorded in the audit trail with its SHA-256 (stored in Redis under the request's
// snapshot id), one summary in the card's thread, and the facts the containment steps use.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { takeRequestEvidence } from '../../src/remediations/evidence.js';
import { stopTask } from '../../src/remediations/stop-task.js';
import {
  approvedRequest,
  DIGEST,
  type FakeWorld,
  fakeWorld,
  finding,
  runCtx,
  seedFinding,
  TASK_ARN,
} from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const ROLE = 'arn:aws:iam::111122223333:role/web-task-role';
const TD = 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:7';
const CARD = `c${'2'.repeat(24)}`;
const f = finding();
const target = { findingId: f.id, cluster: 'prod', taskArn: TASK_ARN, cardId: CARD };

async function seed(w: FakeWorld) {
  await seedFinding(w, f);
  await w.ctx.cards.create({ cardId: CARD, kind: 'finding', channel: 'CALERTS001', state: { cardId: CARD } });
  await w.ctx.cards.setTs(CARD, '1767000000.000777');
  w.ecs
    .on('DescribeTasks', {
      tasks: [
        {
          taskArn: TASK_ARN,
          lastStatus: 'RUNNING',
          group: 'service:web',
          taskDefinitionArn: TD,
          containers: [
            { name: 'app', image: 'web:1.4', imageDigest: DIGEST },
            {
              name: 'aws-guardduty-agent-x',
              image: '593207742271.dkr.ecr.us-east-1.amazonaws.com/aws-guardduty-agent-fargate:v1.5.0',
              imageDigest: `sha256:${'99'.repeat(32)}`,
            },
          ],
        },
      ],
    })
    .on('DescribeTaskDefinition', { taskDefinition: { taskDefinitionArn: TD, taskRoleArn: ROLE } })
    .on('DescribeServices', { services: [{ serviceName: 'web', status: 'ACTIVE', desiredCount: 2 }] });
}

describe('takeRequestEvidence (the containment evidence hook)', () => {
  let w: FakeWorld;
  beforeEach(async () => {
    w = fakeWorld(redis);
    await seed(w);
  });

  it('snapshots the task, audits it with its hash, replies in the card thread and returns the facts', async () => {
    const r = runCtx(w, stopTask, approvedRequest(stopTask, target));
    const ev = await takeRequestEvidence(r as never);
    expect(w.ecs.ops().sort()).toEqual(['DescribeServices', 'DescribeTaskDefinition', 'DescribeTasks']);
    expect(w.ecs.inputs('DescribeTasks')).toEqual([{ cluster: 'prod', tasks: [TASK_ARN] }]);
    expect(w.ecs.inputs('DescribeTaskDefinition')).toEqual([{ taskDefinition: TD }]);
    expect(ev).toEqual({
      snapshotId: 'r0123456789abcdef01234567-evidence',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      ok: true,
      digests: [DIGEST], // the agent sidecar's digest is not the application's
      taskRoleArn: ROLE,
      service: 'web',
    });
    const audits = w.audits.filter((a) => a.event === 'evidence');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      action: 'stop-task',
      actor: { id: 'UAPPROVER1' },
      outcome: 'ok',
      target: { taskArn: TASK_ARN, requestId: 'r0123456789abcdef01234567', findingId: f.id },
      detail: { sha256: ev.sha256, snapshotId: ev.snapshotId },
    });
    // The stored copy is what the hash covers.
    expect(await redis.get(w.ctx.keys('evidence', ev.snapshotId as string))).toBeTruthy();
    expect(w.posts).toHaveLength(1);
    expect(w.posts[0]).toMatchObject({
      channel: 'CALERTS001',
      thread_ts: '1767000000.000777',
      unfurl_links: false,
    });
  });

  it('taken again for the same request (a retried job): same snapshot and hash, no second record or reply', async () => {
    const r = runCtx(w, stopTask, approvedRequest(stopTask, target));
    const first = await takeRequestEvidence(r as never);
    const again = await takeRequestEvidence(r as never);
    expect(again.sha256).toBe(first.sha256);
    expect(w.audits.filter((a) => a.event === 'evidence')).toHaveLength(1);
    expect(w.posts).toHaveLength(1);
  });

  it('a failed read is in the snapshot (ok false, audited as error) and the step still goes on', async () => {
    const v = fakeWorld(redis);
    v.ecs.on(
      'DescribeTasks',
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }),
    );
    const ev = await takeRequestEvidence(runCtx(v, stopTask, approvedRequest(stopTask, target)) as never);
    expect(ev).toMatchObject({ ok: false, digests: [] });
    expect(v.audits.find((a) => a.event === 'evidence')).toMatchObject({ outcome: 'error' });
  });

  it('no task: skipped without AWS; summary: false posts nothing', async () => {
    const none = await takeRequestEvidence(
      runCtx(w, stopTask, approvedRequest(stopTask, { cluster: 'prod' })) as never,
    );
    expect(none).toEqual({ ok: false, digests: [], skipped: 'the request names no task' });
    expect(w.ecs.calls).toEqual([]);
    await takeRequestEvidence(runCtx(w, stopTask, approvedRequest(stopTask, target)) as never, {
      id: 'r0123456789abcdef01234567-evidence-x',
      summary: false,
    });
    expect(w.posts).toEqual([]);
    expect(w.audits.filter((a) => a.event === 'evidence')).toHaveLength(1);
  });
});
