import { type FindingKey, findingKeyOf } from './finding-key.js';
import type { Finding } from './model.js';

/**
 * Findings with the same key share one group card: same account, region, cluster, service (or
 * task family when the task has no service) and finding type.
 */
export function groupKeyOf(
  f: Pick<Finding, 'accountId' | 'region' | 'clusterName' | 'service' | 'taskFamily' | 'type'>,
): string {
  const unit = f.service ?? `family:${f.taskFamily ?? ''}`;
  return `${f.accountId}|${f.region}|${f.clusterName ?? ''}|${unit}|${f.type}`;
}

/** One member line of a group card; small so that a 10,000-member group renders cheaply. */
export interface GroupMember {
  id: string;
  /** The finding's store key (its ARN): what the outbox marks when the group card is posted. */
  key: FindingKey;
  taskId?: string;
  container?: string;
  lastSeen?: string;
  count: number;
  severity: number;
}

/** The line a finding contributes to a group card. */
export const memberOf = (f: Finding): GroupMember => ({
  id: f.id,
  key: findingKeyOf(f),
  taskId: f.taskId,
  container: f.container?.name,
  lastSeen: f.lastSeen ?? f.updatedAt,
  count: f.count,
  severity: f.severity,
});
