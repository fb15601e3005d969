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
  /**
   * The blast-radius line when known (other tasks on the same image digest, the same task role):
   * safe mrkdwn from its own builder (containment), shown as is under the process line.
   */
  blastRadius?: string;
  /** The attack-sequence incident this finding is part of: "part of incident …" links back. */
  incident?: {
    title: string;
    url?: string;
    /** The incident card's last Contain outcome: its plan covered this finding's task too. */
    contained?: IncidentContained;
  };
}

/**
 * What the posted card may cost (documented in the README; a test holds every fixture to it):
 * the card is read in five seconds, everything else goes to the one Details thread reply.
 */
export const CARD_BUDGET = { blocks: 10, text: 4000 } as const;

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

/** The short grid: where it happened, six fields. */
function summaryFields(f: Finding): string[] {
  const container = f.container;
  return [
    field('Cluster', f.clusterName ?? f.clusterArn, 120),
    field('Service', f.service ?? (f.taskFamily ? `family:${f.taskFamily}` : f.group), 120),
    field('Task', f.taskId ?? f.taskArn, 100),
    field('Container', container?.name ?? container?.id, 120),
    field('Image', container?.image ? container.image : undefined, 250),
    field('Account / Region', `${f.accountId} / ${f.region}`),
  ];
}

/** Process and command line in one or two lines (the rest is in Details). */
function processLines(f: Finding): string | undefined {
  const p = f.process;
  if (!p) return undefined;
  const who = [
    p.name ? code(p.name, 120) : p.executablePath ? code(p.executablePath, 200) : undefined,
    p.pid !== undefined ? `pid ${p.pid}` : undefined,
    p.user ? `user ${code(p.user, 60)}` : p.uid !== undefined ? `uid ${p.uid}` : undefined,
  ].filter(Boolean);
  const lines: string[] = [];
  if (who.length) lines.push(`*Process* ${who.join(' · ')}`);
  if (p.commandLine) lines.push(`*Command* ${code(p.commandLine, 300)}`);
  else if (p.name && p.executablePath) lines.push(`*Executable* ${code(p.executablePath, 300)}`);
  return lines.length ? lines.join('\n') : undefined;
}

