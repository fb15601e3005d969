/**
 * What "Suppress similar" suppresses: a GuardDuty filter (action ARCHIVE, a suppression rule) in
 * the administrator account whose criteria are built from the finding — always its type, account
 * and cluster, optionally also its container image or its process executable. Pure functions: the
 * same criteria are shown in the modal before confirming, stored with the request, and sent.
 */
import type { Finding } from '../findings/model.js';

export type SuppressScope = 'cluster' | 'image' | 'process';

/** FindingCriteria.Criterion in SDK v3 form (field → Condition). */
export type Criterion = Record<string, { Equals: string[] }>;

export interface ScopeOption {
  scope: SuppressScope;
  /** One line for people ("type X on cluster C in account A"). */
  summary: string;
  criterion: Criterion;
}

/** Filter field names (guardduty-filter-attributes.txt). */
export const FIELD = {
  type: 'type',
  account: 'accountId',
  cluster: 'resource.ecsClusterDetails.name',
  image: 'resource.ecsClusterDetails.taskDetails.containers.image',
  executable: 'service.runtimeDetails.process.executablePath',
} as const;

/** GuardDuty's Match/Equals values hold at most 512 characters; longer ones cannot be matched exactly. */
const MAX_VALUE = 512;
const fits = (v: string | undefined): v is string => !!v && v.length <= MAX_VALUE;

/** The scopes this finding allows, narrowest last; empty when it names no cluster. */
export function scopeOptions(f: Finding): ScopeOption[] {
  if (!fits(f.clusterName) || !fits(f.type)) return [];
  const base: Criterion = {
    [FIELD.type]: { Equals: [f.type] },
    [FIELD.account]: { Equals: [f.accountId] },
    [FIELD.cluster]: { Equals: [f.clusterName] },
  };
  const where = `${f.type} on cluster ${f.clusterName} (account ${f.accountId}, ${f.region})`;
  const out: ScopeOption[] = [{ scope: 'cluster', summary: where, criterion: base }];
  if (fits(f.container?.image))
    out.push({
      scope: 'image',
      summary: `${where} from image ${f.container.image}`,
      criterion: { ...base, [FIELD.image]: { Equals: [f.container.image] } },
    });
  if (fits(f.process?.executablePath))
    out.push({
      scope: 'process',
      summary: `${where} by executable ${f.process.executablePath}`,
      criterion: { ...base, [FIELD.executable]: { Equals: [f.process.executablePath] } },
    });
  return out;
}

/** Expiry choices offered (a suppression never lasts forever). */
export const EXPIRY_CHOICES = [
  { value: '1d', label: '1 day', ms: 86_400_000 },
  { value: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: '30 days', ms: 30 * 86_400_000 },
  { value: '90d', label: '90 days', ms: 90 * 86_400_000 },
] as const;

export const expiryMs = (value: string): number | undefined =>
  EXPIRY_CHOICES.find((c) => c.value === value)?.ms;

/** Filter names: 3-64 of [A-Za-z0-9._-]; ours all start with `ecs-guard-` (the IAM policy is scoped to it). */
export const FILTER_PREFIX = 'ecs-guard-';
export const filterNameFor = (requestId: string): string =>
  `${FILTER_PREFIX}${requestId.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64 - FILTER_PREFIX.length)}`;

/**
 * GuardDuty filter descriptions allow letters, digits, whitespace and `-.:_(){}[]/` only, up to 512:
 * anything else in the reason (user text) becomes a space.
 */
export function sanitiseDescription(s: string): string {
  return s
    .replace(/[^A-Za-z0-9\s\-.:_(){}[\]/]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function filterDescription(p: {
  approver: string;
  requester: string;
  reason: string;
  expiresAt: number;
}): string {
  const head = `ecs-guard suppression approved by ${sanitiseDescription(p.approver)} (requested by ${sanitiseDescription(p.requester)}) until ${new Date(p.expiresAt).toISOString()}. Reason: `;
  return `${head}${sanitiseDescription(p.reason)}`.slice(0, 512);
}
