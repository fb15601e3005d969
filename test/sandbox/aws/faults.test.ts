import { ListClustersCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, seedEstate, startAwsEmulator } from '../../../sandbox/aws/index.js';
import { sdkClients } from './clients.js';

const REGION = 'us-east-1';
let emu: AwsEmulator;
let c: ReturnType<typeof sdkClients>;

beforeAll(async () => {
  emu = await startAwsEmulator();
  seedEstate(emu.state);
  c = sdkClients(emu, REGION);
});

afterAll(async () => {
  c.destroy();
  await emu.close();
});

beforeEach(() => {
  emu.faults.clear();
  emu.clearCalls();
});

const statuses = (operation: string) => emu.calls({ operation }).map((r) => r.status);

describe('fault injection', () => {
  it('ECS throttling N times is retried by the SDK, then succeeds', async () => {
    emu.faults.inject({ operation: 'ListClusters', kind: 'throttle', times: 2 });
    const r = await c.ecs.send(new ListClustersCommand({}));
    expect(r.clusterArns?.length).toBeGreaterThan(0);
    expect(r.$metadata.attempts).toBe(3);
    expect(emu.calls({ operation: 'ListClusters' }).map((x) => x.errorCode)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      undefined,
    ]);
  });

  it('GuardDuty 429 TooManyRequestsException and STS Throttling are retried', async () => {
    emu.faults.inject({ operation: 'ListDetectors', kind: 'throttle', times: 1 });
    emu.faults.inject({ operation: 'GetCallerIdentity', kind: 'throttle', times: 2 });
    const d = await c.gd.send(new ListDetectorsCommand({}));
    expect(d.$metadata.attempts).toBe(2);
    expect(statuses('ListDetectors')).toEqual([429, 200]);
    const who = await c.sts.send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(emu.homeAccountId);
    expect(emu.calls({ operation: 'GetCallerIdentity' }).map((x) => x.errorCode)).toEqual([
      'Throttling',
      'Throttling',
      undefined,
    ]);
  });

  it('5xx is retried; more faults than attempts surface the error', async () => {
    emu.faults.inject({ operation: 'ListClusters', kind: 'error5xx', times: 1 });
    expect((await c.ecs.send(new ListClustersCommand({}))).$metadata.attempts).toBe(2);
    emu.faults.inject({ operation: 'ListDetectors', kind: 'error5xx', times: 3 });
    const err = await c.gd.send(new ListDetectorsCommand({})).catch((e: unknown) => e);
    expect((err as Error).name).toBe('InternalServerErrorException');
    expect(statuses('ListDetectors')).toEqual([500, 500, 500]);
  });

  it('accessDenied is not retried and names AccessDeniedException', async () => {
    emu.faults.inject({ operation: 'StopTask', kind: 'accessDenied', times: 5 });
    const err = await c.ecs
      .send(new StopTaskCommand({ cluster: 'prod-web', task: 'x' }))
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('AccessDeniedException');
    expect(statuses('StopTask')).toEqual([400]);
    expect(emu.faults.list()[0]?.remaining).toBe(4);
  });

  it('latency delays the answer without failing it; faults can be scoped to an account', async () => {
    emu.faults.inject({ operation: 'ListClusters', latencyMs: 150 });
    const t0 = performance.now();
    await c.ecs.send(new ListClustersCommand({}));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    emu.faults.inject({ operation: 'ListClusters', kind: 'throttle', times: 5, accountId: '000000000000' });
    const r = await c.ecs.send(new ListClustersCommand({}));
    expect(r.$metadata.attempts).toBe(1);
  });
});
