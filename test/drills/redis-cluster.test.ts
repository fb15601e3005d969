import { afterAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/audit/trail.js';
import { createLogger } from '../../src/log.js';
import { keyspace } from '../../src/redis.js';
import { type ActionRequest, newRequestId, RequestStore } from '../../src/requests/store.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

// The Redis drills that matter, on the test run's three-master Redis Cluster (their standalone
// twins are in test/audit/trail.test.ts and test/requests/store.test.ts; two replicas and a burst
// run on both in test/drills/two-bots.test.ts and test/findings/burst.test.ts). Two separate
// Cluster connections stand for two replicas.
const a = testRedis('cluster');
const b = testRedis('cluster');
const prefix = testPrefix('cluster-drill', 'cluster');
const keys = keyspace(prefix);
const log = createLogger({ level: 'silent' });
const now = 1_700_000_000_000;
const KEY = 'test-audit-key-0123456789abcdefghijklmnop';

afterAll(async () => {
  await dropPrefix(a, prefix);
  await Promise.all([a.quit(), b.quit()]);
});

describe('drill: Redis Cluster', () => {
  it('audit: 200 appends racing from two replicas form one chain that verifies, and tampering is caught', async () => {
    const t1 = new AuditTrail({ redis: a, keys, log, clock: () => now, key: KEY });
    const t2 = new AuditTrail({ redis: b, keys, log, clock: () => now, key: KEY });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? t1 : t2).append({
          actor: { id: `U${i % 7}AAAA` },
          action: 'stop-task',
          event: 'executed',
          target: { cluster: 'prod', findingId: `f${i}` },
          outcome: 'ok',
        }),
      ),
    );
    expect(results.map((r) => r.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    expect(await t2.verify()).toMatchObject({ ok: true, checked: 200 });

    // Remove a record in the middle, as someone with Redis access might: verify says so.
    const [, middle] = (await a.xrange(keys('audit'), '-', '+', 'COUNT', 2)) as [string, string[]][];
    await a.xdel(keys('audit'), middle![0]);
    const verdict = await t1.verify();
    expect(verdict.ok).toBe(false);
  });

  it('approvals: exactly one of 20 racing approvals from two replicas wins', async () => {
    const s1 = new RequestStore(a, keys, () => now, KEY);
    const s2 = new RequestStore(b, keys, () => now, KEY);
    const r: ActionRequest = {
      requestId: newRequestId(),
      action: 'stop-task',
      status: 'pending',
      requesterId: 'UREQ0001',
      findingId: 'f1',
      cardId: 'c0123456789abcdef01234567',
      channel: 'CALERTS01',
      taskArn: 'arn:aws:ecs:us-east-1:111122223333:task/prod/abc',
      cluster: 'prod',
      accountId: '111122223333',
      region: 'us-east-1',
      createdAt: now,
      expiresAt: now + 60_000,
      attempt: 1,
    };
    await s1.create(r);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? s1 : s2).transition(r.requestId, ['pending'], 'approved', { approverId: `UAPPR${i}0` }),
      ),
    );
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect(await s2.approvedBefore(now + 1)).toContain(r.requestId);
  });
});
