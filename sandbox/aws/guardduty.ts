import { addAttackSequence } from './attack-sequence.js';
import { AwsServiceError, gdBadRequest } from './aws-error.js';
import { agentInjected, monitoringEnabled } from './coverage-health.js';
import { type Condition, matchesCriteria, sortBy, validateCriterion, valuesAt } from './criteria.js';
import { makeFinding } from './finding-factory.js';
import { createFilter, deleteFilter, getFilter, listFilters, updateFilter } from './guardduty-filters.js';
import type { GdRoute } from './guardduty-routes.js';
import { randomHex } from './ids.js';
import { page } from './paging.js';
import type { RequestContext } from './request-context.js';
import { RUNTIME_FINDING_TYPES } from './runtime-types.js';
import { type AwsState, lastSegment, type RegionStore } from './state.js';
import type { EcsTask, WireCoverageResource, WireDetectorFeature, WireFinding } from './wire-types.js';

type Body = Record<string, unknown>;
export interface GdInput {
  route: GdRoute;
  query: URLSearchParams;
  body: Body;
}

const NOT_OWNED = 'The request is rejected because the input detectorId is not owned by the current account.';

function ownStore(ctx: RequestContext, detectorId: string | undefined): RegionStore {
  const s = ctx.state.store(ctx.accountId, ctx.region);
  if (!detectorId || s.detector?.detectorId !== detectorId) throw gdBadRequest(NOT_OWNED);
  return s;
}

function maxResults(v: unknown, dflt = 50): number {
  if (v === undefined || v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 50)
    throw gdBadRequest(
      'The request is rejected because the parameter maxResults has an invalid value. It must be between 1 and 50.',
    );
  return n;
}

function paged<T>(all: T[], token: unknown, max: number) {
  const p = page(all, typeof token === 'string' ? token : undefined, max);
  if (!p) throw gdBadRequest('The request is rejected because the input nextToken is not valid.');
  return p;
}

function findingIds(body: Body): string[] {
  const ids = body.findingIds;
  if (!Array.isArray(ids))
    throw gdBadRequest('The request is rejected because the findingIds parameter is missing.');
  if (ids.length > 50)
    throw gdBadRequest('The request is rejected because findingIds has more than 50 items.');
  return ids.map(String);
}

const criterionOf = (body: Body, key = 'findingCriteria'): Record<string, Condition> | undefined =>
  ((body[key] as Body | undefined)?.criterion as Record<string, Condition> | undefined) ?? undefined;

function sortCriteria(body: Body): { attributeName?: string; orderBy?: string } {
  return (body.sortCriteria as { attributeName?: string; orderBy?: string } | undefined) ?? {};
}

// ---- detectors ------------------------------------------------------------------------------

function listDetectors(ctx: RequestContext, q: URLSearchParams): Body {
  const d = ctx.state.store(ctx.accountId, ctx.region).detector;
  const p = paged(d ? [d.detectorId] : [], q.get('nextToken'), maxResults(q.get('maxResults')));
  return { detectorIds: p.items, nextToken: p.nextToken };
}

function getDetector(ctx: RequestContext, route: GdRoute): Body {
  const d = ownStore(ctx, route.detectorId).detector;
  if (!d) throw gdBadRequest(NOT_OWNED);
  return {
    createdAt: d.createdAt,
    findingPublishingFrequency: d.findingPublishingFrequency,
    serviceRole: d.serviceRole,
    status: d.status,
    updatedAt: d.updatedAt,
    tags: d.tags,
    features: d.features,
  };
}

interface FeatureInput {
  name?: string;
  status?: 'ENABLED' | 'DISABLED';
  additionalConfiguration?: { name?: string; status?: 'ENABLED' | 'DISABLED' }[];
}

