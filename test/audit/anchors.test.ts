import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../sandbox/slack/index.js';
import { hmacHex, keyId, recordHash } from '../../src/audit/hash.js';
import type { AuditInput, AuditRecord } from '../../src/audit/record.js';
import { SlackAnchorLog } from '../../src/audit/slack-anchor-log.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { createLogger } from '../../src/log.js';
import { keyspace } from '../../src/redis.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';
import { webClient } from '../sandbox/slack/web-client.js';

// The chain head anchored in a Slack channel (the real WebClient against the Slack emulator) and
// checked by verify: what someone with write access to Redis (or even the key) can no longer hide.
const KEY = 'anchor-test-key-0123456789abcdefghijkl';
let AUDIT = 'C0AUDIT000';
let channels = 0;
const redis = testRedis();
const log = createLogger({ level: 'silent' });
let emu: SlackEmulator;
let prefix = '';
let keys = keyspace('unused');
let now = Date.parse('2025-03-01T00:00:00Z');
const clock = () => now;

const input = (i: number): AuditInput => ({
  actor: { id: 'U0APPROVER' },
  action: 'stop-task',
  event: 'executed',
  target: { cluster: `c${i}`, requestId: `r-${i}` },
  outcome: 'ok',
  detail: { i },
});

function trailWith(opts: { retentionMs?: number } = {}) {
  const key = KEY;
  return new AuditTrail({
    redis,
    keys,
    log,
    clock,
    key,
    anchors: new SlackAnchorLog(webClient(emu), AUDIT, key),
    ...(opts.retentionMs ? { retentionMs: opts.retentionMs } : {}),
  });
}

async function append(trail: AuditTrail, n: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) {
    now += 1000;
    out.push(await trail.append(input(i)));
  }
  return out;
}

const anchorTexts = () => emu.messages(AUDIT).map((m) => m.text ?? '');

beforeAll(async () => {
  emu = await startSlackEmulator({ pacing: { enabled: false } });
});
afterAll(async () => {
  await emu.close();
  redis.disconnect();
});
beforeEach(() => {
  prefix = testPrefix('anchor');
  keys = keyspace(prefix);
  AUDIT = `C0AUDIT${String(++channels).padStart(3, '0')}`;
  emu.addChannel({ id: AUDIT, name: `ecs-guard-audit-${channels}` });
});
afterEach(async () => {
  await dropPrefix(redis, prefix);
});

