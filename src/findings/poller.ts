import { type Condition, type GuardDutyClient, ListFindingsCommand } from '@aws-sdk/client-guardduty';
import type { AwsClients } from '../aws/clients.js';
import { findDetectorId } from '../aws/coverage.js';
import { describeAwsError } from '../aws/errors.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Keyspace, Redis } from '../redis.js';
import { GD_BATCH, getFindings } from './get-findings.js';
import type { SeverityLabel } from './model.js';
import type { Pipeline } from './pipeline.js';
import type { PollHealth, PollHealthStore } from './poll-health.js';
import type { FindingStore } from './store.js';

/** Each poll looks back this far before the cursor, so findings updated during a poll are not missed. */
export const POLL_OVERLAP_MS = 2 * 60_000;
/** First poll of a region (no cursor yet) looks back this far. */
export const FIRST_POLL_LOOKBACK_MS = 60 * 60_000;
/** How often cards still open are re-read to notice findings archived in GuardDuty. */
export const RECONCILE_EVERY_MS = 5 * 60_000;
const DETECTOR_TTL_S = 3600;
/** The first AWS call of a poll that failed, if one did. */
interface PollStep {
  failed?: string;
}

/** Pages whose GetFindings may be in flight at once while ListFindings pages on. */
export const FETCH_WINDOW = 4;

const MIN_SEVERITY: Record<SeverityLabel, number> = { Low: 1, Medium: 4, High: 7, Critical: 9 };

export interface PollResult {
  region: string;
  detectorId?: string;
  listed: number;
  fetched: number;
  new: number;
  updated: number;
  cursor: number;
  reconciled: number;
}

/**
 * One poll of one region: ListFindings (ECS clusters, not archived, ≥ min severity, updated since
 * the cursor minus an overlap) → GetFindings in batches of 50 → the pipeline. The cursor moves
 * only after the pipeline has the findings, so a crash repeats a poll (deduped) instead of
 * skipping one.
 */
export class Poller {
  constructor(
    private readonly deps: {
      aws: AwsClients;
      redis: Redis;
      keys: Keyspace;
      pipeline: Pipeline;
      findings: FindingStore;
      log: Logger;
      metrics?: Metrics;
      clock: Clock;
      minSeverity: SeverityLabel;
      /** Where each poll's outcome is recorded (status, metrics, readiness, the alert notice). */
      health?: PollHealthStore;
    },
  ) {}

  async detectorId(gd: GuardDutyClient, region: string): Promise<string | undefined> {
    const key = this.deps.keys('detector', region);
    const cached = await this.deps.redis.get(key);
    if (cached) return cached;
    const id = await findDetectorId(gd);
    if (id) await this.deps.redis.set(key, id, 'EX', DETECTOR_TTL_S);
    return id;
  }

  /** One poll of `region`; its outcome (success, or the failure in words) goes to the poll health. */
  async poll(region: string): Promise<PollResult> {
    const step: PollStep = {};
    try {
      const result = await this.pollOnce(region, step);
      if (result.detectorId) await this.deps.health?.recordSuccess(region);
      else
        await this.deps.health?.recordFailure(
          region,
          `no GuardDuty detector in ${region}: enable GuardDuty there, or remove the region from ECS_GUARD_REGIONS`,
        );
      return result;
    } catch (err) {
      const info = describeAwsError(err, { operation: step.failed });
      await this.deps.health
        ?.recordFailure(region, step.failed ? `${step.failed}: ${info.message}` : info.message)
        .catch((e: Error) => this.deps.log.warn({ err: e.message, region }, 'could not record poll failure'));
      throw err;
    }
  }