/** Everything about the process (Details reply). */
function processDetails(f: Finding): string | undefined {
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

function runtimeDetails(f: Finding): string | undefined {
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
export function statusLines(f: Finding, state: CardState, now: number | undefined): string[] {
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
    if (o.message) lines.push(`> ${mrkdwn(o.message, 300).replace(/\n/g, '\n> ')}`);
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
  } else if (state.running?.runAt) {
    const r = state.running;
    const name = remediationLabel(r.action);
    lines.push(
      `:rotating_light: *${name === 'Contain' ? 'Containing' : name} in ${windowText(r.runAt! - r.at)} unless someone cancels* · auto-contain rule ${code(r.rule ?? '?', 70)} · runs ${slackDate(r.runAt!)}`,
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

/** A cancel window as people say it: "5:00", "1:30". */
export const windowText = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** The buttons of a card in its state; `offered` = the remediations shown on a fresh card. */
export function buttonsFor(
  f: Finding,
  state: CardState,
  offered: readonly (typeof FINDING_CARD_REMEDIATIONS)[number][] = FINDING_CARD_REMEDIATIONS,
): Button[] {
  const cardId = state.cardId;
  const ecsContext = button(ACTION_ID.ecsContext, 'ECS context', cardId);
  if (state.archived || f.archived) return [ecsContext];
  if (state.running?.runAt)
    return [
      // Safe to click (nothing runs), so no confirm dialog.
      button(ACTION_ID.cancel, 'Cancel', state.running.requestId, { style: 'danger' }),
      ecsContext,
    ];
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
    ...offered.map(({ label, button: b }) =>
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
        : state.running?.runAt
          ? ' [auto-contain: cancel window]'
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

/** The one status word of a card: what state it is in, before any detail. */
export function cardStatusWord(f: Finding, state: CardState): string {
  if (state.archived || f.archived) return 'ARCHIVED';
  if (state.pending) return 'APPROVAL PENDING';
  if (state.running?.runAt) return 'CONTAINING SOON';
  if (state.running) return 'RUNNING';
  if (state.outcome) return state.outcome.ok ? 'DONE' : 'FAILED';
  return 'OPEN';
}

/** The header of a finding or incident card: severity marker, severity WORD, sample mark, type. */
export function severityHeader(f: Pick<Finding, 'severityLabel' | 'sample' | 'type'>): KnownBlock {
  return header(
    `${SEVERITY_EMOJI[f.severityLabel]} ${f.sample ? 'SAMPLE · ' : ''}${f.severityLabel.toUpperCase()} · ${f.type}`,
    'header',
  );
}

/** What the incident's Contain did, as the incident card's outcome says it (trusted fields only). */
export interface IncidentContained {
  ok: boolean;
  /** The outcome is the Restore after the incident's Contain. */
  restore?: boolean;
  at: number;
  approverId?: string;
}

/** The line a cited finding's card gets once the incident's plan ran over its task. */
export function incidentContainedLine(c: IncidentContained): string {
  const by = c.approverId ? ` (approved by ${principalMention(c.approverId)})` : '';
  if (!c.ok) return `:x: The incident's Contain failed ${slackDate(c.at)}: see the incident card`;
  if (c.restore)
    return `:arrows_counterclockwise: The incident's containment was restored ${slackDate(c.at)}${by}`;
  return `:shield: Contained with the incident's plan ${slackDate(c.at)}${by}; Restore is on the incident card`;
}

/**
 * The posted card, read in five seconds: header (severity marker, severity WORD, type), the title
 * as the one sentence, a six-field grid, process and command line, the blast-radius line when
 * known, the incident it belongs to, the status line, the buttons. The rest is in
 * `buildFindingDetails` (one thread reply). Within `CARD_BUDGET` for any input.
 */
export function buildFindingCard(f: Finding, state: CardState, opts: CardOptions): SlackMessage {
  const blocks: KnownBlock[] = [severityHeader(f)];
  const sample = f.sample ? ':test_tube: *SAMPLE FINDING* (CreateSampleFindings, no real threat): ' : '';
  // The title on one line, markup neutralised: it cannot draw a fake status line.
  blocks.push(section(`${sample}*${oneLine(f.title, 300)}*`, 'summary'));
  blocks.push(fieldsSection(summaryFields(f), 'where'));
  const proc = processLines(f);
  if (proc) blocks.push(section(proc, 'process'));
  if (opts.blastRadius) blocks.push(section(truncate(opts.blastRadius, 400), 'blast-radius'));
  if (opts.incident) {
    const label = `part of incident ${opts.incident.title}`;
    const shown = opts.incident.url ? link(opts.incident.url, label, 200) : oneLine(label, 200);
    const contained = opts.incident.contained ? `\n${incidentContainedLine(opts.incident.contained)}` : '';
    blocks.push(section(`:link: ${shown}${contained}`, 'incident'));
  }

  const seen = [
    `seen ${f.count}×`,
    `last ${slackDate(f.lastSeen ?? f.updatedAt)}`,
    ...(state.updatedCount ? [`updated ${state.updatedCount}×`] : []),
  ];
  const status = [
    `*Status* ${cardStatusWord(f, state)} · ${seen.join(' · ')}`,
    ...statusLines(f, state, opts.now),
  ];
  blocks.push(section(status.join('\n'), 'status'));

  const links = [guardDutyConsoleUrl(f, opts.consoleUrl), ecsTaskConsoleUrl(f, opts.consoleUrl)];
  const meta = [
    `Finding ${code(f.id, 140)}`,
    links[0] ? link(links[0], 'Open in GuardDuty') : undefined,
    links[1] ? link(links[1], 'Open task in ECS') : undefined,
  ].filter((x): x is string => !!x);
  blocks.push(context([meta.join(' · ')], 'meta'));

  // A new block_id whenever the state changes, as Slack advises for updated messages.
  const stateKey = shortHash(JSON.stringify([state, f.archived]));
  blocks.push(actions(buttonsFor(f, state), `actions-${stateKey}`));
  return { text: fallbackText(f, state), blocks: blocks.slice(0, CARD_BUDGET.blocks) };
}

/**
 * The one "Details" thread reply under a card: the description, the whole process (executable,
 * hash, working directory, user, parents, full command line), the runtime context (domains, IPs,
 * files, …) and the rest of the task (launch type, task definition, started by, severity score,
 * timestamps). It does not repeat the card (nor its finding id: the card carries that).
 */
export function buildFindingDetails(f: Finding): SlackMessage {
  const blocks: KnownBlock[] = [
    context(
      [`:mag: *Details* of this ${mrkdwn(f.severityLabel.toUpperCase(), 20)} ${code(f.type, 120)} finding`],
      'd-head',
    ),
  ];
  if (f.description && f.description.trim() !== f.title.trim()) {
    blocks.push(section(`*Description*\n${oneLine(f.description, 1500)}`, 'd-description'));
  }
  const proc = processDetails(f);
  if (proc) blocks.push(section(proc, 'd-process'));
  const rt = runtimeDetails(f);
  if (rt) blocks.push(section(rt, 'd-runtime'));
  const c = f.container;
  blocks.push(
    fieldsSection(
      [
        field('Launch type', f.launchType),
        field('Task definition', f.taskDefinition),
        `*Severity*\n${mrkdwn(`${f.severityLabel.toUpperCase()} (${f.severity})`, 60)}`,
        field('Resource', [f.resourceType, f.featureName].filter(Boolean).join(' · ') || undefined),
        field('Image digest', c?.imageDigest),
        `*Privileged*\n${c?.privileged === undefined ? '–' : c.privileged ? '*YES*' : 'no'}`,
        field('Started by', f.startedBy, 200),
        `*First seen*\n${slackDate(f.firstSeen ?? f.createdAt)}`,
        `*Last seen*\n${slackDate(f.lastSeen ?? f.updatedAt)}`,
        `*Count*\n${f.count}`,
      ],
      'd-task',
    ),
  );
  const text = `Details: ${mrkdwn(`${f.severityLabel} ${f.type}${f.clusterName ? ` in ${f.clusterName}` : ''}`, 300)}`;
  return { text, blocks: fitTotalText(blocks, ['d-runtime', 'd-process', 'd-description']) };
}

const textLength = (b: KnownBlock): number => JSON.stringify(b).length;

/**
 * Slack rejects messages whose text adds up past ~12k characters (`msg_blocks_too_long`). Each
 * section is already capped; if together they still exceed the budget, the untrusted detail
 * sections (runtime context, then process) give way first. JSON length over-counts, so it is safe.
 */
export function fitTotalText(
  blocks: KnownBlock[],
  order: string[] = ['runtime', 'process', 'summary'],
): KnownBlock[] {
  let excess = blocks.reduce((n, b) => n + textLength(b), 0) - LIMITS.totalText;
  for (const id of order) {
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
