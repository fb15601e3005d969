import { type Container, ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  addService,
  addTask,
  type SeededService,
  startAwsEmulator,
} from '../../sandbox/aws/index.js';
import { cachedBlastRadius, scanBlastRadius } from '../../src/aws/blast-radius.js';
import { markEcsChanged } from '../../src/aws/ecs-freshness.js';
import { taskDigests } from '../../src/aws/task-bundle.js';
import { keyspace } from '../../src/redis.js';
import { blastRadiusBlocks, blastRadiusLine } from '../../src/slack/blocks/blast-radius.js';
import { assertWithinBlockKitLimits } from '../helpers/block-kit.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

const REGION = 'us-east-1';
const IMAGE = '111122223333.dkr.ecr.us-east-1.amazonaws.com/payments:3.1.0';
let emu: AwsEmulator;
let ecs: ECSClient;
let api: SeededService;
const redis = testRedis();
const prefix = testPrefix('blast');
let now = Date.now();
const ctx = { redis, keys: keyspace(prefix), clock: () => now };

const svc = (cluster: string, service: string, image: string, taskCount: number, taskRoleArn?: string) =>
  addService(emu.state, {
    accountId: emu.homeAccountId,
    region: REGION,
    cluster,
    service,
    image,
    taskCount,
    ...(taskRoleArn ? { taskRoleArn } : {}),
  });

beforeAll(async () => {
  emu = await startAwsEmulator();
  ecs = new ECSClient({ endpoint: emu.url, region: REGION, credentials: emu.credentials, maxAttempts: 1 });
  api = svc('payments', 'payments-api', IMAGE, 3);
  svc('batch', 'ledger', IMAGE, 1);
  svc('batch', 'reports', 'public.ecr.aws/other/reports:1', 2, api.taskDefinition.taskRoleArn);
  svc('web', 'frontend', 'public.ecr.aws/other/web:2', 2);
  // Another account's task on the same image is not this account's blast radius.
  addService(emu.state, {
    accountId: '444455556666',
    region: REGION,
    cluster: 'x',
    service: 'x',
    image: IMAGE,
    taskCount: 1,
  });
});
afterAll(async () => {
  ecs.destroy();
  await emu.close();
  await dropPrefix(redis, prefix);
  redis.disconnect();
});

const source = () => {
  const t = api.tasks[0];
  if (!t) throw new Error('seed');
  return {
    accountId: emu.homeAccountId,
    region: REGION,
    taskArn: t.taskArn,
    // The emulator's wire shape is what the SDK deserialises (name, image, imageDigest).
    digests: taskDigests({ containers: t.containers as unknown as Container[] }),
    ...(api.taskDefinition.taskRoleArn ? { taskRoleArn: api.taskDefinition.taskRoleArn } : {}),
  };
};

describe('blast radius (real SDK against the emulator)', () => {
  it('finds the other running tasks on the same digest, grouped by cluster/service, and those sharing the task role', async () => {
    emu.clearCalls();
    const br = await scanBlastRadius(ecs, source());
    expect(br.complete).toBe(true);
    expect(br.digests).toHaveLength(1);
    expect(br.sameImageCount).toBe(3);
    expect(br.sameImage.map((g) => [g.cluster, g.service, g.taskArns.length])).toEqual([
      ['payments', 'payments-api', 2],
      ['batch', 'ledger', 1],
    ]);
    expect(br.sameImage[0]?.taskArns).not.toContain(source().taskArn);
    // Same role: the two other payments-api tasks and the reports service that reuses the role.
    expect(br.sameRoleCount).toBe(4);
    expect(br.sameRole.map((g) => g.service).sort()).toEqual(['payments-api', 'reports']);
    expect(br.scanned).toEqual({ clusters: 3, tasks: 8 });
    expect(blastRadiusLine(br)).toBe(
      '3 other running tasks use this image: payments/payments-api ×2, batch/ledger ×1 · 4 share its task role',
    );
    // One of each reads as English too.
    const one = {
      ...br,
      sameImage: [{ ...br.sameImage[1]! }],
      sameImageCount: 1,
      sameRoleCount: 1,
    };
    expect(blastRadiusLine(one)).toBe(
      '1 other running task uses this image: batch/ledger ×1 · 1 shares its task role',
    );
    const blocks = blastRadiusBlocks(br);
    assertWithinBlockKitLimits(blocks, 'x');
    // The sidecar (same image in every Fargate task) never counts as the same image.
    expect(br.sameImage.flatMap((g) => g.taskArns).length).toBe(3);
    const ops = emu.calls().map((c) => c.operation);
    expect(ops.filter((o) => o === 'ListClusters')).toHaveLength(1);
    expect(ops.filter((o) => o === 'ListTasks')).toHaveLength(3);
    expect(ops.filter((o) => o === 'DescribeTasks')).toHaveLength(3);
  });

  it('describes 100 tasks per call and says where it stopped counting', async () => {
    const big = svc('big', 'fleet', IMAGE, 150);
    emu.clearCalls();
    const full = await scanBlastRadius(ecs, source());
    expect(full.sameImageCount).toBe(153);
    const describes = emu
      .calls({ operation: 'DescribeTasks' })
      .filter((c) => String(c.input.cluster).endsWith('big'));
    expect(describes.map((c) => (c.input.tasks as string[]).length)).toEqual([100, 50]);
    const bounded = await scanBlastRadius(ecs, source(), { limits: { maxTasks: 50 } });
    expect(bounded.complete).toBe(false);
    expect(bounded.stoppedBecause).toBe('stopped counting after 50 tasks');
    expect(blastRadiusLine(bounded)).toMatch(
      /^At least \d+ other running tasks? use this image: .*\(stopped counting after 50 tasks\)$/,
    );
    for (const t of big.tasks) {
      t.desiredStatus = 'STOPPED';
      t.lastStatus = 'STOPPED';
    }
  });

  it('is cached in Redis until ecs-guard changes ECS in that account and region', async () => {
    emu.clearCalls();
    const a = await cachedBlastRadius(ctx, ecs, source());
    const calls = emu.calls().length;
    const b = await cachedBlastRadius(ctx, ecs, source());
    expect(b).toEqual(a);
    expect(emu.calls().length).toBe(calls);
    const other = api.tasks[1];
    if (!other) throw new Error('seed');
    other.desiredStatus = 'STOPPED';
    now += 1;
    await markEcsChanged(ctx, emu.homeAccountId, REGION);
    now += 1;
    const c = await cachedBlastRadius(ctx, ecs, source());
    expect(emu.calls().length).toBeGreaterThan(calls);
    expect(c.sameImageCount).toBe(a.sameImageCount - 1);
  });

  it('a task without a digest says so instead of counting', async () => {
    const t = addTask(emu.state, {
      accountId: emu.homeAccountId,
      region: REGION,
      cluster: 'web',
      taskDefinition: api.taskDefinition,
    });
    const br = await scanBlastRadius(ecs, {
      accountId: emu.homeAccountId,
      region: REGION,
      taskArn: t.taskArn,
      digests: [],
    });
    expect(br.sameImageCount).toBe(0);
    expect(blastRadiusLine(br)).toBe('Image digest unknown: other tasks on this image not counted');
  });
});