  private async pollOnce(region: string, step: PollStep): Promise<PollResult> {
    const { aws, redis, keys, clock, pipeline, metrics, log } = this.deps;
    // Notes which AWS call failed first, for the words of the failure.
    const failedAt =
      (operation: string) =>
      (err: unknown): never => {
        step.failed ??= operation;
        throw err;
      };
    const gd = await aws.guardDuty({ region });
    const detectorId = await this.detectorId(gd, region).catch(failedAt('ListDetectors'));
    const started = clock();
    const cursorKey = keys('poll', 'cursor', region);
    const cursor = Number((await redis.get(cursorKey)) ?? started - FIRST_POLL_LOOKBACK_MS);
    const result: PollResult = {
      region,
      detectorId,
      listed: 0,
      fetched: 0,
      new: 0,
      updated: 0,
      cursor,
      reconciled: 0,
    };
    if (!detectorId) {
      log.warn({ region }, 'no GuardDuty detector in region; nothing to poll');
      metrics?.pollRuns.inc({ region, outcome: 'no-detector' });
      return result;
    }
    const criterion: Record<string, Condition> = {
      'resource.resourceType': { Equals: ['ECSCluster', 'AttackSequence'] },
      'service.archived': { Equals: ['false'] },
      severity: { GreaterThanOrEqual: MIN_SEVERITY[this.deps.minSeverity] },
      updatedAt: { GreaterThanOrEqual: Math.max(0, cursor - POLL_OVERLAP_MS) },
    };
    let next: string | undefined;
    let newest = cursor;
    // ListFindings pages one after another (each needs the last NextToken), while each page's
    // GetFindings runs beside the next ListFindings, so a burst pays AWS latency about once per
    // page instead of twice. Pages are still ingested in order, and at most FETCH_WINDOW pages
    // are in flight (bounded memory).
    const ingested: Promise<void>[] = [];
    // Ids this poll asks GetFindings for: the reconcile below need not read them again.
    const fetchedIds = new Set<string>();
    let chain: Promise<void> = Promise.resolve();
    do {
      const page = await gd
        .send(
          new ListFindingsCommand({
            DetectorId: detectorId,
            FindingCriteria: { Criterion: criterion },
            SortCriteria: { AttributeName: 'updatedAt', OrderBy: 'ASC' },
            MaxResults: GD_BATCH,
            NextToken: next,
          }),
        )
        .catch(failedAt('ListFindings'));
      const ids = page.FindingIds ?? [];
      result.listed += ids.length;
      if (ids.length) {
        for (const id of ids) fetchedIds.add(id);
        const got = getFindings(gd, detectorId, ids).catch(failedAt('GetFindings'));
        const previous = chain;
        chain = (async () => {
          const [res] = await Promise.all([got, previous]);
          const raws = res.findings;
          result.fetched += raws.length;
          const r = await pipeline.ingestRaw(raws, 'poll');
          result.new += r.new;
          result.updated += r.updated;
          for (const f of raws) newest = Math.max(newest, Date.parse(f.UpdatedAt ?? '') || 0);
        })();
        // A failure surfaces through the final await; this only keeps Node from calling it unhandled.
        chain.catch(() => {});
        ingested.push(chain);
        if (ingested.length >= FETCH_WINDOW) await ingested.shift();
      }
      next = page.NextToken || undefined;
    } while (next);
    await chain;

    result.reconciled = await this.reconcile(gd, detectorId, region, fetchedIds).catch(
      failedAt('GetFindings'),
    );
    // The cursor never passes "now" (clock skew between us and GuardDuty is covered by the overlap).
    result.cursor = Math.min(Math.max(newest, cursor), started);
    await redis.set(cursorKey, String(result.cursor));
    await redis.set(keys('poll', 'last', region), JSON.stringify({ at: clock(), ...result }));
    metrics?.pollRuns.inc({ region, outcome: 'ok' });
    metrics?.pollLag.set({ region }, Math.max(0, (clock() - result.cursor) / 1000));
    log.debug({ poll: result }, 'poll finished');
    return result;
  }

  /**
   * Re-reads findings whose cards are still open (at most every RECONCILE_EVERY_MS), so a finding
   * archived in GuardDuty updates its card even if archiving did not move its `updatedAt`. Ids
   * this poll already fetched are fresh and skipped (re-reading them cost a burst 25 % more calls).
   */
  private async reconcile(
    gd: GuardDutyClient,
    detectorId: string,
    region: string,
    fetched: ReadonlySet<string>,
  ): Promise<number> {
    const { redis, keys, clock, findings, pipeline } = this.deps;
    const gate = await redis.set(keys('poll', 'reconcile', region), '1', 'PX', RECONCILE_EVERY_MS, 'NX');
    if (gate !== 'OK') return 0;
    const ids = await findings.recentKeys(clock() - 24 * 3600_000, 500);
    const recs = await findings.getMany(ids);
    const open = recs
      .filter(
        (r) =>
          r &&
          r.finding.region === region &&
          !r.finding.archived &&
          r.state !== 'failed' &&
          !fetched.has(r.finding.id),
      )
      .map((r) => r?.finding.id as string);
    let n = 0;
    for (let i = 0; i < open.length; i += GD_BATCH) {
      const { findings: got } = await getFindings(gd, detectorId, open.slice(i, i + GD_BATCH));
      n += (await pipeline.ingestRaw(got, 'poll')).updated;
    }
    return n;
  }

  /** How polling of `region` is doing (last success, failing since, last error). */
  async health(region: string): Promise<PollHealth | undefined> {
    return this.deps.health?.get(region);
  }

  async lastPoll(region: string): Promise<(PollResult & { at: number }) | undefined> {
    const raw = await this.deps.redis.get(this.deps.keys('poll', 'last', region));
    return raw ? JSON.parse(raw) : undefined;
  }
}
