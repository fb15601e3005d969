/**
 * The poll side of coverage-gap alerts: each poll run reads the region's ECS coverage
 * (ListCoverage through the administrator detector, members' clusters included) and compares it
 * with what the previous run saw (Redis). Changed clusters go to `applyCoverage`. The first run of
 * a region records the baseline without alerting: gaps that were already there when ecs-guard
 * started are what `/ecs-guard coverage` lists; the alert is about a cluster that breaks later.
 */
import { type CoverageRow, detectorIdOf, listEcsCoverage } from '../aws/coverage.js';
import type { AppContext } from '../context.js';
import {
  applyCoverage,
  type CoverageOutcome,
  type CoverageSnapshot,
  sameSnapshot,
  seenField,
  snapshotOf,
} from './alerts.js';

export interface CoverageDiff {
  changed: CoverageRow[];
  /** Fields of clusters no longer in coverage (deleted clusters). */
  gone: string[];
}

/** Pure: rows whose snapshot differs from (or is missing in) what was seen. */
export function diffCoverage(seen: Record<string, string>, rows: CoverageRow[]): CoverageDiff {
  const changed: CoverageRow[] = [];
  const present = new Set<string>();
  for (const r of rows) {
    const field = seenField(r);
    present.add(field);
    let prev: CoverageSnapshot | undefined;
    try {
      prev = seen[field] ? (JSON.parse(seen[field]) as CoverageSnapshot) : undefined;
    } catch {
      prev = undefined;
    }
    if (!sameSnapshot(prev, snapshotOf(r))) changed.push(r);
  }
  return { changed, gone: Object.keys(seen).filter((f) => !present.has(f)) };
}

export interface CoverageWatchResult {
  region: string;
  clusters: number;
  changed: number;
  baseline: boolean;
  outcomes: Partial<Record<CoverageOutcome, number>>;
}

export async function watchCoverage(ctx: AppContext, region: string): Promise<CoverageWatchResult> {
  const gd = await ctx.aws.guardDuty({ region });
  const detectorId = (await ctx.poller.detectorId(gd, region)) ?? (await detectorIdOf(gd, region));
  const rows = await listEcsCoverage(gd, detectorId, region);
  const seenKey = ctx.keys('coverage', 'seen', region);
  const baselineKey = ctx.keys('coverage', 'baseline', region);
  const [seen, hasBaseline] = await Promise.all([ctx.redis.hgetall(seenKey), ctx.redis.exists(baselineKey)]);
  const diff = diffCoverage(seen, rows);
  const alert = hasBaseline === 1;
  const outcomes: CoverageWatchResult['outcomes'] = {};
  for (const r of diff.changed) {
    const o = await applyCoverage(ctx, r, 'poll', { alert });
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  if (diff.gone.length) await ctx.redis.hdel(seenKey, ...diff.gone);
  if (!alert) await ctx.redis.set(baselineKey, String(ctx.clock()));
  return { region, clusters: rows.length, changed: diff.changed.length, baseline: !alert, outcomes };
}
