/** Block Kit answers of `/ecs-guard coverage`. Pure functions of coverage rows. */
import { type CoverageRow, healthyShare } from '../../src/aws/coverage.js';
import { uncoveredCount } from '../../src/aws/running-tasks.js';
import type { UncoveredResult } from '../../src/coverage/uncovered.js';
import { issueLines, uncoveredLines } from '../../src/slack/blocks/coverage-card.js';
import { BUDGET, packLines } from '../../src/slack/blocks/pack-lines.js';
import { context, fieldsSection, header, section, slackDate, table } from '../../src/slack/blocks/parts.js';
import { coverageStatus, coverageWord } from '../../src/slack/blocks/status-words.js';
import { mrkdwn, plain } from '../../src/slack/mrkdwn.js';
import type { Reply } from '../types.js';

export interface CoverageScope {
  regions: string[];
  accountId?: string;
}

export interface RegionError {
  region: string;
  message: string;
}

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

/** One line per cluster: status word, name, where, management, instances, issue, last update. */
export function coverageLine(r: CoverageRow, showAccount: boolean): string {
  const parts = [
    `${coverageStatus(r.status)} *${mrkdwn(r.cluster, 120)}*`,
    showAccount ? r.accountId : undefined,
    r.region,
    r.managementType,
    instances(r),
    r.status === 'HEALTHY' ? undefined : `_${mrkdwn(r.issue ?? r.issues[0] ?? 'unhealthy', 120)}_`,
    r.updatedAt ? `updated ${slackDate(r.updatedAt)}` : undefined,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** Characters of table cells per summary (well inside the ~12k text a message may carry). */
const TABLE_TEXT_BUDGET = 7000;

/** `2026-01-02 13:04 UTC`: table cells are plain text, so no `<!date>` formatting there. */
const utc = (ms: number | undefined): string =>
  ms === undefined ? '–' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The summary's table rows (header first), as many as fit the row and text budget. */
function coverageTable(sorted: CoverageRow[], showAccount: boolean): { block: unknown; shown: number } {
  const header = [
    'Status',
    'Cluster',
    ...(showAccount ? ['Account'] : []),
    'Region',
    'Management',
    'EC2 instances',
    'Issue',
    'Updated',
  ];
  const rows: string[][] = [];
  let used = header.join('').length;
  for (const r of sorted) {
    const row = [
      coverageWord(r.status),
      plain(r.cluster, 80),
      ...(showAccount ? [r.accountId] : []),
      r.region,
      r.managementType ?? '–',
      r.compatibleInstances > 0 ? `${r.coveredInstances}/${r.compatibleInstances}` : '–',
      r.status === 'HEALTHY' ? '–' : plain(r.issue ?? r.issues[0] ?? 'unhealthy', 80),
      utc(r.updatedAt),
    ];
    const len = row.reduce((n, c) => n + c.length, 0);
    if (rows.length >= 99 || used + len > TABLE_TEXT_BUDGET) break;
    rows.push(row);
    used += len;
  }
  return { block: table(header, rows, 'cov-table', { cellMax: 80 }), shown: rows.length };
}

/**
 * `/ecs-guard coverage`: a Block Kit table (status WORD, cluster, where, issue), unhealthy first,
 * with the same rows as text lines in `fallbackBlocks` (sent when Slack refuses the table) and
 * the unhealthy clusters named in the notification text.
 */
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
      : `*${stats.healthy} of ${total} ECS clusters HEALTHY (${share}%)* · ${stats.unhealthy} UNHEALTHY · ${where}`;
  const accounts = new Set(rows.map((r) => r.accountId));
  const showAccount = accounts.size > 1 || !scope.accountId;
  const sorted = sortCoverage(rows);
  const head: unknown[] = [header('GuardDuty ECS coverage', 'cov-header'), section(summary, 'cov-summary')];
  const errors = (input.errors ?? []).slice(0, 5);
  const errorBlocks = errors.map((e, i) =>
    section(`:warning: *${e.region}*: ${mrkdwn(e.message, 600)}`, `cov-error-${i}`),
  );
  const foot = context(
    ["`/ecs-guard coverage <cluster>` shows a cluster's issues and how to fix them"],
    'cov-foot',
  );
  const moreHint = '(UNHEALTHY listed first; narrow with `--account`, `--region` or a cluster name)';

  // Line layout: the fallback, and the whole answer when there is nothing to tabulate.
  const lines = sorted.map((r) => coverageLine(r, showAccount));
  const packed = packLines(lines, 'cov-list', {
    maxBlocks: BUDGET.blocks - (head.length + errors.length + 2),
    maxText: BUDGET.text - summary.length - errors.reduce((n, e) => n + Math.min(e.message.length, 600), 0),
    moreHint,
  });
  const fallbackBlocks = [...head, ...packed.blocks, ...errorBlocks, foot];

  const unhealthy = sorted.filter((r) => coverageWord(r.status) !== 'HEALTHY').map((r) => r.cluster);
  const named = unhealthy.length
    ? ` · UNHEALTHY: ${plain(unhealthy.slice(0, 20).join(', '), 1500)}${unhealthy.length > 20 ? ` and ${unhealthy.length - 20} more` : ''}`
    : '';
  const text =
    total === 0
      ? summary.replace(/\*/g, '')
      : `${stats.healthy} of ${total} ECS clusters HEALTHY (${share}%)${named}`;
  if (sorted.length === 0) return { text, blocks: fallbackBlocks };

  const t = coverageTable(sorted, showAccount);
  const more = sorted.length - t.shown;
  const blocks = [
    ...head,
    t.block,
    ...(more > 0 ? [context([`…and ${more} more ${moreHint}`], 'cov-table-more')] : []),
    ...errorBlocks,
    foot,
  ];
  return { text, blocks, fallbackBlocks };
}

/** One cluster (possibly in several accounts/regions): status, details, each issue with its fix. */
export function buildCoverageDetail(
  cluster: string,
  rows: CoverageRow[],
  scope: CoverageScope,
  /** Per row (same index): its running Fargate tasks without the agent, when they were read. */
  uncovered: (UncoveredResult | undefined)[] = [],
): Reply {
  if (rows.length === 0) {
    const where = `${scope.accountId ? `account ${scope.accountId}, ` : ''}${scope.regions.join(', ')}`;
    const text = `No GuardDuty coverage record for cluster ${cluster} in ${where}. Check the name, or add --account/--region; a new cluster appears after its first task runs with Runtime Monitoring on.`;
    return { text, blocks: [section(`:grey_question: ${mrkdwn(text, 2000)}`, 'cov-none')] };
  }
  const blocks: unknown[] = [header(`Coverage: ${cluster}`, 'cov-header')];
  for (const [i, r] of rows.slice(0, 4).entries()) {
    blocks.push(
      section(`${coverageStatus(r.status)} · account ${r.accountId} · ${r.region}`, `cov-${i}-status`),
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
    const lines = issueLines({ ...r, cluster }, { maxIssues: 50, textMax: 700 });
    if (lines.length) {
      blocks.push(...packLines(lines, `cov-${i}-issues`, { maxBlocks: 4, maxText: 1600 }).blocks);
    }
    blocks.push(...uncoveredBlocks(uncovered[i], `cov-${i}-unc`));
  }
  if (rows.length > 4) blocks.push(context([`…and ${rows.length - 4} more accounts/regions`], 'cov-more'));
  const worst = rows.find((r) => r.status !== 'HEALTHY') ?? rows[0];
  return { text: `Coverage of ${cluster}: ${coverageWord(worst?.status)}`, blocks };
}

/** The running-uncovered part of a cluster's detail: per service, the tasks without the agent. */
function uncoveredBlocks(u: UncoveredResult | undefined, idPrefix: string): unknown[] {
  if (u?.uncoveredError)
    return [
      context([`:warning: Running tasks not checked: ${mrkdwn(u.uncoveredError, 500)}`], `${idPrefix}-err`),
    ];
  if (!u?.uncovered) return [];
  const n = uncoveredCount(u.uncovered);
  if (n === 0) return [context(['Every running Fargate task has the GuardDuty agent.'], `${idPrefix}-none`)];
  return [
    section(
      `*Running without the GuardDuty agent*: ${n} Fargate task${n === 1 ? '' : 's'}, started before monitoring covered them; redeploy each service to replace them.`,
      `${idPrefix}-head`,
    ),
    ...packLines(uncoveredLines(u.uncovered, 20), idPrefix, { maxBlocks: 4, maxText: 3000 }).blocks,
  ];
}
