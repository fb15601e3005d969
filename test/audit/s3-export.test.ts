import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from '../../sandbox/aws/index.js';
import { keyId, recordHash } from '../../src/audit/hash.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { exportKey, S3AuditExport } from '../../src/audit/s3-export.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { AwsClients } from '../../src/aws/clients.js';
import { createLogger } from '../../src/log.js';
import { keyspace } from '../../src/redis.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

const KEY = 'test-audit-key-0123456789abcdefghijklmnop';
const REGION = 'us-east-1';
const DAY = 86_400_000;
const log = createLogger({ level: 'silent' });
const redis = testRedis();
let emu: AwsEmulator;
let aws: AwsClients;
const prefixes: string[] = [];

beforeAll(async () => {
  emu = await startAwsEmulator();
  aws = new AwsClients({
    config: { homeRegion: REGION },
    log,
    endpoint: emu.url,
    credentials: emu.credentials,
  });
});
afterAll(async () => {
  aws.destroy();
  await emu.close();
  for (const p of prefixes) await dropPrefix(redis, p);
  await redis.quit();
});

function trailWith(bucket: string, now: () => number) {
  const prefix = testPrefix('s3x');
  prefixes.push(prefix);
  const exporter = new S3AuditExport(() => aws.s3({ region: REGION }), bucket, KEY, 365, now);
  return new AuditTrail({ redis, keys: keyspace(prefix), log, clock: now, key: KEY, exporter });
}

const append = (trail: AuditTrail, n: number) =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      trail.append({
        actor: { id: 'U0APPROVER' },
        action: 'stop-task',
        event: 'executed',
        target: { accountId: '111122223333', region: REGION, findingId: `f${i}` },
        outcome: 'ok',
      }),
    ),
  );

const linesOf = (body: string): AuditRecord[] =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord);

describe('S3 emulator: PutObject with Object Lock as S3 checks it', () => {
  const raw = (over: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) =>
    new S3Client({
      region: REGION,
      endpoint: emu.url,
      forcePathStyle: true,
      credentials: emu.credentials,
      maxAttempts: 1,
      ...over,
    });
  const locked = {
    ObjectLockMode: 'COMPLIANCE' as const,
    ObjectLockRetainUntilDate: new Date(Date.now() + DAY),
  };

  it('refuses Object Lock headers without Content-MD5 or a checksum, and on a bucket without Object Lock', async () => {
    emu.state.s3.createBucket('locked-a', { ownerAccountId: emu.homeAccountId, objectLock: true });
    emu.state.s3.createBucket('plain-a', { ownerAccountId: emu.homeAccountId });
    // Without flexible checksums the SDK sends neither header for PutObject.
    const bare = raw({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    await expect(
      bare.send(new PutObjectCommand({ Bucket: 'locked-a', Key: 'k', Body: 'x', ...locked })),
    ).rejects.toMatchObject({
      name: 'InvalidRequest',
      message: expect.stringMatching(/Content-MD5 OR x-amz-checksum-/),
    });
    const s3 = raw();
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'plain-a', Key: 'k', Body: 'x', ...locked })),
    ).rejects.toMatchObject({ message: expect.stringMatching(/missing Object Lock Configuration/) });
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'no-such', Key: 'k', Body: 'x' })),
    ).rejects.toMatchObject({ name: 'NoSuchBucket' });
    // With the checksum the SDK computes, the locked write is taken: a new version, retained.
    const ok = await s3.send(
      new PutObjectCommand({
        Bucket: 'locked-a',
        Key: 'k',
        Body: 'x',
        ChecksumAlgorithm: 'SHA256',
        ...locked,
      }),
    );
    expect(ok.VersionId).toBeTruthy();
    const [v] = emu.state.s3.versions('locked-a', 'k');
    expect(v).toMatchObject({ lockMode: 'COMPLIANCE', checksum: { algorithm: 'sha256' } });
    bare.destroy();
    s3.destroy();
  });
});

