/** Block Kit answers of `/ecs-guard coverage`. Pure functions of coverage rows. */
import { type CoverageRow, healthyShare, remediationFor } from '../../src/aws/coverage.js';
import { context, fieldsSection, header, section, slackDate } from '../../src/slack/blocks/parts.js';
import { mrkdwn } from '../../src/slack/mrkdwn.js';
import type { Reply } from '../types.js';
import { BUDGET, packLines } from './common.js';

export interface CoverageScope {
  regions: string[];
  accountId?: string;
}

export interface RegionError {
  region: string;
  message: string;
}

const icon = (status: string) => (status === 'HEALTHY' ? ':large_green_circle:' : ':red_circle:');

/** Unhealthy first, then by account, region and name. */
export function sortCoverage(rows: CoverageRow[]): CoverageRow[] {
  return [...rows].sort(
    (a, b) =>
      Number(a.status === 'HEALTHY') - Number(b.status === 'HEALTHY') ||
      a.cluster.localeCompare(b.cluster) ||
      a.accountId.localeCompare(b.accountId) ||
      a.region.localeCompare(b.region),
  );
}

function instances(r: CoverageRow): string | undefined {
  return r.compatibleInstances > 0 ? `${r.coveredInstances}/${r.compatibleInstances} instances` : undefined;
}

/** One line per cluster: status, name, where, management, instances, issue, last update. */
export function coverageLine(r: CoverageRow, showAccount: boolean): string {
  const parts = [
    `${icon(r.status)} *${mrkdwn(r.cluster, 120)}*`,
    showAccount ? r.accountId : undefined,
    r.region,
    r.managementType,
    instances(r),
    r.status === 'HEALTHY' ? undefined : `_${mrkdwn(r.issue ?? r.issues[0] ?? 'unhealthy', 120)}_`,
    r.updatedAt ? `updated ${slackDate(r.updatedAt)}` : undefined,
  ];
  return parts.filter(Boolean).join(' · ');
}

export function buildCoverageSummary(input: {
  rows: CoverageRow[];
  stats: { healthy: number; unhealthy: number };
  scope: CoverageScope;
  errors?: RegionError[];
}): Reply {
  const { rows, stats, scope } = input;
  const total = stats.healthy + stats.unhealthy;
  const share = healthyShare(stats);
  const where = `${scope.accountId ? `account ${scope.accountId}, ` : ''}${scope.regions.join(', ')}`;
  const summary =
    total === 0
      ? `No ECS clusters in GuardDuty coverage for ${where}.`
      : `*${stats.healthy} of ${total} ECS clusters healthy (${share}%)* · ${stats.unhealthy} unhealthy · ${where}`;
  const accounts = new Set(rows.map((r) => r.accountId));
  const lines = sortCoverage(rows).map((r) => coverageLine(r, accounts.size > 1 || !scope.accountId));
  const blocks: unknown[] = [header('GuardDuty ECS coverage', 'cov-header'), section(summary, 'cov-summary')];
  const errors = (input.errors ?? []).slice(0, 5);
  const reserved = blocks.length + errors.length + 2;
  const packed = packLines(lines, 'cov-list', {
    maxBlocks: BUDGET.blocks - reserved,
    maxText: BUDGET.text - summary.length - errors.reduce((n, e) => n + Math.min(e.message.length, 600), 0),
    moreHint: '(unhealthy listed first; narrow with `--account`, `--region` or a cluster name)',
  });
  blocks.push(...packed.blocks);
  for (const [i, e] of errors.entries()) {
    blocks.push(section(`:warning: *${e.region}*: ${mrkdwn(e.message, 600)}`, `cov-error-${i}`));
  }
  blocks.push(
    context(["`/ecs-guard coverage <cluster>` shows a cluster's issues and how to fix them"], 'cov-foot'),
  );
  const text =
    total === 0
      ? summary.replace(/\*/g, '')
      : `${stats.healthy} of ${total} ECS clusters healthy (${share}%)`;
  return { text, blocks };
}

/** One cluster (possibly in several accounts/regions): status, details, each issue with its fix. */
export function buildCoverageDetail(cluster: string, rows: CoverageRow[], scope: CoverageScope): Reply {
  if (rows.length === 0) {
    const where = `${scope.accountId ? `account ${scope.accountId}, ` : ''}${scope.regions.join(', ')}`;
    const text = `No GuardDuty coverage record for cluster ${cluster} in ${where}. Check the name, or add --account/--region; a new cluster appears after its first task runs with Runtime Monitoring on.`;
    return { text, blocks: [section(`:grey_question: ${mrkdwn(text, 2000)}`, 'cov-none')] };
  }
  const blocks: unknown[] = [header(`Coverage: ${cluster}`, 'cov-header')];
  for (const [i, r] of rows.slice(0, 4).entries()) {
    blocks.push(
      section(`${icon(r.status)} *${r.status}* · account ${r.accountId} · ${r.region}`, `cov-${i}-status`),
      fieldsSection(
        [
          `*Management*\n${r.managementType ?? 'unknown'}`,
          `*Container instances*\n${r.compatibleInstances > 0 ? `${r.coveredInstances} of ${r.compatibleInstances} covered` : 'none (Fargate)'}`,
          `*Issue*\n${r.issue ? mrkdwn(r.issue, 200) : 'none'}`,
          `*Last update*\n${r.updatedAt ? slackDate(r.updatedAt) : 'unknown'}`,
        ],
        `cov-${i}-fields`,
      ),
    );
    const issues = r.issues.length ? r.issues : r.issue ? [r.issue] : [];
    const lines = issues.map((t) => {
      const hint = remediationFor(t);
      return `• ${mrkdwn(t, 700)}${hint ? `\n   :bulb: ${hint.replace('<cluster>', mrkdwn(cluster, 120))}` : ''}`;
    });
    if (lines.length) {
      blocks.push(...packLines(lines, `cov-${i}-issues`, { maxBlocks: 4, maxText: 1600 }).blocks);
    }
  }
  if (rows.length > 4) blocks.push(context([`…and ${rows.length - 4} more accounts/regions`], 'cov-more'));
  const worst = rows.find((r) => r.status !== 'HEALTHY') ?? rows[0];
  return { text: `Coverage of ${cluster}: ${worst?.status ?? 'unknown'}`, blocks };
}
