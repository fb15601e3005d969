import { ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, addService, seedEstate, startAwsEmulator } from '../../sandbox/aws/index.js';
import { loadEvidence, recordEvidence } from '../../src/audit/evidence.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { takeEvidenceSnapshot } from '../../src/aws/evidence-snapshot.js';
import { createLogger } from '../../src/log.js';
import { keyspace } from '../../src/redis.js';
import { buildEvidenceSummary } from '../../src/slack/blocks/evidence-summary.js';
import { assertWithinBlockKitLimits } from '../helpers/block-kit.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

const REGION = 'us-east-1';
const SECRET_VALUE = 'hunter2-do-not-leak';
let emu: AwsEmulator;
let ecs: ECSClient;
const redis = testRedis();
const prefix = testPrefix('evidence');
const keys = keyspace(prefix);
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  emu = await startAwsEmulator();
  seedEstate(emu.state);
  ecs = new ECSClient({ endpoint: emu.url, region: REGION, credentials: emu.credentials, maxAttempts: 1 });
});
afterAll(async () => {
  ecs.destroy();
  await emu.close();
  await dropPrefix(redis, prefix);
  redis.disconnect();
});

function leakyService() {
  const s = addService(emu.state, {
    accountId: emu.homeAccountId,
    region: REGION,
    cluster: 'evidence',
    service: 'leaky',
    image: `${emu.homeAccountId}.dkr.ecr.${REGION}.amazonaws.com/leaky:7`,
    environment: [{ name: 'API_TOKEN', value: SECRET_VALUE }],
    secrets: [
      { name: 'DB_PASSWORD', valueFrom: `arn:aws:secretsmanager:${REGION}:${emu.homeAccountId}:secret:db` },
    ],
    capabilities: ['NET_ADMIN'],
  });
  const task = s.tasks[0];
  if (!task) throw new Error('seed');
  // A RunTask override can carry environment values too: they must not be copied.
  (task as unknown as { overrides: unknown }).overrides = {
    containerOverrides: [{ name: 'leaky', environment: [{ name: 'OVERRIDE', value: SECRET_VALUE }] }],
  };
  const c = s.taskDefinition.containerDefinitions[0];
  if (c?.logConfiguration?.options) {
    c.logConfiguration.options['awslogs-stream-prefix'] = 'ecs';
    c.logConfiguration.options['splunk-token'] = SECRET_VALUE;
  }
  return { s, task };
}