function updateDetector(ctx: RequestContext, route: GdRoute, body: Body): Body {
  const d = ownStore(ctx, route.detectorId).detector;
  if (!d) throw gdBadRequest(NOT_OWNED);
  const features = (body.features as FeatureInput[] | undefined) ?? [];
  const names = features.map((f) => f.name);
  if (names.includes('RUNTIME_MONITORING') && names.includes('EKS_RUNTIME_MONITORING'))
    throw gdBadRequest(
      'The request is rejected because specifying both EKS_RUNTIME_MONITORING and RUNTIME_MONITORING is not supported.',
    );
  const now = ctx.state.now();
  const sec = now / 1000;
  const store = ctx.state.store(ctx.accountId, ctx.region);
  const managedBefore = new Set(
    [...store.clusters.values()]
      .filter((c) => agentInjected(ctx.state, ctx.accountId, ctx.region, c))
      .map((c) => c.clusterName),
  );
  if (typeof body.enable === 'boolean') d.status = body.enable ? 'ENABLED' : 'DISABLED';
  if (typeof body.findingPublishingFrequency === 'string')
    d.findingPublishingFrequency = body.findingPublishingFrequency as typeof d.findingPublishingFrequency;
  for (const f of features) {
    if (!f.name) throw gdBadRequest('The request is rejected because a feature name is missing.');
    let existing = d.features.find((x) => x.name === f.name);
    if (!existing) {
      existing = { name: f.name, status: 'DISABLED', updatedAt: sec } satisfies WireDetectorFeature;
      d.features.push(existing);
    }
    if (f.status) {
      existing.status = f.status;
      existing.updatedAt = sec;
    }
    for (const ac of f.additionalConfiguration ?? []) {
      if (!ac.name) continue;
      existing.additionalConfiguration ??= [];
      const cur = existing.additionalConfiguration.find((x) => x.name === ac.name);
      if (cur) {
        if (ac.status) cur.status = ac.status;
        cur.updatedAt = sec;
      } else
        existing.additionalConfiguration.push({
          name: ac.name,
          status: ac.status ?? 'DISABLED',
          updatedAt: sec,
        });
    }
  }
  d.updatedAt = new Date(now).toISOString();
  // Tasks already running in a cluster monitoring now covers have no agent (relaunch needed).
  for (const c of store.clusters.values())
    if (!managedBefore.has(c.clusterName)) monitoringEnabled(ctx.state, ctx.accountId, ctx.region, c);
  return {};
}

// ---- members --------------------------------------------------------------------------------

/** ListMembers: the accounts this detector's account administers (every one associated, "Enabled"). */
function listMembers(ctx: RequestContext, route: GdRoute, q: URLSearchParams): Body {
  ownStore(ctx, route.detectorId);
  const members = [...ctx.state.visibleAccounts(ctx.accountId)]
    .filter((a) => a !== ctx.accountId)
    .sort()
    .map((accountId) => {
      const d = ctx.state.store(accountId, ctx.region).detector;
      return {
        accountId,
        ...(d ? { detectorId: d.detectorId } : {}),
        masterId: ctx.accountId,
        administratorId: ctx.accountId,
        email: `aws+${accountId}@example.com`,
        relationshipStatus: 'Enabled',
        updatedAt: new Date(ctx.state.now()).toISOString(),
      };
    });
  const p = paged(members, q.get('nextToken'), maxResults(q.get('maxResults')));
  return { members: p.items, nextToken: p.nextToken };
}

// ---- findings -------------------------------------------------------------------------------

function visibleFindings(ctx: RequestContext) {
  return ctx.state.findingsIn(ctx.region, ctx.state.visibleAccounts(ctx.accountId));
}

/**
 * The sorted result of a query, kept for its continuation pages: filtering and sorting 50,000
 * findings for each of 1,000 pages would make the emulator, not the caller, the bottleneck of a
 * burst (GuardDuty answers from an index). A first page always reads afresh; a continuation reuses
 * the result while nothing changed (`findingsGeneration`), so paging sees what it would anyway.
 */
const listResults = new WeakMap<AwsState, Map<string, { generation: number; sorted: WireFinding[] }>>();
const LIST_RESULTS_KEPT = 16;

