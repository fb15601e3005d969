/**
 * One card for a burst: findings of the same type on the same service (or task family) are
 * counted together and the affected tasks listed (first ones, then "and M more"), so 10,000
 * findings never become 10,000 posts and none is dropped from the count.
 */
import type { KnownBlock } from '@slack/types';
import { REGION_NAME as REGION } from '../../aws/names.js';
import type { SeverityLabel } from '../../findings/model.js';
import { SEVERITY_EMOJI } from '../../findings/severity.js';
import { code, link, mrkdwn, oneLine } from '../mrkdwn.js';
import type { SlackMessage } from './finding-card.js';
import { LIMITS } from './limits.js';
import { context, fieldsSection, header, section, slackDate } from './parts.js';

export interface GroupMember {
  id: string;
  taskId?: string;
  lastSeen?: string;
  container?: string;
}

export interface FindingGroup {
  groupKey: string;
  type: string;
  /** Highest severity number among the members. */
  severity: number;
  label: SeverityLabel;
  service?: string;
  family?: string;
  cluster?: string;
  accountId: string;
  region: string;
  /** All members (or as many as are known; `total` is the authoritative count). */
  findings: GroupMember[];
  total: number;
}

export interface GroupCardOptions {
  consoleUrl: string;
  now?: number;
  /** How many tasks to list at most before "and M more". */
  maxTasks?: number;
}

const TYPE = /^[A-Za-z0-9:/.!_-]{1,100}$/;

interface TaskRow {
  taskId: string;
  findings: number;
  lastSeen?: string;
  container?: string;
}

/** Distinct tasks, most recently seen first. Linear in members, so 10,000 is cheap. */
export function affectedTasks(members: GroupMember[]): TaskRow[] {
  const byTask = new Map<string, TaskRow>();
  for (const m of members) {
    const key = m.taskId ?? '(unknown task)';
    const row = byTask.get(key) ?? { taskId: key, findings: 0 };
    row.findings++;
    if (m.lastSeen && (!row.lastSeen || m.lastSeen > row.lastSeen)) row.lastSeen = m.lastSeen;
    row.container ??= m.container;
    byTask.set(key, row);
  }
  return [...byTask.values()].sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''));
}

function taskList(rows: TaskRow[], maxTasks: number, budget: number): string {
  const lines: string[] = [];
  let used = 0;
  for (const row of rows.slice(0, maxTasks)) {
    const parts = [code(row.taskId, 80)];
    if (row.container) parts.push(code(row.container, 80));
    if (row.findings > 1) parts.push(`${row.findings} findings`);
    if (row.lastSeen) parts.push(`last ${slackDate(row.lastSeen)}`);
    const line = `• ${parts.join(' · ')}`;
    if (used + line.length + 40 > budget) break;
    lines.push(line);
    used += line.length + 1;
  }
  const more = rows.length - lines.length;
  if (more > 0) lines.push(`…and ${more} more task${more === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export function buildGroupCard(group: FindingGroup, opts: GroupCardOptions): SlackMessage {
  const emoji = SEVERITY_EMOJI[group.label];
  const total = Math.max(group.total, group.findings.length);
  const rows = affectedTasks(group.findings);
  const unit = group.service
    ? `service ${group.service}`
    : group.family
      ? `task family ${group.family}`
      : 'tasks';
  const latest = group.findings.reduce<string | undefined>(
    (acc, m) => (m.lastSeen && (!acc || m.lastSeen > acc) ? m.lastSeen : acc),
    undefined,
  );

  const blocks: KnownBlock[] = [
    header(`${emoji} ${group.label} · ${total} × ${group.type}`, 'header'),
    section(
      `*${total} finding${total === 1 ? '' : 's'}* of type ${code(group.type, 120)} on ${rows.length} task${rows.length === 1 ? '' : 's'} of ${mrkdwn(unit, 300)}. Grouped into one card to keep the channel readable.`,
      'summary',
    ),
    fieldsSection(
      [
        `*Service*\n${group.service ? code(group.service, 300) : '–'}`,
        `*Task family*\n${group.family ? code(group.family, 300) : '–'}`,
        `*Cluster*\n${group.cluster ? code(group.cluster, 300) : '–'}`,
        `*Account / Region*\n${code(`${group.accountId} / ${group.region}`, 100)}`,
        `*Findings*\n${total}`,
        `*Tasks affected*\n${rows.length}`,
        `*Severity*\n${mrkdwn(`${group.label} (${group.severity})`, 60)}`,
        `*Last seen*\n${slackDate(latest)}`,
      ],
      'where',
    ),
    section(`*Affected tasks*\n${taskList(rows, opts.maxTasks ?? 25, 2600)}`, 'tasks'),
    context([`Group ${code(group.groupKey, 400)}`], 'meta'),
  ];
  const consoleBase = opts.consoleUrl.replace(/\/+$/, '');
  if (/^https?:\/\/[^\s|<>]+$/.test(consoleBase) && REGION.test(group.region) && TYPE.test(group.type)) {
    const url = `${consoleBase}/guardduty/home?region=${group.region}#/findings?search=type%3D${encodeURIComponent(group.type)}`;
    blocks.push(context([link(url, 'Open these findings in GuardDuty')], 'links'));
  }
  const where = [group.cluster, group.service ?? group.family].filter(Boolean).join('/');
  const text = `${emoji} ${oneLine(`${total} × ${group.label} ${group.type}${where ? ` in ${where}` : ''} (${group.accountId} ${group.region})`, LIMITS.fallbackText - 30)}`;
  return { text, blocks: blocks.slice(0, LIMITS.blocks) };
}
