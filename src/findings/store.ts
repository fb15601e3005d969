import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Keyspace, Redis } from '../redis.js';
import { slotKey } from '../slack/pacing/channel-slot.js';
import { type FindingKey, findingKeyOf } from './finding-key.js';
import { type GroupMember, memberOf } from './group-key.js';
import type { Finding } from './model.js';

/** What the pipeline remembers per finding (Redis hash `finding:<key>`, the key being its ARN). */
export interface FindingRecord {
  /** The store's handle of the finding (account + region + detector + id): outboxes and cards name it. */
  key: FindingKey;
  finding: Finding;
  channel: string;
  state: 'queued' | 'posting' | 'posted' | 'grouped' | 'failed';
  cardId?: string;
  ts?: string;
  groupKey: string;
  ingestedAt: number;
}

export type IngestOutcome = 'new' | 'updated' | 'duplicate' | 'ignored-archived' | 'conflict';

/**
 * What must never change between updates of one finding: the account, region and detector that
 * reported it and the resource (cluster, task) it is about. An "update" naming others is refused.
 */
export const identityOf = (
  f: Pick<Finding, 'accountId' | 'region' | 'detectorId' | 'clusterArn' | 'taskArn'>,
) => [f.accountId, f.region, f.detectorId ?? '', f.clusterArn ?? '', f.taskArn ?? ''].join('|');

export interface IngestResult {
  outcome: IngestOutcome;
  key: FindingKey;
  /** State before the update; tells the caller whether a card must be refreshed. */
  state?: FindingRecord['state'];
  cardId?: string;
}

// Atomic dedupe + enqueue, per finding key (its ARN: account, region, detector, id). A new
// finding goes to its channel's outbox; a repeat with a higher count, a later update or a changed
// archived flag replaces the stored data; anything else is a duplicate (poll and push delivering
// the same finding, or a second replica). A repeat whose resource (ARGV[11]: the identity, cluster
// and task included) differs from the stored one is refused as a conflict. KEYS[6] is the id
// index (GuardDuty id → keys), for look-ups by id (audit filters, attack-sequence signals).
const INGEST = `
local exists = redis.call('EXISTS', KEYS[1])
if exists == 0 then
  if ARGV[4] == '1' then return {'ignored-archived'} end
  redis.call('HSET', KEYS[1], 'data', ARGV[1], 'count', ARGV[2], 'updatedAtMs', ARGV[3], 'archived', ARGV[4],
    'channel', ARGV[5], 'state', 'queued', 'gk', ARGV[8], 'ingestedAt', ARGV[9], 'm', ARGV[10], 'ident', ARGV[11])
  redis.call('ZADD', KEYS[2], ARGV[6], ARGV[7])
  redis.call('SADD', KEYS[3], ARGV[5])
  redis.call('SADD', KEYS[4], ARGV[7])
  redis.call('ZADD', KEYS[5], ARGV[9], ARGV[7])
  redis.call('SADD', KEYS[6], ARGV[7])
  return {'new'}
end
local state = redis.call('HGET', KEYS[1], 'state') or 'queued'
local card = redis.call('HGET', KEYS[1], 'cardId') or ''
local ident = redis.call('HGET', KEYS[1], 'ident')
if ident and ident ~= ARGV[11] then return {'conflict', state, card} end
local oc = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local ou = tonumber(redis.call('HGET', KEYS[1], 'updatedAtMs') or '0')
local oa = redis.call('HGET', KEYS[1], 'archived')
local nc = tonumber(ARGV[2])
local nu = tonumber(ARGV[3])
if nc > oc or (nc == oc and nu > ou) or (oa ~= ARGV[4] and nu >= ou) then
  redis.call('HSET', KEYS[1], 'data', ARGV[1], 'count', ARGV[2], 'updatedAtMs', ARGV[3], 'archived', ARGV[4],
    'm', ARGV[10])
  return {'updated', state, card}
end
return {'duplicate', state, card}
`;

// Takes the per-channel post slot (pacing across every replica) and pops the most urgent item.
const TAKE = `
local held = ARGV[4] == 'held'
if held then
  if redis.call('GET', KEYS[2]) ~= ARGV[2] then return false end
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
elseif not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[1]) then return false end
local top = redis.call('ZPOPMAX', KEYS[1])
if #top == 0 then
  if not held then redis.call('DEL', KEYS[2]) end
  return false
end
redis.call('HSET', KEYS[3], top[1], ARGV[3])
return top
`;

// Pops every queued member of one group from a channel's outbox.
const TAKE_GROUP = `
local ids = redis.call('SMEMBERS', KEYS[2])
local taken = {}
for _, id in ipairs(ids) do
  if redis.call('ZREM', KEYS[1], id) == 1 then
    table.insert(taken, id)
    redis.call('HSET', KEYS[3], id, ARGV[1])
  end
end
redis.call('DEL', KEYS[2])
return taken
`;