function listFindings(ctx: RequestContext, route: GdRoute, body: Body): Body {
  ownStore(ctx, route.detectorId);
  const max = maxResults(body.maxResults);
  const criterion = criterionOf(body);
  if (criterion) validateCriterion(criterion, false);
  const sc = sortCriteria(body);
  const key = JSON.stringify([ctx.accountId, ctx.region, criterion ?? null, sc.attributeName, sc.orderBy]);
  const kept = listResults.get(ctx.state) ?? new Map();
  listResults.set(ctx.state, kept);
  const hit = kept.get(key);
  let sorted: WireFinding[];
  if (body.nextToken && hit && hit.generation === ctx.state.findingsGeneration) sorted = hit.sorted;
  else {
    const matching = visibleFindings(ctx).filter((f) => matchesCriteria(f, criterion));
    sorted = sortBy(matching, sc.attributeName, sc.orderBy);
    kept.delete(key);
    kept.set(key, { generation: ctx.state.findingsGeneration, sorted });
    if (kept.size > LIST_RESULTS_KEPT) kept.delete(kept.keys().next().value as string);
  }
  const p = paged(sorted, body.nextToken, max);
  return { findingIds: p.items.map((f) => f.id), nextToken: p.nextToken };
}

function getFindings(ctx: RequestContext, route: GdRoute, body: Body): Body {
  ownStore(ctx, route.detectorId);
  const ids = findingIds(body);
  const visible = ctx.state.visibleAccounts(ctx.accountId);
  const found = ids
    .map((id) => ctx.state.getFinding(id, ctx.region))
    .filter((f) => f !== undefined && visible.has(f.accountId));
  const sc = sortCriteria(body);
  return { findings: sortBy(found, sc.attributeName, sc.orderBy) };
}

function setArchived(ctx: RequestContext, route: GdRoute, body: Body, archived: boolean): Body {
  ownStore(ctx, route.detectorId);
  const ids = findingIds(body);
  if (ctx.state.adminOf(ctx.accountId))
    throw gdBadRequest(
      'The request is rejected because the current account is a member account. Only the administrator account can archive or unarchive findings.',
    );
  const visible = ctx.state.visibleAccounts(ctx.accountId);
  for (const id of ids) {
    const f = ctx.state.getFinding(id, ctx.region);
    if (f && visible.has(f.accountId)) f.service.archived = archived;
  }
  return {};
}

/** A placeholder Fargate task for accounts that have none, as GuardDuty's generated samples use. */
function placeholderTask(accountId: string, region: string, at: number): EcsTask {
  const cluster = `arn:aws:ecs:${region}:${accountId}:cluster/GeneratedFindingECSClusterName`;
  const id = randomHex(16);
  return {
    taskArn: `arn:aws:ecs:${region}:${accountId}:task/GeneratedFindingECSClusterName/${id}`,
    clusterArn: cluster,
    taskDefinitionArn: `arn:aws:ecs:${region}:${accountId}:task-definition/GeneratedFindingTaskDefinition:1`,
    group: 'family:GeneratedFindingTaskDefinition',
    launchType: 'FARGATE',
    availabilityZone: `${region}a`,
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    containers: [
      {
        containerArn: `${cluster}/container/${randomHex(8)}`,
        taskArn: '',
        name: 'GeneratedFindingContainerName',
        image: 'GeneratedFindingContainerImage',
        runtimeId: `${id}-1`,
        lastStatus: 'RUNNING',
      },
    ],
    attachments: [],
    createdAt: at / 1000,
    startedAt: at / 1000,
    version: 1,
    tags: [],
  };
}

/** The runtime findings a sample ECS attack sequence cites. */
const SEQUENCE_SAMPLE_SIGNALS = [
  'Execution:Runtime/NewBinaryExecuted',
  'Execution:Runtime/ReverseShell',
  'Impact:Runtime/CryptoMinerExecuted',
];

