import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { CoverageCardData } from '../coverage/model.js';
import type { GroupMember } from '../findings/group-key.js';
import type { Finding } from '../findings/model.js';
import type { Keyspace, Redis } from '../redis.js';
import type { CardState } from './blocks/card-state.js';

/** A card ecs-guard posted (Redis hash `card:<cardId>`). The button value is only `cardId`. */
export interface CardRecord {
  cardId: string;
  kind: 'finding' | 'group' | 'coverage';
  /** A finding card's finding: its store key (the finding's ARN, see findings/finding-key.ts). */
  findingKey?: string;
  groupId?: string;
  channel: string;
  ts?: string;
  /**
   * The card is not in Slack yet and a later update posts it: a group card whose first post
   * failed (not merely in flight), or a coverage card (always posted that way, at the channel's pace).
   */
  postFailed?: boolean;
  /** A coverage card's cluster coverage (what the card shows). */
  coverage?: CoverageCardData;
  /** Action state shown on the card (pending request, outcome, archived, expired). */
  state: CardState;
}

export interface GroupRecord {
  groupId: string;
  groupKey: string;
  channel: string;
  cardId: string;
  /** The first member's finding: type, cluster, service, account and region of the whole group. */
  first: Finding;
}

export const newGroupId = () => `g${randomBytes(12).toString('hex')}`;

const ID_RE = /^[cg][0-9a-f]{24}$/;
/** Card ids come back from Slack in button values: anything not of our shape is forged. */
export const isCardId = (s: unknown): s is string =>
  typeof s === 'string' && ID_RE.test(s) && s.startsWith('c');

export const GROUP_OPEN_MS = 10 * 60_000;

const SET_STATE_IF = `
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
return 1
`;

/** Default retention of card, finding and request records after the finding was last seen. */
export const DEFAULT_RETENTION_MS = 90 * 86_400_000;

/** A card with a pending or running request is open: it is kept until that is decided. */
const isOpen = (s: CardState | undefined) => Boolean(s?.pending || s?.running);

