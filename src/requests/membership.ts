import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';
import type { Keyspace, Redis } from '../redis.js';
import { isIn, type MembershipTest } from './policy.js';

/** usergroups.users.list is Tier 2 (~20/min): membership is cached in Redis for a few minutes. */
export const GROUP_CACHE_MS = 3 * 60_000;

/**
 * Resolves Slack user groups (`S…`) named in approver/requester lists to their members, through
 * `usergroups.users.list`, cached in Redis so all replicas share one lookup. A group that cannot
 * be read counts as empty (and is logged): failing closed, never open.
 */
export class GroupResolver {
  constructor(
    private readonly deps: { slack: WebClient; redis: Redis; keys: Keyspace; log: Logger },
    private readonly ttlMs = GROUP_CACHE_MS,
  ) {}

  async members(groupId: string, opts: { fresh?: boolean } = {}): Promise<Set<string>> {
    const key = this.deps.keys('usergroup', groupId);
    const cached = opts.fresh ? null : await this.deps.redis.get(key);
    if (cached !== null) return new Set(JSON.parse(cached) as string[]);
    try {
      const res = await this.deps.slack.usergroups.users.list({ usergroup: groupId });
      const users = (res.users ?? []).filter((u): u is string => typeof u === 'string');
      await this.deps.redis.set(key, JSON.stringify(users), 'PX', this.ttlMs);
      return new Set(users);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, groupId }, 'cannot read user group members');
      return new Set();
    }
  }

  /** A synchronous membership test over every group the given principal lists mention. */
  test(...lists: (string[] | undefined)[]): Promise<MembershipTest> {
    return this.membershipTest(lists, false);
  }

  /**
   * The same test read fresh from Slack (and the cache refreshed), for decisions that make
   * something run (Approve, Confirm, Retry, Restore): someone just removed from an approver
   * group cannot approve on the strength of a few-minutes-old cache. A failed read fails closed.
   */
  fresh(...lists: (string[] | undefined)[]): Promise<MembershipTest> {
    return this.membershipTest(lists, true);
  }

  private async membershipTest(lists: (string[] | undefined)[], fresh: boolean): Promise<MembershipTest> {
    const ids = [...new Set(lists.flatMap((l) => l ?? []).filter((p) => p.startsWith('S')))];
    const groups = new Map<string, Set<string>>();
    await Promise.all(ids.map(async (g) => groups.set(g, await this.members(g, { fresh }))));
    return (principals, userId) => isIn(principals, userId, groups);
  }
}