describe('evidence snapshot (real SDK against the emulator)', () => {
  it('records digests, ENI, roles, service, names only, and links to the log stream and CloudTrail', async () => {
    const { s, task } = leakyService();
    const taskId = task.taskArn.split('/').pop() ?? '';
    const snap = await takeEvidenceSnapshot(ecs, {
      id: 'req1-t1',
      accountId: emu.homeAccountId,
      region: REGION,
      cluster: 'evidence',
      taskArn: task.taskArn,
      findingId: 'f-1',
      firstSeen: '2026-12-01T10:00:00.000Z',
      lastSeen: '2026-12-01T10:05:00.000Z',
    });
    expect(snap.ok).toBe(true);
    expect(snap.problems).toEqual([]);
    const app = snap.task?.containers.find((c) => !c.guardDutyAgent);
    expect(app?.imageDigest).toBe(task.containers[0]?.imageDigest);
    expect(app?.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(snap.task?.containers.some((c) => c.guardDutyAgent)).toBe(true);
    const eniId = task.attachments[0]?.details.find((d) => d.name === 'networkInterfaceId')?.value;
    expect(snap.task?.eni).toMatchObject({
      networkInterfaceId: eniId,
      privateIp: task.containers[0]?.networkInterfaces?.[0]?.privateIpv4Address,
    });
    expect(snap.task?.securityGroups).toEqual(
      s.service.networkConfiguration?.awsvpcConfiguration.securityGroups,
    );
    expect(snap.taskDefinition).toMatchObject({
      familyRevision: 'leaky:1',
      taskRoleArn: s.taskDefinition.taskRoleArn,
      executionRoleArn: s.taskDefinition.executionRoleArn,
      networkMode: 'awsvpc',
    });
    const cd = snap.taskDefinition?.containers[0];
    expect(cd).toMatchObject({
      environmentNames: ['API_TOKEN'],
      secretNames: ['DB_PASSWORD'],
      capabilitiesAdded: ['NET_ADMIN'],
      logDriver: 'awslogs',
      logOptionNames: ['splunk-token'],
    });
    expect(snap.service).toMatchObject({ name: 'leaky', desiredCount: 2, runningCount: 2 });
    expect(snap.links.logs[0]).toMatchObject({ group: '/ecs/leaky', stream: `ecs/leaky/${taskId}` });
    expect(snap.links.logs[0]?.url).toBe(
      `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#logsV2:log-groups/log-group/$252Fecs$252Fleaky/log-events/ecs$252Fleaky$252F${taskId}`,
    );
    expect(snap.links.cloudTrail).toMatchObject({
      username: taskId,
      startMs: Date.parse('2026-12-01T09:00:00.000Z'),
    });
    expect(snap.links.cloudTrail?.url).toContain(`Username=${taskId}`);
    const json = JSON.stringify(snap);
    expect(json).not.toContain(SECRET_VALUE);
    expect(json).not.toContain('secretsmanager');
  });

  it('a task that is gone gives a snapshot that says so', async () => {
    const ghost = `arn:aws:ecs:${REGION}:${emu.homeAccountId}:task/prod-web/${'0'.repeat(32)}`;
    const snap = await takeEvidenceSnapshot(ecs, {
      id: 'r-gone',
      accountId: emu.homeAccountId,
      region: REGION,
      cluster: 'prod-web',
      taskArn: ghost,
    });
    expect(snap.ok).toBe(false);
    expect(snap.problems.join()).toContain('not found');
    const msg = buildEvidenceSummary(snap, 'a'.repeat(64));
    assertWithinBlockKitLimits(msg.blocks, msg.text);
    expect(JSON.stringify(msg.blocks)).toContain('Snapshot incomplete');
  });

  it('goes into the audit trail once, hashed; the stored copy is checked against the hash', async () => {
    const { task } = leakyService();
    const audit = new AuditTrail({ redis, keys, log, key: 'test-audit-hmac-key-0123456789abcdef' });
    const ctx = { redis, keys, audit };
    const input = {
      id: 'req2-t',
      accountId: emu.homeAccountId,
      region: REGION,
      cluster: 'evidence',
      taskArn: task.taskArn,
      findingId: 'f-2',
    };
    const snap = await takeEvidenceSnapshot(ecs, input);
    const first = await recordEvidence(ctx, snap, {
      actor: { id: 'UAPPROVER1' },
      action: 'contain',
      requestId: 'req2',
    });
    expect(first.fresh).toBe(true);
    // A retried job takes a second snapshot: the first one stands, no second record.
    const again = await recordEvidence(ctx, await takeEvidenceSnapshot(ecs, input), {
      actor: { id: 'UAPPROVER1' },
      action: 'contain',
      requestId: 'req2',
    });
    expect(again.fresh).toBe(false);
    expect(again.sha256).toBe(first.sha256);
    const records = (await audit.list({ findingId: 'f-2' })).filter((r) => r.event === 'evidence');
    expect(records).toHaveLength(1);
    expect(records[0]?.detail).toMatchObject({
      snapshotId: 'req2-t',
      sha256: first.sha256,
      digests: [task.containers[0]?.imageDigest],
      taskRole: expect.stringContaining(':role/leaky-task'),
    });
    expect(JSON.stringify(records)).not.toContain(SECRET_VALUE);
    expect((await audit.verify()).ok).toBe(true);
    const loaded = await loadEvidence(ctx, 'req2-t', first.sha256);
    expect(loaded?.intact).toBe(true);
    expect(loaded?.snapshot.task?.taskArn).toBe(task.taskArn);
    await redis.set(
      keys('evidence', 'req2-t'),
      JSON.stringify({ ...loaded?.snapshot, problems: ['edited'] }),
    );
    expect((await loadEvidence(ctx, 'req2-t', first.sha256))?.intact).toBe(false);
    const msg = buildEvidenceSummary(first.snapshot, first.sha256);
    assertWithinBlockKitLimits(msg.blocks, msg.text);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('API_TOKEN');
    expect(text).toContain(task.containers[0]?.imageDigest);
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).toContain('CloudTrail');
  });
});