export class CardStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keyspace,
    private readonly clock: Clock,
    /** Cards expire this long after their finding was last seen (open cards are kept). */
    private readonly retentionMs: number = DEFAULT_RETENTION_MS,
  ) {}

  /** Keeps an open card; gives a closed one the retention from now (its finding was just seen or acted on). */
  private async retain(cardId: string, state: CardState | undefined): Promise<void> {
    const key = this.keys('card', cardId);
    if (isOpen(state)) await this.redis.persist(key);
    else await this.redis.pexpire(key, this.retentionMs);
  }

  /** The finding of this card was seen again: the retention starts over (open cards stay kept). */
  async touch(cardId: string): Promise<void> {
    const raw = await this.redis.hget(this.keys('card', cardId), 'state');
    if (raw === null) return;
    await this.retain(cardId, JSON.parse(raw) as CardState);
  }

  async create(rec: Omit<CardRecord, 'ts'>): Promise<void> {
    await this.redis.hset(this.keys('card', rec.cardId), {
      kind: rec.kind,
      findingKey: rec.findingKey ?? '',
      groupId: rec.groupId ?? '',
      channel: rec.channel,
      state: JSON.stringify(rec.state),
      ...(rec.postFailed ? { postFailed: '1' } : {}),
      ...(rec.coverage ? { coverage: JSON.stringify(rec.coverage) } : {}),
    });
    if (rec.postFailed) await this.redis.sadd(this.keys('owed-posts', rec.channel), rec.cardId);
    await this.retain(rec.cardId, rec.state);
  }

  async setCoverage(cardId: string, coverage: CoverageCardData): Promise<void> {
    await this.redis.hset(this.keys('card', cardId), 'coverage', JSON.stringify(coverage));
  }

  async get(cardId: string): Promise<CardRecord | undefined> {
    if (!isCardId(cardId)) return undefined;
    const h = await this.redis.hgetall(this.keys('card', cardId));
    if (!h.kind) return undefined;
    return {
      cardId,
      kind: h.kind as CardRecord['kind'],
      findingKey: h.findingKey || undefined,
      groupId: h.groupId || undefined,
      channel: h.channel as string,
      ts: h.ts || undefined,
      ...(h.postFailed ? { postFailed: true } : {}),
      ...(h.coverage ? { coverage: JSON.parse(h.coverage) as CoverageCardData } : {}),
      state: JSON.parse(h.state ?? '{}') as CardState,
    };
  }

  async setTs(cardId: string, ts: string): Promise<void> {
    const key = this.keys('card', cardId);
    const channel = await this.redis.hget(key, 'channel');
    const tx = this.redis.multi().hset(key, 'ts', ts).hdel(key, 'postFailed');
    if (channel) tx.srem(this.keys('owed-posts', channel), cardId);
    await tx.exec();
  }

  async markPostFailed(cardId: string): Promise<void> {
    const key = this.keys('card', cardId);
    const channel = await this.redis.hget(key, 'channel');
    const tx = this.redis.multi().hset(key, 'postFailed', '1');
    if (channel) tx.sadd(this.keys('owed-posts', channel), cardId);
    await tx.exec();
  }

  /**
   * Whether a card is owed a first post in this channel (a group card whose post failed, a new
   * coverage card): Details replies wait for it, so a card never queues behind a thread reply.
   */
  async hasOwedPost(channel: string): Promise<boolean> {
    const key = this.keys('owed-posts', channel);
    for (const cardId of await this.redis.smembers(key)) {
      if (await this.redis.hexists(this.keys('card', cardId), 'postFailed')) return true;
      await this.redis.srem(key, cardId); // expired or posted without us seeing it
    }
    return false;
  }

  async setState(cardId: string, state: CardState): Promise<void> {
    await this.redis.hset(this.keys('card', cardId), 'state', JSON.stringify(state));
    await this.retain(cardId, state);
  }

  /**
   * Read-modify-write of a card's state as compare-and-set (a Lua script checks the state is
   * still what `change` saw), so two clicks on one card never lose an update and no connection is
   * opened per click. `change` returns the new state, or undefined to leave it unchanged.
   */
  async updateState(
    cardId: string,
    change: (s: CardState) => CardState | undefined,
  ): Promise<CardState | undefined> {
    const key = this.keys('card', cardId);
    for (let attempt = 0; attempt < 50; attempt++) {
      const raw = await this.redis.hget(key, 'state');
      if (raw === null) return undefined;
      const next = change(JSON.parse(raw) as CardState);
      if (!next) return JSON.parse(raw) as CardState;
      if ((await this.redis.eval(SET_STATE_IF, 1, key, raw, JSON.stringify(next))) === 1) {
        await this.retain(cardId, next);
        return next;
      }
    }
    throw new Error(`card ${cardId}: too much contention updating state`);
  }

  // --- groups -------------------------------------------------------------------------------

  async createGroup(g: GroupRecord, members: GroupMember[]): Promise<void> {
    const pipe = this.redis.multi();
    pipe.hset(this.keys('group', g.groupId), {
      groupKey: g.groupKey,
      channel: g.channel,
      cardId: g.cardId,
      first: JSON.stringify(g.first),
    });
    this.addMembersTo(pipe, g.groupId, members);
    pipe.set(this.keys('group-open', g.channel, g.groupKey), g.groupId, 'PX', GROUP_OPEN_MS);
    await pipe.exec();
  }

  async openGroup(channel: string, groupKey: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys('group-open', channel, groupKey))) ?? undefined;
  }

  async addToGroup(
    groupId: string,
    channel: string,
    groupKey: string,
    members: GroupMember[],
  ): Promise<void> {
    const pipe = this.redis.multi();
    this.addMembersTo(pipe, groupId, members);
    pipe.pexpire(this.keys('group-open', channel, groupKey), GROUP_OPEN_MS);
    await pipe.exec();
  }

  /** The group without its members: cheap however large the group (joining it, refreshing it). */
  async getGroupHeader(groupId: string): Promise<Omit<GroupRecord, 'first'> | undefined> {
    const [groupKey, channel, cardId] = await this.redis.hmget(
      this.keys('group', groupId),
      'groupKey',
      'channel',
      'cardId',
    );
    if (!groupKey || !channel || !cardId) return undefined;
    return { groupId, groupKey, channel, cardId };
  }

  /** The whole group with every member line (rendering the group card). */
  async getGroup(groupId: string): Promise<(GroupRecord & { members: GroupMember[] }) | undefined> {
    const h = await this.redis.hgetall(this.keys('group', groupId));
    if (!h.groupKey) return undefined;
    const raw = await this.redis.hgetall(this.keys('group', groupId, 'members'));
    const members = Object.values(raw).map((v) => JSON.parse(v) as GroupMember);
    return {
      groupId,
      groupKey: h.groupKey,
      channel: h.channel as string,
      cardId: h.cardId as string,
      first: JSON.parse(h.first as string) as Finding,
      members,
    };
  }

  // --- debounced card updates -----------------------------------------------------------------

  /** Asks for the card to be re-rendered and `chat.update`d after `delayMs` (coalescing repeats). */
  async scheduleUpdate(cardId: string, delayMs = 1000): Promise<void> {
    await this.redis.zadd(this.keys('updates'), 'NX', this.clock() + delayMs, cardId);
  }

  /** Claims up to `n` due updates; each is returned to exactly one caller across replicas. */
  async claimDueUpdates(n: number): Promise<string[]> {
    const due = await this.redis.zrangebyscore(this.keys('updates'), 0, this.clock(), 'LIMIT', 0, n);
    const claimed: string[] = [];
    for (const id of due) if ((await this.redis.zrem(this.keys('updates'), id)) === 1) claimed.push(id);
    return claimed;
  }

  pendingUpdates(): Promise<number> {
    return this.redis.zcard(this.keys('updates'));
  }

  private addMembersTo(pipe: ReturnType<Redis['multi']>, groupId: string, members: GroupMember[]): void {
    if (!members.length) return;
    const flat: string[] = [];
    for (const m of members) flat.push(m.id, JSON.stringify(m));
    pipe.hset(this.keys('group', groupId, 'members'), ...flat);
  }
}
