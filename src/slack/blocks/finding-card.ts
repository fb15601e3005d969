/**
 * The Slack card for one finding: a pure function of the normalised finding and the stored card
 * state. Finding text goes through `../mrkdwn.js`; links and mentions are built only from
 * validated ids; button values carry only the opaque card or request id.
 */
import type { Button, KnownBlock } from '@slack/types';
import { FINDING_ID, REGION_NAME as REGION } from '../../aws/names.js';
import type { Finding } from '../../findings/model.js';
import { SEVERITY_EMOJI } from '../../findings/severity.js';
import { FINDING_CARD_REMEDIATIONS, remediationLabel } from '../../remediations/index.js';
import { code, link, mrkdwn, oneLine, principalMention, truncate } from '../mrkdwn.js';
import { ACTION_ID } from './action-ids.js';
import type { CardState } from './card-state.js';
import { LIMITS } from './limits.js';
import {
  actions,
  button,
  codeList,
  confirmDialog,
  context,
  fieldsSection,
  header,
  section,
  shortHash,
  slackDate,
} from './parts.js';

export interface CardOptions {
  /** Console base URL (config.consoleUrl), e.g. `https://console.aws.amazon.com`. */
  consoleUrl: string;
  /** Epoch ms; lets the pending note say how long is left. */
  now?: number;
}

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const TASK_ID = /^[A-Za-z0-9]{1,64}$/;

function base(consoleUrl: string): string | undefined {
  const b = consoleUrl.replace(/\/+$/, '');
  return /^https?:\/\/[^\s|<>]+$/.test(b) ? b : undefined;
}

/** GuardDuty console search for this finding id; only for validated ids and regions. */
export function guardDutyConsoleUrl(
  f: Pick<Finding, 'id' | 'region'>,
  consoleUrl: string,
): string | undefined {
  const b = base(consoleUrl);
  if (!b || !REGION.test(f.region) || !FINDING_ID.test(f.id)) return undefined;
  return `${b}/guardduty/home?region=${f.region}#/findings?search=id%3D${encodeURIComponent(f.id)}`;
}

/** ECS console page of the task; only for validated cluster names, task ids and regions. */
export function ecsTaskConsoleUrl(
  f: Pick<Finding, 'clusterName' | 'taskId' | 'region'>,
  consoleUrl: string,
): string | undefined {
  const b = base(consoleUrl);
  const { clusterName: c, taskId: t, region: r } = f;
  if (!b || !c || !t || !REGION.test(r) || !CLUSTER_NAME.test(c) || !TASK_ID.test(t)) return undefined;
  return `${b}/ecs/v2/clusters/${encodeURIComponent(c)}/tasks/${encodeURIComponent(t)}/configuration?region=${r}`;
}

/** A `*Label*\nvalue` field; the value as inline code (never formatted or linked). */
const field = (label: string, value: string | undefined, max = 300): string =>
  `*${label}*\n${value ? code(value, max) : '–'}`;

function summaryFields(f: Finding): string[] {
  const container = f.container;
  return [
    field('Cluster', f.clusterName ?? f.clusterArn),
    field('Service', f.service ?? (f.taskFamily ? `family:${f.taskFamily}` : f.group)),
    field('Task', f.taskId ?? f.taskArn),
    field('Container', container?.name ?? container?.id),
    field('Image', container?.image ? container.image : undefined, 400),
    field('Account / Region', `${f.accountId} / ${f.region}`),
    field('Launch type', f.launchType),
    field('Task definition', f.taskDefinition),
    `*Severity*\n${mrkdwn(`${f.severityLabel} (${f.severity})`, 60)}`,
    field('Resource', [f.resourceType, f.featureName].filter(Boolean).join(' · ') || undefined),
  ];
}