describe('audit anchors in a Slack channel', () => {
  it('posts the head with its MAC, only when it changed, and verify matches it', async () => {
    const trail = trailWith();
    const records = await append(trail, 3);
    const posted = await trail.anchor();
    expect(posted).toMatchObject({ seq: 3, hash: records[2]!.hash });
    expect(await trail.anchor()).toBeUndefined(); // head unchanged: nothing new to anchor
    expect(anchorTexts()).toEqual([
      `ecs-guard audit anchor · chain ${keyId(KEY)} · record 3 · hash ${records[2]!.hash} · mac ${hmacHex(KEY, `anchor\n3\n${records[2]!.hash}`)}`,
    ]);
    await append(trail, 2);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: true, checked: 5, anchors: { read: 1, matched: 1, newestSeq: 3 } });
    expect(v.note).toMatch(/records 4–5 are newer than the last anchor/);
  });

  it('anchors at most once per interval across replicas (a Redis lock)', async () => {
    const a = trailWith();
    const b = trailWith();
    await append(a, 1);
    const both = await Promise.all([a.anchor(60_000), b.anchor(60_000)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    await append(a, 1);
    expect(await b.anchor(60_000)).toBeUndefined(); // still inside the interval
    expect(anchorTexts()).toHaveLength(1);
  });

  it('detects the newest records deleted and the head moved back (a Redis writer)', async () => {
    const trail = trailWith();
    const records = await append(trail, 5);
    await trail.anchor();
    const ids = (await redis.xrange(keys('audit'), '-', '+')).map(([id]) => id);
    await redis.xdel(keys('audit'), ids[3]!, ids[4]!);
    await redis.set(keys('audit', 'head'), `3:${records[2]!.hash}`);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: false, checked: 3, at: 'anchors' });
    expect(v.problem).toMatch(/records 4–5 are missing/);
    expect(v.problem).toMatch(/newest records deleted/);
  });

  it('detects history rewritten and re-hashed WITH the key (anchor differs)', async () => {
    const trail = trailWith();
    await append(trail, 4);
    await trail.anchor();
    const list = (await redis.xrange(keys('audit'), '-', '+')).map(
      ([id, f]) => [id, JSON.parse(f[1] as string) as AuditRecord] as const,
    );
    // Someone with the key and Redis rewrites record 2 and re-hashes records 2–4.
    await redis.del(keys('audit'));
    let prev = list[0]![1].hash;
    for (const [i, [id, rec]] of list.entries()) {
      if (i === 0) {
        await redis.xadd(keys('audit'), id, 'r', JSON.stringify(rec));
        continue;
      }
      const { hash: _h, id: _id, ...body } = rec;
      const forged = { ...body, prev, ...(i === 1 ? { outcome: 'denied' as const } : {}) };
      const hash = recordHash(KEY, forged);
      await redis.xadd(keys('audit'), id, 'r', JSON.stringify({ ...forged, hash }));
      prev = hash;
    }
    await redis.set(keys('audit', 'head'), `4:${prev}`);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: false, checked: 3 });
    expect(v.problem).toMatch(/record 4: differs from its anchor/);
  });

  it('ignores anchors with a bad MAC or another key, and says how many', async () => {
    const trail = trailWith();
    const records = await append(trail, 2);
    await trail.anchor();
    const web = webClient(emu);
    // A forged anchor naming a later record would make verify cry "missing"; without the MAC it is ignored.
    const fake = `ecs-guard audit anchor · chain ${keyId(KEY)} · record 9 · hash ${records[1]!.hash} · mac ${'0'.repeat(64)}`;
    await web.chat.postMessage({ channel: AUDIT, text: fake });
    // Another deployment's chain (another key) anchored in the same channel.
    await new SlackAnchorLog(web, AUDIT, `${KEY}-other`).post({ seq: 7, hash: records[1]!.hash });
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: true, checked: 2, anchors: { read: 1, matched: 1, ignored: 2 } });
  });

  it('trims records older than the retention only behind an anchor; verify starts there', async () => {
    const day = 86_400_000;
    const trail = trailWith({ retentionMs: 10 * day });
    await append(trail, 3);
    expect(await trail.trim()).toBe(0); // nothing anchored: nothing may be trimmed
    await trail.anchor(); // anchors record 3
    now += 20 * day;
    await append(trail, 2);
    await trail.anchor(); // anchors record 5, then trims through record 3
    expect(await redis.xlen(keys('audit'))).toBe(2);
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: true, checked: 2, trimmedThrough: 3, anchors: { matched: 2 } });
    // A trimmed start that no anchor vouches for is refused.
    await redis.set(
      keys('audit', 'base'),
      `2:${'f'.repeat(64)}:${(await redis.get(keys('audit', 'base')))!.split(':')[2]}`,
    );
    expect(await trail.verify()).toMatchObject({ ok: false, at: 'start' });
  });

  it('refuses to call the chain verified when the anchors cannot be read', async () => {
    const trail = trailWith();
    await append(trail, 1);
    emu.faults.inject({ method: 'conversations.history', kind: 'error', error: 'not_in_channel' });
    const v = await trail.verify();
    expect(v).toMatchObject({ ok: false, at: 'anchors' });
    expect(v.problem).toMatch(/cannot read the anchors from Slack channel C0AUDIT\d+/);
    emu.faults.clear();
  });
});
