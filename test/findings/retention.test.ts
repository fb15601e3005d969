import { afterAll, describe, expect, it } from 'vitest';
import { makeFinding, seedEstate, startAwsEmulator } from '../../sandbox/aws/index.js';
import { findingKeyOf } from '../../src/findings/finding-key.js';
import { normaliseFinding } from '../../src/findings/normalise.js';
import { FindingStore } from '../../src/findings/store.js';
import { keyspace } from '../../src/redis.js';
import { newRequestId, RequestStore } from '../../src/requests/store.js';
import { CardStore } from '../../src/slack/card-store.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

// Redis no longer grows without bound: finding, card and request records expire a retention
// after the finding was last seen (configurable: ECS_GUARD_RETENTION_DAYS), open cards are kept.
const DAY = 86_400_000;
const RETENTION = 7 * DAY;

describe('retention of finding, card and request records', () => {
  const prefix = testPrefix('retain');
  const keys = keyspace(prefix);
  const redis = testRedis();
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = () => now;
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    await redis.quit();
  });
  const ttl = (key: string) => redis.pttl(key);

  it('a finding expires the retention after it was last seen; the time index drops old entries', async () => {
    const emu = await startAwsEmulator();
    const task = seedEstate(emu.state).services.web!.tasks[0]!;
    await emu.close();
    const store = new FindingStore(redis, keys, clock, RETENTION);
    const f = normaliseFinding(makeFinding({ type: 'Execution:Runtime/ReverseShell', task, id: 'retain1' }))!;
    await store.ingest(f, 'C1', 'g');
    const first = await ttl(keys('finding', findingKeyOf(f)));
    expect(first).toBeGreaterThan(RETENTION - 60_000);
    expect(first).toBeLessThanOrEqual(RETENTION);
    // Seen again later: the retention starts over.
    await redis.pexpire(keys('finding', findingKeyOf(f)), 1000 * 60);
    await store.ingest(
      { ...f, count: f.count + 1, updatedAt: new Date(now + 1000).toISOString() },
      'C1',
      'g',
    );
    expect(await ttl(keys('finding', findingKeyOf(f)))).toBeGreaterThan(RETENTION - 60_000);
    // Index entries older than the retention are dropped at the next ingest.
    await redis.zadd(keys('findings-by-time'), now - RETENTION - DAY, 'ancient');
    now += 1000;
    await store.ingest({ ...f, id: 'retain2' }, 'C1', 'g');
    expect(await redis.zscore(keys('findings-by-time'), 'ancient')).toBeNull();
  });

  it('a card gets the retention; an open card (pending or running request) is kept until decided', async () => {
    const cards = new CardStore(redis, keys, clock, RETENTION);
    const cardId = `c${'1'.repeat(24)}`;
    await cards.create({ cardId, kind: 'finding', findingKey: 'retain1', channel: 'C1', state: { cardId } });
    expect(await ttl(keys('card', cardId))).toBeGreaterThan(RETENTION - 60_000);
    const pending = {
      requestId: newRequestId(),
      action: 'stop-task',
      requesterId: 'UREQ',
      at: now,
      expiresAt: now + 60_000,
    };
    await cards.updateState(cardId, (s) => ({ ...s, pending }) as never);
    expect(await ttl(keys('card', cardId))).toBe(-1); // kept
    await cards.touch(cardId); // the finding seen again does not make an open card expire
    expect(await ttl(keys('card', cardId))).toBe(-1);
    await cards.updateState(cardId, (s) => ({ ...s, pending: undefined }));
    expect(await ttl(keys('card', cardId))).toBeGreaterThan(RETENTION - 60_000);
  });

  it('a request is kept the retention after its expiry', async () => {
    const requests = new RequestStore(redis, keys, clock, 'retention-test-key-0123456789abcdefgh', RETENTION);
    const requestId = newRequestId();
    await requests.create({
      requestId,
      action: 'stop-task',
      status: 'pending',
      requesterId: 'UREQ',
      channel: 'C1',
      accountId: '111122223333',
      region: 'us-east-1',
      createdAt: now,
      expiresAt: now + 30 * 60_000,
      attempt: 1,
    });
    const t = await ttl(keys('request', requestId));
    expect(t).toBeGreaterThan(RETENTION + 30 * 60_000 - 60_000);
    expect(t).toBeLessThanOrEqual(RETENTION + 30 * 60_000);
  });
});
