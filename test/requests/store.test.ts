import { afterAll, describe, expect, it } from 'vitest';
import { keyspace } from '../../src/redis.js';
import { stopReason } from '../../src/remediations/stop-task.js';
import { type ActionRequest, isRequestId, newRequestId, RequestStore } from '../../src/requests/store.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

const redis = testRedis();
const prefix = testPrefix('req');
const now = 1_000_000;
const store = new RequestStore(redis, keyspace(prefix), () => now, 'store-test-hmac-key-0123456789abcdef');

const base = (): ActionRequest => ({
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
});

afterAll(async () => {
  await dropPrefix(redis, prefix);
  await redis.quit();
});

describe('RequestStore', () => {
  it('round-trips a request and rejects ids not of our shape', async () => {
    const r = base();
    await store.create(r);
    const got = await store.get(r.requestId);
    expect(got).toEqual({ ...r, sig: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Signed with the key: it verifies, and the same record under another key does not.
    expect(store.verify(r.requestId, got!)).toEqual({ ok: true });
    const other = new RequestStore(redis, keyspace(prefix), () => now, 'another-hmac-key-0123456789abcdefgh');
    expect(other.verify(r.requestId, got!).ok).toBe(false);
    expect(store.verify(newRequestId(), got!)).toMatchObject({ ok: false, why: /another request id/ });
    expect(isRequestId(`r${'0'.repeat(24)}`)).toBe(true);
    expect(await store.get('../../etc')).toBeUndefined();
    expect(await store.get(`r${'f'.repeat(24)}`)).toBeUndefined();
  });

  it('lets exactly one of many concurrent approvals win', async () => {
    const r = base();
    await store.create(r);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.transition(r.requestId, ['pending'], 'approved', { approverId: `UAPPR${i}0` }),
      ),
    );
    const winners = results.filter((x) => x.ok);
    expect(winners).toHaveLength(1);
    const loser = results.find((x) => !x.ok)!;
    expect(loser.status).toBe('approved');
    expect(loser.request?.approverId).toBe(winners[0]!.request?.approverId);
    expect(await store.approvedBefore(now + 1)).toContain(r.requestId);
    expect(await store.dueForExpiry(now + 120_000)).not.toContain(r.requestId);
  });

  it('indexes pending requests by expiry and drops them on expiry', async () => {
    const r = base();
    await store.create(r);
    expect(await store.dueForExpiry(now)).not.toContain(r.requestId);
    expect(await store.dueForExpiry(now + 60_000)).toContain(r.requestId);
    const t = await store.transition(r.requestId, ['pending'], 'expired', { decidedAt: now });
    expect(t.ok).toBe(true);
    expect(await store.dueForExpiry(now + 60_000)).not.toContain(r.requestId);
    expect((await store.transition(r.requestId, ['pending'], 'approved')).status).toBe('expired');
    expect((await store.transition(`r${'a'.repeat(24)}`, ['pending'], 'approved')).status).toBe('');
  });
});

describe('stopReason', () => {
  it('names the finding, approver and request within 255 characters', () => {
    const r = stopReason({
      findingId: 'a'.repeat(300),
      findingType: 'Execution:Runtime/ReverseShell',
      approverId: 'UAPPROVER1',
      approverName: 'alice <@evil>'.repeat(10),
      requestId: newRequestId(),
    });
    expect(r.length).toBeLessThanOrEqual(255);
    expect(r).toContain('UAPPROVER1');
    expect(r).toMatch(/\[ecs-guard r[0-9a-f]{24}\]$/);
    expect(r).not.toContain('<');
  });
});