function createSampleFindings(ctx: RequestContext, route: GdRoute, body: Body): Body {
  const s = ownStore(ctx, route.detectorId);
  const requested = body.findingTypes;
  if (Array.isArray(requested) && requested.length > 50)
    throw gdBadRequest('The request is rejected because findingTypes has more than 50 items.');
  const types =
    Array.isArray(requested) && requested.length > 0
      ? requested.map(String)
      : RUNTIME_FINDING_TYPES.map((t) => t.type);
  const now = ctx.state.now();
  const running = [...s.tasks.values()].filter((t) => t.lastStatus === 'RUNNING');
  const sampleOn = (type: string, i: number) => {
    const task = running.length
      ? (running[i % running.length] as EcsTask)
      : placeholderTask(ctx.accountId, ctx.region, now);
    const cluster = s.clusters.get(lastSegment(task.clusterArn));
    return ctx.state.addFinding(
      makeFinding({ type, task, ...(cluster ? { cluster } : {}), sample: true, at: now }),
    );
  };
  let n = 0;
  for (const type of types) {
    if (type.startsWith('AttackSequence:ECS/')) {
      // As GuardDuty does: the sequence and the runtime findings it cites, all samples.
      const cites = SEQUENCE_SAMPLE_SIGNALS.map((t) => sampleOn(t, n++));
      addAttackSequence(ctx.state, { cites, sample: true, at: now });
    } else sampleOn(type, n++);
  }
  return {};
}

// ---- coverage -------------------------------------------------------------------------------

const COVERAGE_PATHS: Record<string, string> = {
  ACCOUNT_ID: 'accountId',
  RESOURCE_TYPE: 'resourceDetails.resourceType',
  COVERAGE_STATUS: 'coverageStatus',
  ISSUE: 'issue',
  UPDATED_AT: 'updatedAt',
  ECS_CLUSTER_NAME: 'resourceDetails.ecsClusterDetails.clusterName',
  EKS_CLUSTER_NAME: 'resourceDetails.eksClusterDetails.clusterName',
  CLUSTER_NAME: 'resourceDetails.eksClusterDetails.clusterName',
  CLUSTER_ARN: 'resourceDetails.eksClusterDetails.clusterArn',
  INSTANCE_ID: 'resourceDetails.ec2InstanceDetails.instanceId',
  ADDON_VERSION: 'resourceDetails.eksClusterDetails.addonDetails.addonVersion',
  AGENT_VERSION: 'resourceDetails.ec2InstanceDetails.agentDetails.version',
};

const managementType = (r: WireCoverageResource): unknown =>
  r.resourceDetails.ecsClusterDetails?.fargateDetails?.managementType ??
  valuesAt(r, 'resourceDetails.eksClusterDetails.managementType')[0] ??
  valuesAt(r, 'resourceDetails.ec2InstanceDetails.managementType')[0];

interface CoverageCriterion {
  criterionKey?: string;
  filterCondition?: { equals?: string[]; notEquals?: string[] };
}

function coverageMatches(r: WireCoverageResource, criteria: CoverageCriterion[]): boolean {
  return criteria.every((c) => {
    const key = c.criterionKey ?? '';
    const path = COVERAGE_PATHS[key];
    if (key !== 'MANAGEMENT_TYPE' && !path)
      throw gdBadRequest(`The request is rejected because criterionKey ${key} is not valid.`);
    const values = (key === 'MANAGEMENT_TYPE' ? [managementType(r)] : valuesAt(r, path as string))
      .filter((v) => v !== undefined)
      .map(String);
    const eq = c.filterCondition?.equals;
    const neq = c.filterCondition?.notEquals;
    if (eq && !values.some((v) => eq.includes(v))) return false;
    if (neq && values.some((v) => neq.includes(v))) return false;
    return true;
  });
}

