/**
 * The push side of coverage-gap alerts: EventBridge `GuardDuty Runtime Protection Unhealthy` /
 * `Healthy` events (source `aws.guardduty`; detail `{schemaVersion, resourceAccountId,
 * currentStatus, previousStatus, resourceDetails:{resourceType:"ECS", ecsClusterDetails:{…}},
 * issue, lastUpdatedAt}`). A health event carries no finding to look up, so its body is only a
 * hint: the cluster it names is re-read with ListCoverage through the administrator detector and
 * what GuardDuty says now is applied, never the body.
 */
import { detectorIdOf, listEcsCoverage } from '../aws/coverage.js';
import type { AppContext } from '../context.js';
import { applyCoverage, type CoverageOutcome } from './alerts.js';

export const HEALTH_DETAIL_TYPES: readonly string[] = [
  'GuardDuty Runtime Protection Unhealthy',
  'GuardDuty Runtime Protection Healthy',
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const isHealthEvent = (ev: unknown): boolean =>
  isObj(ev) && HEALTH_DETAIL_TYPES.includes(String(ev['detail-type']));

export interface HealthHint {
  accountId: string;
  region: string;
  cluster: string;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const CLUSTER = /^[A-Za-z0-9_-]{1,255}$/;

/** The cluster an event names, or why it is not one ecs-guard handles. Pure. */
export function healthHint(ev: unknown): HealthHint | { ignore: string } {
  if (!isObj(ev) || !isObj(ev.detail)) return { ignore: 'health event without a detail object' };
  if (ev.source !== undefined && ev.source !== 'aws.guardduty')
    return { ignore: 'health event not from aws.guardduty' };
  const d = ev.detail;
  const details = isObj(d.resourceDetails) ? d.resourceDetails : {};
  if (details.resourceType !== 'ECS')
    return {
      ignore: `health event for ${String(details.resourceType ?? 'no').slice(0, 20)} resource, not ECS`,
    };
  const cluster = isObj(details.ecsClusterDetails) ? details.ecsClusterDetails.clusterName : undefined;
  const accountId = d.resourceAccountId ?? ev.account;
  const region = ev.region;
  if (typeof accountId !== 'string' || !ACCOUNT.test(accountId))
    return { ignore: 'health event without a valid account id' };
  if (typeof region !== 'string' || !REGION.test(region))
    return { ignore: 'health event without a valid region' };
  if (typeof cluster !== 'string' || !CLUSTER.test(cluster))
    return { ignore: 'health event without a valid ECS cluster name' };
  return { accountId, region, cluster };
}

export interface HealthIngestResult {
  verified: number;
  outcomes: Partial<Record<CoverageOutcome, number>>;
  ignored: { reason: string }[];
}

/** Verifies each event's cluster with GuardDuty and applies what GuardDuty reports. */
export async function ingestHealthEvents(ctx: AppContext, events: unknown[]): Promise<HealthIngestResult> {
  const out: HealthIngestResult = { verified: 0, outcomes: {}, ignored: [] };
  for (const ev of events) {
    const h = healthHint(ev);
    if ('ignore' in h) {
      out.ignored.push({ reason: h.ignore });
      continue;
    }
    if (!ctx.config.regions.includes(h.region)) {
      out.ignored.push({ reason: `health event for ${h.region}, a region ecs-guard does not watch` });
      continue;
    }
    const gd = await ctx.aws.guardDuty({ region: h.region });
    const detectorId = (await ctx.poller.detectorId(gd, h.region)) ?? (await detectorIdOf(gd, h.region));
    const rows = await listEcsCoverage(gd, detectorId, h.region, {
      cluster: h.cluster,
      accountId: h.accountId,
    });
    const row = rows.find((r) => r.cluster === h.cluster && r.accountId === h.accountId);
    if (!row) {
      out.ignored.push({
        reason: `cluster ${h.cluster} of ${h.accountId} is not in GuardDuty coverage (event not confirmed)`,
      });
      continue;
    }
    out.verified++;
    const o = await applyCoverage(ctx, row, 'push', { alert: true });
    out.outcomes[o] = (out.outcomes[o] ?? 0) + 1;
  }
  return out;
}