function processText(f: Finding): string | undefined {
  const p = f.process;
  if (!p) return undefined;
  const lines: string[] = [];
  const who = [
    p.name ? code(p.name, 200) : undefined,
    p.pid !== undefined ? `pid ${p.pid}` : undefined,
    p.user !== undefined || p.uid !== undefined
      ? `user ${p.user ? code(p.user, 100) : ''}${p.uid !== undefined ? ` (uid ${p.uid})` : ''}`
      : undefined,
  ].filter(Boolean);
  if (who.length) lines.push(`*Process* ${who.join(' · ')}`);
  if (p.executablePath) lines.push(`*Executable* ${code(p.executablePath, 400)}`);
  if (p.executableSha256) lines.push(`*SHA-256* ${code(p.executableSha256, 100)}`);
  if (p.workingDirectory) lines.push(`*Working dir* ${code(p.workingDirectory, 200)}`);
  if (p.lineage.length) {
    const shown = p.lineage.slice(0, 6).map((l) => {
      const name = code(l.name ?? l.executablePath ?? '?', 80);
      return l.pid !== undefined ? `${name} (${l.pid})` : name;
    });
    const more = p.lineage.length > 6 ? ` ← … ${p.lineage.length - 6} more` : '';
    lines.push(`*Parents* ${shown.join(' ← ')}${more}`);
  }
  if (p.commandLine) lines.push(`*Command line*\n${code(p.commandLine, 1500, true)}`);
  return lines.length ? lines.join('\n') : undefined;
}

function runtimeText(f: Finding): string | undefined {
  const r = f.runtime;
  const lines: string[] = [];
  if (r.domains.length) lines.push(`*Domains* ${codeList(r.domains, 500, 150)}`);
  if (r.ips.length) lines.push(`*IPs* ${codeList(r.ips, 300, 60)}`);
  if (r.files.length) lines.push(`*Files* ${codeList(r.files, 600, 300)}`);
  const mp = r.modifyingProcess;
  if (mp && (mp.name || mp.executablePath || mp.pid !== undefined)) {
    const pid = mp.pid !== undefined ? ` (pid ${mp.pid})` : '';
    lines.push(`*Modified by* ${code(mp.name ?? mp.executablePath ?? '?', 200)}${pid}`);
  }
  const other = Object.entries(r.other);
  if (other.length) {
    const shown = other.slice(0, 8).map(([k, v]) => `${mrkdwn(k, 40)}: ${code(v, 120)}`);
    const more = other.length > 8 ? ` and ${other.length - 8} more` : '';
    lines.push(`*Context* ${shown.join(' · ')}${more}`);
  }
  return lines.length ? lines.join('\n') : undefined;
}

const mentions = (ids: string[], max = 10): string => {
  const shown = ids.slice(0, max).map(principalMention);
  return ids.length > max ? `${shown.join(', ')} and ${ids.length - max} more` : shown.join(', ') || 'nobody';
};

