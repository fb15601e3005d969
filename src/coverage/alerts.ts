/**
 * Coverage-gap alerts: a cluster's verified coverage (a ListCoverage row, from the poll diff or
 * from re-reading GuardDuty after an EventBridge health event) becomes one card per cluster in
 * the coverage channel. A cluster that turns UNHEALTHY gets a card; changes while it stays
 * UNHEALTHY and its recovery update that card in place; if it breaks again after recovering, a
 * new card is posted (the old one keeps saying when the earlier gap closed).
 *
 * Cards go through the outbox's paced post/update path (kind `coverage`), so the channel's
 * 1 post/s holds. State (Redis, through the keyspace; each operation touches one key):
 *   coverage:seen:<region>                     hash <account>/<cluster> → last verified snapshot
 *   coverage:card:<account>:<region>:<cluster> the cluster's current card id
 *   coverage:lock:<account>:<region>:<cluster> short lock so poll and push decide one at a time
 */
import { randomBytes } from 'node:crypto';
import type { CoverageRow } from '../aws/coverage.js';
import type { AppContext } from '../context.js';
import { newCardId } from '../findings/store.js';
import { type CoverageCardData, type CoverageSource, clusterKey } from './model.js';
import { runningUncovered } from './uncovered.js';

type Ctx = Pick<AppContext, 'config' | 'redis' | 'keys' | 'cards' | 'aws' | 'log' | 'clock'>;

/** What the poll diff compares between runs. */
export interface CoverageSnapshot {
  status: string;
  issue?: string;
  issues: string[];
  managementType?: string;
}

export const snapshotOf = (r: CoverageRow): CoverageSnapshot => ({
  status: r.status,
  ...(r.issue ? { issue: r.issue } : {}),
  issues: r.issues,
  ...(r.managementType ? { managementType: r.managementType } : {}),
});

export const sameSnapshot = (a: CoverageSnapshot | undefined, b: CoverageSnapshot): boolean =>
  !!a &&
  a.status === b.status &&
  (a.issue ?? '') === (b.issue ?? '') &&
  a.issues.join('\n') === b.issues.join('\n') &&
  (a.managementType ?? '') === (b.managementType ?? '');

/** Field of the region's `coverage:seen` hash for a row. */
export const seenField = (r: Pick<CoverageRow, 'accountId' | 'cluster'>) => `${r.accountId}/${r.cluster}`;

const LOCK_MS = 15_000;

async function withClusterLock<T>(ctx: Ctx, r: CoverageRow, fn: () => Promise<T>): Promise<T> {
  const key = ctx.keys('coverage', 'lock', r.accountId, r.region, r.cluster);
  const token = randomBytes(8).toString('hex');
  for (let i = 0; i < 50; i++) {
    if ((await ctx.redis.set(key, token, 'PX', LOCK_MS, 'NX')) === 'OK') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  try {
    return await fn();
  } finally {
    await ctx.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      key,
      token,
    );
  }
}

export type CoverageOutcome = 'posted' | 'updated' | 'recovered' | 'unchanged' | 'recorded';

/**
 * Applies one verified coverage row. `alert: false` only records it (the first poll of a region
 * sets the baseline without posting about gaps that were already there).
 */
export async function applyCoverage(
  ctx: Ctx,
  r: CoverageRow,
  source: CoverageSource,
  opts: { alert: boolean },
): Promise<CoverageOutcome> {
  return withClusterLock(ctx, r, async () => {
    const snap = snapshotOf(r);
    await ctx.redis.hset(ctx.keys('coverage', 'seen', r.region), seenField(r), JSON.stringify(snap));
    if (!opts.alert) return 'recorded';
    const pointer = ctx.keys('coverage', 'card', r.accountId, r.region, r.cluster);
    const cardId = await ctx.redis.get(pointer);
    const card = cardId ? await ctx.cards.get(cardId) : undefined;
    const open = card?.coverage && card.coverage.recoveredAt === undefined ? card.coverage : undefined;
    const now = ctx.clock();
    const healthy = r.status === 'HEALTHY';
    const base = {
      accountId: r.accountId,
      region: r.region,
      cluster: r.cluster,
      status: r.status,
      ...(r.issue ? { issue: r.issue } : {}),
      issues: r.issues,
      ...(r.managementType ? { managementType: r.managementType } : {}),
      ...(r.updatedAt ? { updatedAt: r.updatedAt } : {}),
      source,
    };
    if (healthy) {
      if (!open || !card) return 'unchanged';
      const closed: CoverageCardData = { ...base, since: open.since, recoveredAt: now };
      await ctx.cards.setCoverage(card.cardId, closed);
      await ctx.cards.scheduleUpdate(card.cardId, 0);
      ctx.log.info(
        { cluster: clusterKey(r), source, cardId: card.cardId },
        'coverage restored; card updated',
      );
      return 'recovered';
    }
    if (open && card && sameSnapshot(snapshotOfCard(open), snap) && source === 'poll') return 'unchanged';
    const data: CoverageCardData = {
      ...base,
      since: open?.since ?? now,
      ...(await runningUncovered(ctx, r)),
    };
    if (open && card) {
      await ctx.cards.setCoverage(card.cardId, data);
      await ctx.cards.scheduleUpdate(card.cardId, 0);
      return 'updated';
    }
    const id = newCardId();
    const channel = ctx.config.slack.coverageChannel;
    await ctx.cards.create({
      cardId: id,
      kind: 'coverage',
      channel,
      state: { cardId: id },
      postFailed: true,
      coverage: data,
    });
    await ctx.redis.set(pointer, id);
    await ctx.cards.scheduleUpdate(id, 0);
    ctx.log.info({ cluster: clusterKey(r), source, cardId: id, channel }, 'coverage gap; card queued');
    return 'posted';
  });
}

const snapshotOfCard = (d: CoverageCardData): CoverageSnapshot => ({
  status: d.status,
  ...(d.issue ? { issue: d.issue } : {}),
  issues: d.issues,
  ...(d.managementType ? { managementType: d.managementType } : {}),
});

/** The cluster's current coverage card id, if it has one. */
export async function coverageCardOf(
  ctx: Pick<AppContext, 'redis' | 'keys'>,
  c: Pick<CoverageRow, 'accountId' | 'region' | 'cluster'>,
): Promise<string | undefined> {
  return (await ctx.redis.get(ctx.keys('coverage', 'card', c.accountId, c.region, c.cluster))) ?? undefined;
}
