import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, recordHash } from '../../src/audit/hash.js';
import type { AuditInput, AuditRecord } from '../../src/audit/record.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { isEcsGuardError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { keyspace } from '../../src/redis.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

const redis = testRedis();
const redis2 = testRedis();
const lines: string[] = [];
const log = createLogger({
  level: 'info',
  destination: new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  }),
});
let prefix = '';
let keys = keyspace('unused');
let now = Date.parse('2024-05-01T12:00:00Z');
const clock = () => now;
const KEY = 'test-audit-key-0123456789abcdefghijklmnop';

const input = (over: Partial<AuditInput> = {}): AuditInput => ({
  actor: { id: 'U0APPROVER', name: 'Ana' },
  action: 'stop-task',
  event: 'executed',
  target: {
    accountId: '111122223333',
    region: 'eu-west-1',
    cluster: 'prod',
    findingId: 'f-1',
    requestId: 'r-1',
  },
  outcome: 'ok',
  awsRequestId: 'req-abc',
  ...over,
});

beforeEach(() => {
  prefix = testPrefix('audit');
  keys = keyspace(prefix);
  lines.length = 0;
});
afterEach(async () => {
  await dropPrefix(redis, prefix);
});
afterAll(async () => {
  redis.disconnect();
  redis2.disconnect();
});

/** Stream entries as stored: [id, json]. */
async function entries(): Promise<[string, string][]> {
  const raw = await redis.xrange(keys('audit'), '-', '+');
  return raw.map(([id, f]) => [id, f[1] as string]);
}

/** Replaces the whole stream with `list`, keeping the given ids (what a tamperer with write access could do). */
async function rewrite(list: [string, string][]): Promise<void> {
  await redis.del(keys('audit'));
  for (const [id, json] of list) await redis.xadd(keys('audit'), id, 'r', json);
}

async function chainOf(n: number): Promise<AuditTrail> {
  const trail = new AuditTrail({ redis, keys, log, clock, key: KEY });
  for (let i = 1; i <= n; i++) {
    now += 1000;
    await trail.append(input({ target: { cluster: `c${i}`, findingId: `f-${i}` }, detail: { i } }));
  }
  return trail;
}

describe('AuditTrail.append', () => {
  it('chains records, stores them in the stream and logs each as one JSON line', async () => {
    const trail = new AuditTrail({ redis, keys, log, clock, key: KEY });
    const a = await trail.append(input());
    now += 5;
    const b = await trail.append(input({ event: 'failed', outcome: 'error', reason: 'AccessDenied' }));

    expect(a).toMatchObject({
      seq: 1,
      time: '2024-05-01T12:00:00.000Z',
      actor: { id: 'U0APPROVER', name: 'Ana' },
      action: 'stop-task',
      event: 'executed',
      outcome: 'ok',
      awsRequestId: 'req-abc',
      target: { accountId: '111122223333', region: 'eu-west-1', cluster: 'prod', findingId: 'f-1' },
      prev: GENESIS_HASH,
    });
    expect(a.hash).toBe(recordHash(KEY, a));
    expect(b.prev).toBe(a.hash);
    expect(b.seq).toBe(2);
    expect(await redis.get(keys('audit', 'head'))).toBe(`2:${b.hash}`);
    expect(await redis.xlen(keys('audit'))).toBe(2);

    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'audit');
    expect(logged).toHaveLength(2);
    expect(logged[1].audit).toMatchObject({
      hash: b.hash,
      prev: a.hash,
      event: 'failed',
      reason: 'AccessDenied',
    });
  });

  it('rejects an input without an actor or with an unknown event', async () => {
    const trail = new AuditTrail({ redis, keys, log, clock, key: KEY });
    await expect(trail.append(input({ actor: { id: '' } }))).rejects.toSatisfy((e) => isEcsGuardError(e));
    await expect(trail.append(input({ event: 'nuked' as never }))).rejects.toThrow(/unknown event/);
    // a failed append does not block the next one
    expect((await trail.append(input())).seq).toBe(1);
  });

  it('clips hostile text and replaces an oversized detail', async () => {
    const trail = new AuditTrail({ redis, keys, log, clock, key: KEY });
    const r = await trail.append(
      input({
        reason: 'x'.repeat(5000),
        detail: { cmd: 'y'.repeat(5000) },
        target: { cluster: 'z'.repeat(900) },
      }),
    );
    expect(r.reason!.length).toBeLessThanOrEqual(500);
    expect(r.target.cluster!.length).toBeLessThanOrEqual(500);
    expect(r.detail).toEqual({ truncated: true, bytes: expect.any(Number) });
    expect((await trail.verify()).ok).toBe(true);
  });

  it('200 concurrent appends from two connections form one valid chain of 200', async () => {
    const t1 = new AuditTrail({ redis, keys, log, clock, key: KEY });
    const t2 = new AuditTrail({ redis: redis2, keys, log, clock, key: KEY });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? t1 : t2).append(input({ detail: { i }, actor: { id: `U${i % 7}` } })),
      ),
    );
    const seqs = results.map((r) => r.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(results.map((r) => r.hash)).size).toBe(200);
    expect(await redis.xlen(keys('audit'))).toBe(200);
    expect(await t2.verify()).toMatchObject({ ok: true, checked: 200 });
  });
});

