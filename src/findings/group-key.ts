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