describe('audit export to S3 (ECS_GUARD_AUDIT_BUCKET)', () => {
  it('writes each batch of new records as JSON lines, Object Lock COMPLIANCE, with a SHA-256 checksum', async () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    emu.state.s3.createBucket('audit-ok', { ownerAccountId: emu.homeAccountId, objectLock: true });
    const trail = trailWith('audit-ok', () => now);
    await append(trail, 3);
    await trail.anchor();
    const kid = keyId(KEY);
    expect(emu.state.s3.keys('audit-ok')).toEqual([exportKey(kid, 1, 3)]);
    const [v] = emu.state.s3.versions('audit-ok', exportKey(kid, 1, 3));
    expect(v).toMatchObject({
      lockMode: 'COMPLIANCE',
      retainUntil: new Date(now + 365 * DAY).toISOString(),
      checksum: { algorithm: 'sha256' },
      contentType: 'application/x-ndjson',
    });
    const records = linesOf(v!.body);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    // Each line is the stored record: its HMAC verifies outside Redis, with the key alone.
    for (const r of records) expect(recordHash(KEY, r)).toBe(r.hash);
    expect(records[1]!.prev).toBe(records[0]!.hash);

    // Only what is new goes next time; nothing new, nothing written.
    await append(trail, 2);
    await trail.anchor();
    await trail.anchor();
    expect(emu.state.s3.keys('audit-ok')).toEqual([exportKey(kid, 1, 3), exportKey(kid, 4, 5)]);
    const later = linesOf(emu.state.s3.versions('audit-ok', exportKey(kid, 4, 5))[0]!.body);
    expect(later[0]!.prev).toBe(records[2]!.hash);
    expect(await trail.verify()).toMatchObject({
      ok: true,
      exported: { where: 'S3 bucket audit-ok', throughSeq: 5 },
    });
    const puts = emu.calls({ service: 's3', operation: 'PutObject' });
    expect(puts.filter((c) => c.input.bucket === 'audit-ok')).toHaveLength(2);
  });

  it('verify reads the export back from S3: newest records deleted, or history re-hashed with the key, are caught', async () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    emu.state.s3.createBucket('audit-check', { ownerAccountId: emu.homeAccountId, objectLock: true });
    const trail = trailWith('audit-check', () => now);
    await append(trail, 4);
    await trail.anchor();
    const redisKeys = keyspace(prefixes[prefixes.length - 1] as string);
    // The newest two records deleted from Redis and the head moved back: the chain itself is
    // consistent (no Slack anchors here), but S3 still holds record 4.
    const entries = await redis.xrange(redisKeys('audit'), '-', '+');
    const r2 = JSON.parse(entries[1]![1][1] as string) as AuditRecord;
    await redis.xdel(redisKeys('audit'), entries[2]![0], entries[3]![0]);
    await redis.set(redisKeys('audit', 'head'), `2:${r2.hash}`);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: false, at: 'export', exported: { throughSeq: 4 } });
    expect(v.problem).toMatch(/records 3–4 are missing: S3 bucket audit-check holds record 4/);

    // History rewritten and re-hashed with the key (records 3–4 replaced): the copy in S3 differs.
    for (const seq of [3, 4]) {
      const prev =
        seq === 3
          ? r2.hash
          : (
              JSON.parse(
                (await redis.xrevrange(redisKeys('audit'), '+', '-', 'COUNT', 1))[0]![1][1] as string,
              ) as AuditRecord
            ).hash;
      const body = { ...r2, seq, prev, reason: 'rewritten', id: undefined, hash: undefined };
      const hash = recordHash(KEY, body);
      await redis.xadd(redisKeys('audit'), '*', 'r', JSON.stringify({ ...body, hash }));
      await redis.set(redisKeys('audit', 'head'), `${seq}:${hash}`);
    }
    const w = await trail.verify();
    expect(w).toMatchObject({ ok: false });
    expect(w.problem).toMatch(/record 4: differs from the copy in S3 bucket audit-check/);
  });

  it('a failed export is tried again from the same record, and the stream is not trimmed past it', async () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const trail = trailWith('audit-later', () => now);
    await append(trail, 2);
    await expect(trail.anchor()).rejects.toMatchObject({ name: 'NoSuchBucket' });
    emu.state.s3.createBucket('audit-later', { ownerAccountId: emu.homeAccountId, objectLock: true });
    await append(trail, 1);
    await trail.anchor();
    expect(emu.state.s3.keys('audit-later')).toEqual([exportKey(keyId(KEY), 1, 3)]);
  });
});
