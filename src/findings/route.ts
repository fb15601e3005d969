import type { Config, RouteRule } from '../config.js';
import type { Finding } from './model.js';
import { incidentClusters } from './normalise.js';
import { severityAtLeast } from './severity.js';

/** `*` = any run of characters, `?` = one character; everything else literal; whole-string match. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

export function ruleMatches(
  rule: Omit<RouteRule, 'channel'>,
  f: Pick<Finding, 'accountId' | 'region' | 'clusterName' | 'type' | 'severityLabel'>,
): boolean {
  if (rule.accounts?.length && !rule.accounts.includes(f.accountId)) return false;
  if (rule.regions?.length && !rule.regions.includes(f.region)) return false;
  if (rule.clusters?.length) {
    const name = f.clusterName;
    if (!name || !rule.clusters.some((p) => globMatch(p, name))) return false;
  }
  if (rule.minSeverity && !severityAtLeast(f, rule.minSeverity)) return false;
  if (rule.types?.length && !rule.types.some((t) => f.type.startsWith(t))) return false;
  return true;
}

/**
 * The channel for a finding: the first matching route rule, else `slack.alertChannel`; null when
 * the finding is below the global minimum severity.
 */
export function routeFinding(
  f: Pick<Finding, 'accountId' | 'region' | 'clusterName' | 'type' | 'severityLabel'>,
  config: Pick<Config, 'routes' | 'minSeverity' | 'slack'>,
): string | null {
  if (!severityAtLeast(f, config.minSeverity)) return null;
  const rule = config.routes.find((r) => ruleMatches(r, f));
  return rule ? rule.channel : config.slack.alertChannel;
}

/**
 * The channel for an incident (attack sequence): the first rule that matches any of the accounts,
 * regions and clusters the sequence touches (with its type and severity), else the alert channel;
 * null below the global minimum severity.
 */
export function routeIncident(
  f: Pick<Finding, 'accountId' | 'region' | 'clusterName' | 'type' | 'severityLabel' | 'sequence'>,
  config: Pick<Config, 'routes' | 'minSeverity' | 'slack'>,
): string | null {
  if (!severityAtLeast(f, config.minSeverity)) return null;
  const where = [
    ...incidentClusters(f).map((c) => ({ accountId: c.accountId, region: c.region, clusterName: c.cluster })),
    { accountId: f.accountId, region: f.region, clusterName: f.clusterName },
  ];
  const rule = config.routes.find((r) =>
    where.some((w) => ruleMatches(r, { ...w, type: f.type, severityLabel: f.severityLabel })),
  );
  return rule ? rule.channel : config.slack.alertChannel;
}