function coverageIn(ctx: RequestContext, body: Body): WireCoverageResource[] {
  const criteria =
    ((body.filterCriteria as Body | undefined)?.filterCriterion as CoverageCriterion[] | undefined) ?? [];
  if (criteria.length > 50)
    throw gdBadRequest('The request is rejected because filterCriterion has more than 50 items.');
  const accounts = ctx.state.visibleAccounts(ctx.accountId);
  const all = [...accounts].flatMap((a) => [...ctx.state.store(a, ctx.region).coverage.values()]);
  return all.filter((r) => coverageMatches(r, criteria));
}

function listCoverage(ctx: RequestContext, route: GdRoute, body: Body): Body {
  ownStore(ctx, route.detectorId);
  const max = maxResults(body.maxResults);
  const sc = sortCriteria(body);
  const sortPath = sc.attributeName ? COVERAGE_PATHS[sc.attributeName] : undefined;
  if (sc.attributeName && !sortPath)
    throw gdBadRequest(`The request is rejected because sort attribute ${sc.attributeName} is not valid.`);
  const p = paged(sortBy(coverageIn(ctx, body), sortPath, sc.orderBy), body.nextToken, max);
  return { resources: p.items, nextToken: p.nextToken };
}

function getCoverageStatistics(ctx: RequestContext, route: GdRoute, body: Body): Body {
  ownStore(ctx, route.detectorId);
  const types = body.statisticsType;
  if (!Array.isArray(types) || types.length === 0)
    throw gdBadRequest('The request is rejected because statisticsType is missing.');
  const resources = coverageIn(ctx, body);
  const count = (key: (r: WireCoverageResource) => string) => {
    const out: Record<string, number> = {};
    for (const r of resources) out[key(r)] = (out[key(r)] ?? 0) + 1;
    return out;
  };
  const stats: Body = {};
  if (types.includes('COUNT_BY_RESOURCE_TYPE'))
    stats.countByResourceType = count((r) => r.resourceDetails.resourceType);
  if (types.includes('COUNT_BY_COVERAGE_STATUS'))
    stats.countByCoverageStatus = count((r) => r.coverageStatus);
  return { coverageStatistics: stats };
}

// ---- dispatch -------------------------------------------------------------------------------

export function handleGuardDuty(ctx: RequestContext, input: GdInput): Body {
  const { route, query, body } = input;
  // Anything but a read may change what ListFindings returns (archive, samples, filters).
  if (!/^(List|Get|Describe)/.test(route.operation)) ctx.state.findingsGeneration++;
  switch (route.operation) {
    case 'ListDetectors':
      return listDetectors(ctx, query);
    case 'GetDetector':
      return getDetector(ctx, route);
    case 'UpdateDetector':
      return updateDetector(ctx, route, body);
    case 'ListFindings':
      return listFindings(ctx, route, body);
    case 'GetFindings':
      return getFindings(ctx, route, body);
    case 'ListMembers':
      return listMembers(ctx, route, query);
    case 'ArchiveFindings':
      return setArchived(ctx, route, body, true);
    case 'UnarchiveFindings':
      return setArchived(ctx, route, body, false);
    case 'CreateSampleFindings':
      return createSampleFindings(ctx, route, body);
    case 'ListCoverage':
      return listCoverage(ctx, route, body);
    case 'GetCoverageStatistics':
      return getCoverageStatistics(ctx, route, body);
    case 'CreateFilter':
      return createFilter(ownStore(ctx, route.detectorId), body, ctx.state.now());
    case 'ListFilters':
      return listFilters(ownStore(ctx, route.detectorId), query);
    case 'GetFilter':
      return getFilter(ownStore(ctx, route.detectorId), route.filterName);
    case 'UpdateFilter':
      return updateFilter(ownStore(ctx, route.detectorId), route.filterName, body, ctx.state.now());
    case 'DeleteFilter':
      return deleteFilter(ownStore(ctx, route.detectorId), route.filterName);
    default:
      throw new AwsServiceError(
        'BadRequestException',
        400,
        `The emulator does not implement GuardDuty ${route.operation}.`,
        {
          bodyType: 'InvalidInputException',
        },
      );
  }
}