describe('AuditTrail.list', () => {
  it('returns newest first, filtered and limited', async () => {
    const trail = new AuditTrail({ redis, keys, log, clock, key: KEY });
    await trail.append(
      input({ actor: { id: 'U1' }, target: { cluster: 'a', findingId: 'f1', requestId: 'r1' } }),
    );
    await trail.append(
      input({ actor: { id: 'U2' }, target: { cluster: 'b', findingId: 'f2', requestId: 'r2' } }),
    );
    await trail.append(
      input({ actor: { id: 'U1' }, target: { cluster: 'b', findingId: 'f1', requestId: 'r3' } }),
    );

    expect((await trail.list()).map((r) => r.seq)).toEqual([3, 2, 1]);
    expect((await trail.list({ limit: 2 })).map((r) => r.seq)).toEqual([3, 2]);
    expect((await trail.list({ userId: 'U1' })).map((r) => r.seq)).toEqual([3, 1]);
    expect((await trail.list({ cluster: 'b' })).map((r) => r.seq)).toEqual([3, 2]);
    expect((await trail.list({ findingId: 'f1' })).map((r) => r.seq)).toEqual([3, 1]);
    expect((await trail.list({ requestId: 'r2' })).map((r) => r.seq)).toEqual([2]);
    expect(await trail.list({ userId: 'U9' })).toEqual([]);
    const [newest] = await trail.list({ limit: 1 });
    expect(newest!.id).toMatch(/^\d+-\d+$/);
  });

  it('indexes records by request and finding in the same step as the append', async () => {
    const trail = new AuditTrail({ redis, keys, log, clock, key: KEY });
    const a = await trail.append(input({ target: { requestId: 'r9', findingId: 'f9' } }));
    const b = await trail.append(input({ target: { findingId: 'f9' } }));
    expect(await redis.lrange(keys('audit', 'by-request', 'r9'), 0, -1)).toEqual([a.id]);
    expect(await redis.lrange(keys('audit', 'by-finding', 'f9'), 0, -1)).toEqual([a.id, b.id]);
    expect(await redis.pttl(keys('audit', 'by-finding', 'f9'))).toBeGreaterThan(300 * 86_400_000);
    // A request's records are found through its index behind a page of unrelated records.
    await Promise.all(Array.from({ length: 600 }, (_, i) => trail.append(input({ detail: { i } }))));
    expect((await trail.list({ requestId: 'r9' })).map((r) => r.seq)).toEqual([1]);
    expect((await trail.list({ findingId: 'f9', limit: 1 })).map((r) => r.seq)).toEqual([2]);
    expect((await trail.list({ findingId: 'f9', userId: 'U9' })).map((r) => r.seq)).toEqual([]);
  });

  it('pages through more records than one XREVRANGE page', async () => {
    const trail = await chainOf(0);
    const t = new AuditTrail({ redis: redis2, keys, log, clock, key: KEY });
    await Promise.all(
      Array.from({ length: 620 }, (_, i) => (i % 2 ? trail : t).append(input({ detail: { i } }))),
    );
    const all = await trail.list({ limit: 1000 });
    expect(all).toHaveLength(620);
    expect(all[0]!.seq).toBe(620);
    expect(all[619]!.seq).toBe(1);
    expect(await trail.verify()).toMatchObject({ ok: true, checked: 620 });
  });
});

