// Redeploy's run() with a fake ECS client: one UpdateService forceNewDeployment for the service,
// as one step (a re-run does not start a second deployment).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failedOperation } from '../../src/aws/aws-call.js';
import { describeAwsError } from '../../src/aws/errors.js';
import { redeploy } from '../../src/remediations/redeploy.js';
import { awsError } from '../helpers/fake-aws.js';
import {
  ACCOUNT,
  approvedRequest,
  type FakeWorld,
  fakeWorld,
  REGION,
  run,
  runCtx,
} from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const updated = {
  service: {
    serviceName: 'web',
    desiredCount: 3,
    taskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/web:7',
    deployments: [
      { id: 'ecs-svc/old', status: 'ACTIVE' },
      { id: 'ecs-svc/1234567890', status: 'PRIMARY' },
    ],
  },
};

describe('redeploy run()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
  });

  it('starts one new deployment of the service (forceNewDeployment, nothing else changed)', async () => {
    w.ecs.on('UpdateService', updated);
    const out = await run(w, redeploy, { cluster: 'prod', service: 'web' });
    expect(w.ecs.calls).toEqual([
      { op: 'UpdateService', input: { cluster: 'prod', service: 'web', forceNewDeployment: true } },
    ]);
    expect(out).toEqual({
      ok: true,
      message:
        'New deployment ecs-svc/1234567890 of service web in cluster prod started (UpdateService forceNewDeployment, 3 tasks): its tasks are being replaced with covered ones.',
      awsRequestId: 'rid-UpdateService-1',
      detail: { deploymentId: 'ecs-svc/1234567890' },
    });
    expect(w.identities).toEqual([
      { kind: 'ecs', accountId: ACCOUNT, region: REGION, sourceIdentity: 'UAPPROVER1', purpose: 'redeploy' },
    ]);
  });

  it('a re-run of the same request finds the step done and sends nothing', async () => {
    w.ecs.on('UpdateService', updated);
    const req = approvedRequest(redeploy, { cluster: 'prod', service: 'web' });
    const first = await redeploy.run(runCtx<Record<string, never>>(w, redeploy, req));
    const again = runCtx<Record<string, never>>(w, redeploy, req);
    const second = await redeploy.run(again);
    expect(w.ecs.ops()).toEqual(['UpdateService']);
    expect(second).toEqual(first);
    expect(again.stepNames).toEqual(['update-service']);
    expect(w.audits.filter((a) => a.event === 'step')).toHaveLength(1);
  });

  it('AccessDenied on UpdateService is thrown (not retryable) and the step is not stored', async () => {
    w.ecs.on(
      'UpdateService',
      awsError('AccessDeniedException', 'not authorized to perform ecs:UpdateService'),
    );
    const err = await run(w, redeploy, { cluster: 'prod', service: 'web' }).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('UpdateService');
    expect(describeAwsError(err, { operation: 'UpdateService' })).toMatchObject({
      accessDenied: true,
      retryable: false,
    });
    expect(w.steps.size).toBe(0);
  });

  it('a request without a service is a failed outcome, with no AWS call', async () => {
    expect(await run(w, redeploy, { cluster: 'prod' })).toEqual({
      ok: false,
      message: 'The request names no ECS service.',
    });
    expect(w.ecs.calls).toEqual([]);
  });
});
