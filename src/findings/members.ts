import { type GuardDutyClient, ListMembersCommand } from '@aws-sdk/client-guardduty';
import type { Keyspace, Redis } from '../redis.js';

/** Member lists change rarely (an account joins the organisation); five minutes is fresh enough. */
export const MEMBERS_TTL_S = 300;

/**
 * The accounts whose findings the administrator detector may report: its own account and its
 * associated members (ListMembers), cached in Redis per region. A pushed event naming any other
 * account is refused without a GetFindings call.
 */
export class DetectorAccounts {
  constructor(
    private readonly deps: { redis: Redis; keys: Keyspace; homeAccountId: () => Promise<string> },
  ) {}

  async allowed(gd: GuardDutyClient, detectorId: string, region: string): Promise<Set<string>> {
    const key = this.deps.keys('detector-accounts', region);
    const cached = await this.deps.redis.get(key);
    if (cached) return new Set(JSON.parse(cached) as string[]);
    const accounts = [await this.deps.homeAccountId()];
    let next: string | undefined;
    do {
      const page = await gd.send(
        new ListMembersCommand({
          DetectorId: detectorId,
          OnlyAssociated: 'true',
          MaxResults: 50,
          NextToken: next,
        }),
      );
      for (const m of page.Members ?? []) if (m.AccountId) accounts.push(m.AccountId);
      next = page.NextToken || undefined;
    } while (next);
    await this.deps.redis.set(key, JSON.stringify(accounts), 'EX', MEMBERS_TTL_S);
    return new Set(accounts);
  }
}