describe('AuditTrail.verify', () => {
  it('passes on an empty trail and on an intact chain', async () => {
    const trail = new AuditTrail({ redis, keys, log, clock, key: KEY });
    expect(await trail.verify()).toMatchObject({ ok: true, checked: 0 });
    await chainOf(5);
    expect(await trail.verify()).toMatchObject({ ok: true, checked: 5 });
  });

  it('detects a removed middle record', async () => {
    const trail = await chainOf(5);
    const list = await entries();
    await redis.xdel(keys('audit'), list[2]![0]);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: false, checked: 2, at: list[3]![0] });
    expect(v.problem).toMatch(/prev/);
  });

  it('detects an edited field', async () => {
    const trail = await chainOf(5);
    const list = await entries();
    const rec = JSON.parse(list[1]![1]) as AuditRecord;
    list[1]![1] = JSON.stringify({ ...rec, outcome: 'denied' });
    await rewrite(list);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: false, checked: 1, at: list[1]![0] });
    expect(v.problem).toMatch(/edited/);
  });

  it('detects an edited record whose own hash was recomputed (the next link breaks)', async () => {
    const trail = await chainOf(5);
    const list = await entries();
    const { hash: _h, ...rec } = JSON.parse(list[1]![1]) as AuditRecord;
    const forged = { ...rec, actor: { id: 'U0SOMEONE' } };
    list[1]![1] = JSON.stringify({ ...forged, hash: recordHash(KEY, forged) });
    await rewrite(list);
    expect(await trail.verify()).toMatchObject({ ok: false, checked: 2, at: list[2]![0] });
  });

  it('detects a removed last record (head mismatch)', async () => {
    const trail = await chainOf(5);
    const list = await entries();
    await redis.xdel(keys('audit'), list[4]![0]);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: false, checked: 4, at: 'head' });
    expect(v.problem).toMatch(/head names record 5 but the stream ends at record 4/);
  });

  it('detects reordered records', async () => {
    const trail = await chainOf(5);
    const list = await entries();
    const [a, b] = [list[2]![1], list[3]![1]];
    list[2]![1] = b;
    list[3]![1] = a;
    await rewrite(list);
    expect(await trail.verify()).toMatchObject({ ok: false, checked: 2, at: list[2]![0] });
  });

  it('detects an inserted record', async () => {
    const trail = await chainOf(3);
    const list = await entries();
    // a copy of record 2 slipped in after it; ids renumbered so the stream stays ordered
    const jsons = [list[0]![1], list[1]![1], list[1]![1], list[2]![1]];
    const forged = jsons.map((json, i): [string, string] => [`${i + 1}-0`, json]);
    await rewrite(forged);
    expect(await trail.verify()).toMatchObject({ ok: false, checked: 2, at: '3-0' });
  });

  it('detects history rewritten and re-hashed with an unkeyed SHA-256 (the pre-HMAC attack)', async () => {
    const trail = await chainOf(5);
    const list = await entries();
    // A Redis writer edits record 2 and re-hashes it and every later record, then moves the head.
    let prev = (JSON.parse(list[0]![1]) as AuditRecord).hash;
    for (let i = 1; i < list.length; i++) {
      const { hash: _h, ...rec } = JSON.parse(list[i]![1]) as AuditRecord;
      const forged = { ...rec, prev, ...(i === 1 ? { actor: { id: 'U0SOMEONE' } } : {}) };
      const hash = createHash('sha256').update(canonicalJson(forged)).digest('hex');
      list[i]![1] = JSON.stringify({ ...forged, hash });
      prev = hash;
    }
    await rewrite(list);
    await redis.set(keys('audit', 'head'), `5:${prev}`);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: false, checked: 1, at: list[1]![0] });
    expect(v.problem).toMatch(/HMAC does not match/);
  });

  it('a chain written under another key does not verify', async () => {
    await chainOf(2);
    const other = new AuditTrail({ redis, keys, log, clock, key: `${KEY}-rotated` });
    expect(await other.verify()).toMatchObject({ ok: false, checked: 0 });
  });

  it('says the chain is not anchored when no anchor log is configured', async () => {
    const trail = await chainOf(2);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: true, checked: 2 });
    expect(v.note).toMatch(/not anchored/);
  });

  it('keeps appending after a reload (head read from Redis)', async () => {
    await chainOf(3);
    const fresh = new AuditTrail({ redis: redis2, keys, log, clock, key: KEY });
    expect((await fresh.append(input())).seq).toBe(4);
    expect(await fresh.verify()).toMatchObject({ ok: true, checked: 4 });
  });
});
