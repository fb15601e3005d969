// Hold service's run() and undo with a fake ECS client: UpdateService desiredCount 0 only for a
// service that is running, the previous count and task definition kept for Restore, and Restore
// putting back only what nobody changed since.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failedOperation } from '../../src/aws/aws-call.js';
import { ecsChangedAt } from '../../src/aws/ecs-freshness.js';
import { describeAwsError } from '../../src/aws/errors.js';
import { holdService, holdServices } from '../../src/remediations/hold-service.js';
import { awsError } from '../helpers/fake-aws.js';
import {
  ACCOUNT,
  approvedRequest,
  type FakeWorld,
  fakeWorld,
  REGION,
  run,
  runCtx,
  undo,
} from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const TD7 = 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:7';
const svc = (name: string, desiredCount: number, patch: Record<string, unknown> = {}) => ({
  serviceName: name,
  status: 'ACTIVE',
  desiredCount,
  taskDefinition: TD7,
  ...patch,
});
const target = { cluster: 'prod', service: 'web' };

describe('hold-service run()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
  });

  it('sets desired count 0 and keeps the previous count and task definition for Restore', async () => {
    w.ecs.on('DescribeServices', { services: [svc('web', 3)] });
    const out = await run(w, holdService, target);
    expect(w.ecs.calls).toEqual([
      { op: 'DescribeServices', input: { cluster: 'prod', services: ['web'] } },
      { op: 'UpdateService', input: { cluster: 'prod', service: 'web', desiredCount: 0 } },
    ]);
    expect(out).toEqual({
      ok: true,
      message: 'prod/web held at 0 (was 3).',
      undo: { held: [{ cluster: 'prod', service: 'web', desiredCount: 3, taskDefinition: TD7 }] },
    });
    expect(await ecsChangedAt(w.ctx, ACCOUNT, REGION)).toBe(w.ctx.clock());
    expect(w.identities[0]).toMatchObject({
      kind: 'ecs',
      sourceIdentity: 'UAPPROVER1',
      purpose: 'hold-service',
    });
  });

  it('a service already at 0 is left alone and gives no undo state (Restore must not "restore" it)', async () => {
    w.ecs.on('DescribeServices', { services: [svc('web', 0)] });
    const out = await run(w, holdService, target);
    expect(w.ecs.ops()).toEqual(['DescribeServices']);
    expect(out).toEqual({ ok: true, message: 'prod/web was already at 0.' });
    expect(await ecsChangedAt(w.ctx, ACCOUNT, REGION)).toBe(0);
  });

  it('a service that is gone (or DRAINING) fails the outcome, with nothing changed', async () => {
    w.ecs.on('DescribeServices', { services: [svc('web', 3, { status: 'DRAINING' })] });
    expect(await run(w, holdService, target)).toEqual({ ok: false, message: 'prod/web not found.' });
    expect(w.ecs.ops()).toEqual(['DescribeServices']);
  });

  it('no service on the finding is a failed outcome, with no AWS call', async () => {
    expect(await run(w, holdService, { cluster: 'prod' })).toEqual({
      ok: false,
      message: 'The finding names no ECS service.',
    });
    expect(w.ecs.calls).toEqual([]);
  });

  it('AccessDenied on UpdateService is thrown (not retryable), naming ecs:UpdateService', async () => {
    w.ecs
      .on('DescribeServices', { services: [svc('web', 2)] })
      .on('UpdateService', awsError('AccessDeniedException', 'not authorized to perform ecs:UpdateService'));
    const err = await run(w, holdService, target).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('UpdateService');
    const info = describeAwsError(err, { operation: 'UpdateService' });
    expect(info).toMatchObject({ accessDenied: true, retryable: false });
  });

  it('holdServices describes 10 services a call per cluster, and holds each once', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `s${i}`);
    w.ecs.on('DescribeServices', (i: { services: string[] }) => ({
      services: i.services.map((n) => svc(n, 1)),
    }));
    const r = runCtx(w, holdService, approvedRequest(holdService, target));
    const res = await holdServices(r, w.ecs.asEcs, [
      ...names.map((service) => ({ cluster: 'prod', service })),
      { cluster: 'prod', service: 's0' },
      { cluster: 'dev', service: 'x' },
    ]);
    expect(w.ecs.inputs('DescribeServices').map((i) => [i.cluster, i.services.length])).toEqual([
      ['prod', 10],
      ['prod', 2],
      ['dev', 1],
    ]);
    expect(w.ecs.inputs('UpdateService')).toHaveLength(13);
    expect(res.held).toHaveLength(13);
    expect(res.missing).toEqual([]);
  });
});

describe('hold-service undo()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
  });
  const held = { held: [{ cluster: 'prod', service: 'web', desiredCount: 3, taskDefinition: TD7 }] };

  it('puts the stored desired count back when the service is still held as ecs-guard left it', async () => {
    w.ecs.on('DescribeServices', { services: [svc('web', 0)] });
    const out = await undo(w, holdService, held);
    expect(w.ecs.calls).toEqual([
      { op: 'DescribeServices', input: { cluster: 'prod', services: ['web'] } },
      { op: 'UpdateService', input: { cluster: 'prod', service: 'web', desiredCount: 3 } },
    ]);
    expect(out).toEqual({ ok: true, message: 'prod/web: desired count back to 3.' });
    expect(await ecsChangedAt(w.ctx, ACCOUNT, REGION)).toBe(w.ctx.clock());
  });

  it('leaves a service someone changed since (count or task definition), or that is gone', async () => {
    w.ecs.on('DescribeServices', { services: [svc('web', 2)] });
    expect((await undo(w, holdService, held)).message).toBe(
      'prod/web: changed since ecs-guard held it (desired 2 now); left as it is.',
    );
    const v = fakeWorld(redis);
    v.ecs.on('DescribeServices', { services: [svc('web', 0, { taskDefinition: `${TD7.slice(0, -1)}8` })] });
    expect((await undo(v, holdService, held)).message).toBe(
      'prod/web: changed since ecs-guard held it (desired 0 now, another task definition); left as it is.',
    );
    const g = fakeWorld(redis);
    g.ecs.on('DescribeServices', { services: [], failures: [{ reason: 'MISSING' }] });
    expect((await undo(g, holdService, held)).message).toBe('prod/web: no longer exists; nothing restored.');
    for (const x of [w, v, g]) expect(x.ecs.ops()).not.toContain('UpdateService');
  });

  it('nothing stored (or a malformed state) is a failed outcome, with no AWS call', async () => {
    expect(await undo(w, holdService, {})).toEqual({ ok: false, message: 'Nothing stored to restore.' });
    expect(
      await undo(w, holdService, { held: [{ cluster: 'prod', service: 'web', desiredCount: -1 }] }),
    ).toEqual({
      ok: false,
      message: 'Nothing stored to restore.',
    });
    expect(w.ecs.calls).toEqual([]);
  });
});