/** Priority: higher severity first, then earlier arrival (good until 2055). */
export function outboxScore(severity: number, arrivalMs: number): number {
  const tenths = Math.max(0, Math.min(100, Math.round(severity * 10)));
  return tenths * 1e12 - (arrivalMs - 1.7e12);
}

export const newCardId = () => `c${randomBytes(12).toString('hex')}`;

/**
 * Redis state of the alert pipeline: per-finding dedupe records, per-channel outboxes and the
 * card index. Every multi-key change is one Lua script, so replicas never double-post.
 */
export class FindingStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly clock: Clock,
    /** A finding record expires this long after GuardDuty last reported it (default 90 days). */
    private readonly retentionMs: number = 90 * 86_400_000,
  ) {}

  async ingest(f: Finding, channel: string, groupKey: string): Promise<IngestResult> {
    const now = this.clock();
    const res = await this.ingestScript(f, channel, groupKey, now);
    // Retention counts from the last time the finding was seen; the time index drops what expired.
    await this.redis
      .pipeline()
      .pexpire(this.keys('finding', res.key), this.retentionMs)
      .pexpire(this.idIndexKey(f.id), this.retentionMs)
      .zremrangebyscore(this.keys('findings-by-time'), '-inf', now - this.retentionMs)
      .exec();
    return res;
  }

  private async ingestScript(
    f: Finding,
    channel: string,
    groupKey: string,
    now: number,
  ): Promise<IngestResult> {
    const key = findingKeyOf(f);
    const res = (await this.redis.eval(
      INGEST,
      6,
      this.keys('finding', key),
      this.keys('outbox', channel),
      this.keys('outbox-channels'),
      this.groupIndexKey(channel, groupKey),
      this.keys('findings-by-time'),
      this.idIndexKey(f.id),
      JSON.stringify(f),
      String(f.count),
      String(Date.parse(f.updatedAt) || 0),
      f.archived ? '1' : '0',
      channel,
      String(outboxScore(f.severity, now)),
      key,
      groupKey,
      String(now),
      JSON.stringify(memberOf(f)),
      identityOf(f),
    )) as string[];
    return {
      outcome: res[0] as IngestOutcome,
      key,
      state: res[1] as FindingRecord['state'] | undefined,
      cardId: res[2] || undefined,
    };
  }

  async get(key: FindingKey): Promise<FindingRecord | undefined> {
    const h = await this.redis.hgetall(this.keys('finding', key));
    return h.data ? toRecord(key, h) : undefined;
  }

  async getMany(keys: FindingKey[]): Promise<(FindingRecord | undefined)[]> {
    if (!keys.length) return [];
    const pipe = this.redis.pipeline();
    for (const key of keys) pipe.hgetall(this.keys('finding', key));
    const res = (await pipe.exec()) ?? [];
    return res.map(([, h], i) => {
      const hash = h as Record<string, string>;
      return hash?.data ? toRecord(keys[i] as FindingKey, hash) : undefined;
    });
  }

  /**
   * The keys stored for each GuardDuty id (usually one: the same id in another account, region or
   * detector is another finding). For what names a finding by id only: audit records, signals.
   */
  async keysOfIds(ids: string[]): Promise<FindingKey[][]> {
    if (!ids.length) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.smembers(this.idIndexKey(id));
    const res = (await pipe.exec()) ?? [];
    return res.map(([, v]) => ((v as string[] | null) ?? []).sort());
  }

  /**
   * The finding a request or audit target names (account, region, GuardDuty id: one detector per
   * account and region), never a same-id finding of another account or region.
   */
  async findOf(t: {
    accountId: string;
    region: string;
    findingId?: string;
  }): Promise<FindingRecord | undefined> {
    if (!t.findingId) return undefined;
    return (await this.getByIds([t.findingId]))
      .flat()
      .find((r) => r.finding.accountId === t.accountId && r.finding.region === t.region);
  }

  /** The stored records of each GuardDuty id, in the order of `ids` (usually one each, or none). */
  async getByIds(ids: string[]): Promise<FindingRecord[][]> {
    const keys = await this.keysOfIds(ids);
    const recs = await this.getMany(keys.flat());
    let i = 0;
    return keys.map((ks) => ks.map(() => recs[i++]).filter((r): r is FindingRecord => !!r));
  }

  /** State and group-card line of many findings, without their full data (large groups). */
  async membersOf(keys: FindingKey[]): Promise<{ key: FindingKey; state?: string; member?: GroupMember }[]> {
    if (!keys.length) return [];
    const pipe = this.redis.pipeline();
    for (const key of keys) pipe.hmget(this.keys('finding', key), 'state', 'm');
    const res = (await pipe.exec()) ?? [];
    return res.map(([, v], i) => {
      const [state, m] = (v as (string | null)[]) ?? [];
      return { key: keys[i] as string, ...(state ? { state } : {}), ...(m ? { member: JSON.parse(m) } : {}) };
    });
  }

  async markCard(
    key: FindingKey,
    fields: Partial<Pick<FindingRecord, 'state' | 'cardId' | 'ts'>>,
  ): Promise<void> {
    await this.redis.hset(this.keys('finding', key), fields as Record<string, string>);
  }

  async markMany(
    keys: FindingKey[],
    fields: Partial<Pick<FindingRecord, 'state' | 'cardId' | 'ts'>>,
  ): Promise<void> {
    const pipe = this.redis.pipeline();
    for (const key of keys) pipe.hset(this.keys('finding', key), fields as Record<string, string>);
    await pipe.exec();
  }

  channels(): Promise<string[]> {
    return this.redis.smembers(this.keys('outbox-channels'));
  }

  backlog(channel: string): Promise<number> {
    return this.redis.zcard(this.keys('outbox', channel));
  }

  /**
   * Tries to take the channel's post slot for `slotMs` and pops the channel's next finding; null
   * when the slot is someone else's or nothing is queued. With `heldToken` the caller already
   * holds the slot (from `ChannelSlots.acquire`): the pop happens under it, or not at all.
   */
  async take(
    channel: string,
    slotMs: number,
    heldToken?: string,
  ): Promise<{ id: string; score: number; token: string } | null> {
    const token = heldToken ?? randomBytes(8).toString('hex');
    const res = (await this.redis.eval(
      TAKE,
      3,
      this.keys('outbox', channel),
      slotKey(this.keys, channel),
      this.keys('inflight', channel),
      String(slotMs),
      token,
      String(this.clock()),
      heldToken ? 'held' : 'new',
    )) as [string, string] | null;
    return res ? { id: res[0], score: Number(res[1]), token } : null;
  }

  async takeGroup(channel: string, groupKey: string): Promise<string[]> {
    return (await this.redis.eval(
      TAKE_GROUP,
      3,
      this.keys('outbox', channel),
      this.groupIndexKey(channel, groupKey),
      this.keys('inflight', channel),
      String(this.clock()),
    )) as string[];
  }

  /** Puts ids back in the outbox (post failed) with their priority unchanged. */
  async requeue(channel: string, items: { id: string; score: number; groupKey: string }[]): Promise<void> {
    if (!items.length) return;
    const pipe = this.redis.pipeline();
    for (const it of items) {
      pipe.zadd(this.keys('outbox', channel), it.score, it.id);
      pipe.sadd(this.groupIndexKey(channel, it.groupKey), it.id);
      pipe.hdel(this.keys('inflight', channel), it.id);
    }
    await pipe.exec();
  }

  async done(channel: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const pipe = this.redis.pipeline();
    pipe.hdel(this.keys('inflight', channel), ...ids);
    await pipe.exec();
  }

  /** Queued findings of one group key in a channel (the popped one included until dropped). */
  queuedInGroup(channel: string, groupKey: string): Promise<number> {
    return this.redis.scard(this.groupIndexKey(channel, groupKey));
  }

  async dropFromGroupIndex(channel: string, groupKey: string, id: string): Promise<void> {
    await this.redis.srem(this.groupIndexKey(channel, groupKey), id);
  }

  /**
   * Items popped by a process that died before posting go back to the outbox. `olderThanMs`
   * must exceed the longest post attempt; `only` limits it to ids this process took itself.
   */
  async recoverInflight(channel: string, olderThanMs: number, only?: string[]): Promise<number> {
    const inflight = await this.redis.hgetall(this.keys('inflight', channel));
    const cutoff = this.clock() - olderThanMs;
    const mine = only && new Set(only);
    let n = 0;
    for (const [id, at] of Object.entries(inflight)) {
      if (Number(at) > cutoff || (mine && !mine.has(id))) continue;
      const rec = await this.get(id);
      if (rec && (rec.state === 'queued' || rec.state === 'posting')) {
        await this.requeue(channel, [
          { id, score: outboxScore(rec.finding.severity, rec.ingestedAt), groupKey: rec.groupKey },
        ]);
        n++;
      } else {
        await this.redis.hdel(this.keys('inflight', channel), id);
      }
    }
    return n;
  }

  /** Keys of findings ingested between two times, newest first (for `/ecs-guard findings`). */
  async recentKeys(sinceMs: number, limit: number): Promise<string[]> {
    return this.redis.zrevrangebyscore(this.keys('findings-by-time'), '+inf', sinceMs, 'LIMIT', 0, limit);
  }

  private idIndexKey(id: string): string {
    return this.keys('finding-keys', id);
  }

  private groupIndexKey(channel: string, groupKey: string): string {
    return this.keys('outbox', channel, 'g', groupKey);
  }
}

function toRecord(key: FindingKey, h: Record<string, string>): FindingRecord {
  return {
    key,
    finding: JSON.parse(h.data as string) as Finding,
    channel: h.channel as string,
    state: (h.state ?? 'queued') as FindingRecord['state'],
    cardId: h.cardId || undefined,
    ts: h.ts || undefined,
    groupKey: h.gk ?? '',
    ingestedAt: Number(h.ingestedAt ?? 0),
  };
}