/** Status lines (who requested, approved, when, result) from the trusted state. */
function statusLines(f: Finding, state: CardState, now: number | undefined): string[] {
  const lines: string[] = [];
  if (state.archived) {
    lines.push(
      state.archived.byId
        ? `:file_folder: *Archived* by ${principalMention(state.archived.byId)} ${slackDate(state.archived.at)}`
        : `:file_folder: *Archived in GuardDuty* ${slackDate(state.archived.at)}`,
    );
  } else if (f.archived) {
    lines.push(':file_folder: *Archived in GuardDuty*');
  }
  const o = state.outcome;
  if (o) {
    const name = o.restore ? `Restore after ${remediationLabel(o.action)}` : remediationLabel(o.action);
    const who = [
      o.requesterId ? `requested by ${principalMention(o.requesterId)}` : undefined,
      o.approverId ? `approved by ${principalMention(o.approverId)}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    const icon = o.ok ? ':white_check_mark:' : ':x:';
    const result = o.ok ? 'succeeded' : o.retryable ? 'failed (can be retried)' : 'failed';
    lines.push(`${icon} *${name} ${result}* ${slackDate(o.at)}${who ? ` · ${who}` : ''}`);
    if (o.message) lines.push(`> ${mrkdwn(o.message, 500).replace(/\n/g, '\n> ')}`);
  }
  const p = state.pending;
  if (p) {
    const name = remediationLabel(p.action);
    const left =
      now !== undefined && p.expiresAt > now ? ` (${Math.ceil((p.expiresAt - now) / 60_000)} min left)` : '';
    lines.push(
      `:hourglass_flowing_sand: *${name} requested* by ${principalMention(p.requesterId)} · waiting for approval`,
      `*Approvers:* ${mentions(p.approverMentions)} · expires ${slackDate(p.expiresAt)}${left}`,
    );
  } else if (state.running) {
    const r = state.running;
    const name = remediationLabel(r.action);
    const by = r.requesterId ? `requested by ${principalMention(r.requesterId)}, ` : '';
    lines.push(
      `:gear: *${name} approved* · ${by}approved by ${principalMention(r.approverId)} ${slackDate(r.at)} · running…`,
    );
  } else if (state.expired) {
    lines.push(`:alarm_clock: *Request expired* ${slackDate(state.expired.at)}; nothing was done.`);
  }
  return lines;
}

function buttonsFor(f: Finding, state: CardState): Button[] {
  const cardId = state.cardId;
  const ecsContext = button(ACTION_ID.ecsContext, 'ECS context', cardId);
  if (state.archived || f.archived) return [ecsContext];
  if (state.running) return [ecsContext];
  if (state.pending) {
    const p = state.pending;
    const name = remediationLabel(p.action);
    const approveText =
      FINDING_CARD_REMEDIATIONS.find((r) => r.name === p.action)?.button.approveText ??
      'The action will run now.';
    return [
      button(ACTION_ID.approve, 'Approve', p.requestId, {
        style: 'primary',
        confirm: confirmDialog(`Approve ${name}?`, approveText, 'Approve', 'primary'),
      }),
      button(ACTION_ID.reject, 'Reject', p.requestId, {
        style: 'danger',
        confirm: confirmDialog(
          `Reject ${name}?`,
          'The request will be closed and nothing will run.',
          'Reject',
        ),
      }),
      ecsContext,
    ];
  }
  if (state.outcome) {
    const o = state.outcome;
    if (!o.ok && o.retryable)
      return [button(ACTION_ID.retry, 'Retry', o.requestId, { style: 'primary' }), ecsContext];
    if (o.ok && o.undoable) {
      const name = remediationLabel(o.action);
      return [
        button(ACTION_ID.restore, 'Restore', o.requestId, {
          confirm: confirmDialog(
            `Restore after ${name}?`,
            `This undoes ${name} with the state stored before it ran.`,
            'Restore',
          ),
        }),
        ecsContext,
      ];
    }
    return [ecsContext];
  }
  return [
    ...FINDING_CARD_REMEDIATIONS.map(({ label, button: b }) =>
      button(b.actionId, label, cardId, {
        ...(b.style ? { style: b.style } : {}),
        ...(b.confirm
          ? { confirm: confirmDialog(b.confirm.title, b.confirm.text, b.confirm.button, b.style) }
          : {}),
      }),
    ),
    ecsContext,
  ];
}

function fallbackText(f: Finding, state: CardState): string {
  const where = [f.clusterName, f.service ?? f.taskFamily].filter(Boolean).join('/');
  const status =
    state.archived || f.archived
      ? ' [archived]'
      : state.pending
        ? ' [approval pending]'
        : state.running
          ? ' [running]'
          : state.outcome
            ? state.outcome.ok
              ? ' [done]'
              : ' [failed]'
            : '';
  const raw = `${f.sample ? '[SAMPLE] ' : ''}${f.severityLabel} ${f.type}${where ? ` in ${where}` : ''} (${f.accountId} ${f.region})${status}`;
  return `${SEVERITY_EMOJI[f.severityLabel]} ${oneLine(raw, LIMITS.fallbackText - 30)}`;
}

export function buildFindingCard(f: Finding, state: CardState, opts: CardOptions): SlackMessage {
  const blocks: KnownBlock[] = [];
  const emoji = SEVERITY_EMOJI[f.severityLabel];
  blocks.push(header(`${emoji} ${f.sample ? 'SAMPLE · ' : ''}${f.severityLabel} · ${f.type}`, 'header'));
  if (f.sample) {
    blocks.push(
      section(
        ':test_tube: *SAMPLE FINDING*: generated by GuardDuty (CreateSampleFindings); no real threat.',
        'sample',
      ),
    );
  }
  // Title and description on their own lines, markup neutralised: neither can draw a fake status line.
  const description = f.description && f.description !== f.title ? `\n${oneLine(f.description, 900)}` : '';
  blocks.push(section(`*${oneLine(f.title, 300)}*${description}`, 'summary'));
  blocks.push(fieldsSection(summaryFields(f), 'where'));
  const proc = processText(f);
  if (proc) blocks.push(section(proc, 'process'));
  const rt = runtimeText(f);
  if (rt) blocks.push(section(rt, 'runtime'));
  const status = statusLines(f, state, opts.now);
  if (status.length) blocks.push(section(status.join('\n'), 'status'));

  const meta = [
    `Finding ${code(f.id, 140)}`,
    `first seen ${slackDate(f.firstSeen ?? f.createdAt)}`,
    `last seen ${slackDate(f.lastSeen ?? f.updatedAt)}`,
    `count ${f.count}`,
  ];
  if (state.updatedCount) meta.push(`updated ${state.updatedCount}×`);
  if (f.startedBy) meta.push(`started by ${code(f.startedBy, 140)}`);
  const ctx = [meta.join(' · ')];
  if (f.sample) ctx.unshift(':test_tube: *SAMPLE FINDING*');
  blocks.push(context(ctx, 'meta'));

  const links = [guardDutyConsoleUrl(f, opts.consoleUrl), ecsTaskConsoleUrl(f, opts.consoleUrl)];
  const linkTexts = [
    links[0] ? link(links[0], 'Open in GuardDuty') : undefined,
    links[1] ? link(links[1], 'Open task in ECS') : undefined,
  ].filter((x): x is string => !!x);
  if (linkTexts.length) blocks.push(context([linkTexts.join(' · ')], 'links'));

  // A new block_id whenever the state changes, as Slack advises for updated messages.
  const stateKey = shortHash(JSON.stringify([state, f.archived]));
  blocks.push(actions(buttonsFor(f, state), `actions-${stateKey}`));
  return { text: fallbackText(f, state), blocks: fitTotalText(blocks.slice(0, LIMITS.blocks)) };
}

const textLength = (b: KnownBlock): number => JSON.stringify(b).length;

/**
 * Slack rejects messages whose text adds up past ~12k characters (`msg_blocks_too_long`). Each
 * section is already capped; if together they still exceed the budget, the untrusted detail
 * sections (runtime context, then process) give way first. JSON length over-counts, so it is safe.
 */
export function fitTotalText(blocks: KnownBlock[]): KnownBlock[] {
  let excess = blocks.reduce((n, b) => n + textLength(b), 0) - LIMITS.totalText;
  for (const id of ['runtime', 'process', 'summary']) {
    if (excess <= 0) break;
    const i = blocks.findIndex((b) => b.block_id === id);
    const b = blocks[i];
    if (b?.type !== 'section' || !b.text) continue;
    const keep = Math.max(200, b.text.text.length - excess - 64);
    const cut = section(truncate(b.text.text, keep), id);
    excess -= textLength(b) - textLength(cut);
    blocks[i] = cut;
  }
  return blocks;
}
