/**
 * The incident card of an ECS attack sequence (`AttackSequence:ECS/CompromisedCluster`): a pure
 * function of the normalised sequence, the card state and the links to the cards of the runtime
 * findings it cites. Every string from the sequence is attacker-influenced: escaped, cut, never a
 * link or mention; links are built only from validated channel ids and ts. Within Block Kit's
 * limits for any sequence the model allows (100 signals, 400 resources, 400 endpoints).
 */
import type { KnownBlock } from '@slack/types';
import type { Finding, SequenceEndpoint, SequenceSignal } from '../../findings/model.js';
import { SEVERITY_EMOJI } from '../../findings/severity.js';
import { FINDING_CARD_REMEDIATIONS } from '../../remediations/index.js';
import { code, link, oneLine } from '../mrkdwn.js';
import type { CardState } from './card-state.js';
import {
  buttonsFor,
  type CardOptions,
  cardStatusWord,
  fitTotalText,
  guardDutyConsoleUrl,
  type SlackMessage,
  severityHeader,
  statusLines,
} from './finding-card.js';
import { LIMITS } from './limits.js';
import { actions, codeList, context, fieldsSection, section, shortHash, slackDate } from './parts.js';

/**
 * The containment remediation offered on incident cards: its plan covers every affected task of
 * the sequence (src/slack/listeners/actions/contain-plan.ts, src/remediations/contain-tasks.ts).
 */
export const INCIDENT_CONTAIN_REMEDIATION = 'contain';

/** The remediations offered on an incident card (never Stop task: an incident has many tasks). */
export const INCIDENT_REMEDIATIONS = FINDING_CARD_REMEDIATIONS.filter(
  (r) => r.name === 'archive' || r.name === INCIDENT_CONTAIN_REMEDIATION,
).sort(
  (a, b) => Number(b.name === INCIDENT_CONTAIN_REMEDIATION) - Number(a.name === INCIDENT_CONTAIN_REMEDIATION),
);

/** Signals shown in the timeline before "and N more". */
export const TIMELINE_SIGNALS = 10;

export interface IncidentCardOptions extends Pick<CardOptions, 'consoleUrl' | 'now'> {
  /** Card links of cited runtime findings: finding id → archive URL of its card. */
  cited: Map<string, string>;
}

const byTime = (a: SequenceSignal, b: SequenceSignal) =>
  (a.firstSeen ?? a.lastSeen ?? '').localeCompare(b.firstSeen ?? b.lastSeen ?? '');

function signalLine(s: SequenceSignal, cited: Map<string, string>): string {
  const url = s.findingId ? cited.get(s.findingId) : undefined;
  const parts = [
    `• ${slackDate(s.firstSeen ?? s.lastSeen)}`,
    code(s.name, 120),
    s.count > 1 ? `×${s.count}` : undefined,
    s.type !== 'FINDING' ? oneLine(s.type.toLowerCase().replace(/_/g, ' '), 30) : undefined,
    url ? link(url, 'card') : undefined,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** `title`, then lines until `budget` characters, then "…and N more <noun>" (`extra` not listed at all). */
function capped(title: string, lines: string[], budget: number, noun: string, extra = 0): string {
  const out: string[] = [title];
  let used = title.length;
  for (const l of lines) {
    if (used + l.length + 1 > budget - 40) break;
    out.push(l);
    used += l.length + 1;
  }
  const more = lines.length - (out.length - 1) + extra;
  if (more > 0) out.push(`…and ${more} more ${noun}`);
  return out.join('\n');
}

function endpointText(e: SequenceEndpoint): string {
  const where = [e.city, e.country].filter(Boolean).join(', ');
  const as = e.asNumber !== undefined ? `AS${e.asNumber}${e.asName ? ` ${e.asName}` : ''}` : e.asName;
  const target = [e.ip ?? e.domain ?? e.id, e.port !== undefined ? String(e.port) : undefined]
    .filter(Boolean)
    .join(':');
  const extra = [e.ip && e.domain ? e.domain : undefined, where || undefined, as, e.direction?.toLowerCase()]
    .filter(Boolean)
    .join(', ');
  return `${code(target, 120)}${extra ? ` (${oneLine(extra, 160)})` : ''}`;
}

const uniq = (xs: (string | undefined)[]): string[] => [...new Set(xs.filter((x): x is string => !!x))];

export function buildIncidentCard(f: Finding, state: CardState, opts: IncidentCardOptions): SlackMessage {
  const seq = f.sequence;
  const signals = [...(seq?.signals ?? [])].sort(byTime);
  const resources = seq?.resources ?? [];
  const blocks: KnownBlock[] = [severityHeader(f)];
  const description = seq?.description && seq.description !== f.title ? seq.description : f.description;
  const sample = f.sample ? ':test_tube: *SAMPLE* (CreateSampleFindings, no real threat): ' : '';
  blocks.push(
    section(
      `${sample}*${oneLine(f.title, 300)}*${description && description !== f.title ? `\n${oneLine(description, 900)}` : ''}`,
      'summary',
    ),
  );
  if (seq?.tactics.length || seq?.techniques.length) {
    const t = seq.tactics.length ? `*MITRE ATT&CK tactics* ${codeList(seq.tactics, 500, 60)}` : '';
    const q = seq.techniques.length ? `*Techniques* ${codeList(seq.techniques, 900, 120)}` : '';
    blocks.push(section([t, q].filter(Boolean).join('\n'), 'mitre'));
  }

  const shown = signals.slice(0, TIMELINE_SIGNALS).map((s) => signalLine(s, opts.cited));
  const more = signals.length - shown.length;
  blocks.push(
    section(
      capped(`*Signals* (${signals.length}, first seen first)`, shown, 2900, 'signals', more),
      'signals',
    ),
  );

  const of = (type: string) => resources.filter((r) => r.type === type);
  const clusters = uniq(of('ECS_CLUSTER').map((r) => r.cluster ?? r.name));
  const tasks = of('ECS_TASK');
  const services = uniq(tasks.map((r) => r.service));
  const images = uniq(of('CONTAINER').map((r) => r.image));
  const accounts = uniq(
    resources.map((r) => (r.accountId ? `${r.accountId} / ${r.region ?? f.region}` : undefined)),
  );
  const list = (label: string, xs: string[], budget: number, itemMax = 100) =>
    `*${label}* (${xs.length})\n${xs.length ? codeList(xs, budget, itemMax) : '–'}`;
  blocks.push(
    fieldsSection(
      [
        list('Clusters', clusters, 400),
        list('Services', services, 400),
        list('Tasks', uniq(tasks.map((r) => r.name ?? r.uid.split('/').pop())), 500, 64),
        list('Images', images, 600, 200),
        list('Accounts / Regions', accounts.length ? accounts : [`${f.accountId} / ${f.region}`], 300),
      ],
      'affected',
    ),
  );
  const endpoints = seq?.endpoints ?? [];
  if (endpoints.length) {
    blocks.push(
      section(
        capped(
          `*Network endpoints* (${endpoints.length})`,
          endpoints.map((e) => `• ${endpointText(e)}`),
          1500,
          'endpoints',
        ),
        'endpoints',
      ),
    );
  }
  const cards = uniq(signals.map((s) => s.findingId)).filter((id) => opts.cited.has(id));
  if (cards.length) {
    const links = cards.map((id, i) => link(opts.cited.get(id) as string, `#${i + 1}`));
    // Links one after another: as many as fit, then "and N more".
    let t = `*Cards of the cited findings* (${cards.length})\n`;
    let n = 0;
    for (const l of links) {
      if (t.length + l.length + 1 > 2850) break;
      t += `${l} `;
      n++;
    }
    if (n < links.length) t += `…and ${links.length - n} more`;
    blocks.push(section(t, 'cited'));
  }

  const status = [
    `*Status* ${cardStatusWord(f, state)} · seen ${f.count}× · last ${slackDate(f.lastSeen ?? f.updatedAt)}`,
    ...statusLines(f, state, opts.now),
  ];
  blocks.push(section(status.join('\n'), 'status'));
  const gd = guardDutyConsoleUrl(f, opts.consoleUrl);
  blocks.push(
    context(
      [
        [`Incident ${code(f.id, 140)}`, gd ? link(gd, 'Open in GuardDuty') : undefined]
          .filter(Boolean)
          .join(' · '),
      ],
      'meta',
    ),
  );
  const stateKey = shortHash(JSON.stringify([state, f.archived]));
  blocks.push(actions(buttonsFor(f, state, INCIDENT_REMEDIATIONS), `actions-${stateKey}`));

  const where = clusters.slice(0, 5).join(', ');
  const text = `${SEVERITY_EMOJI[f.severityLabel]} ${oneLine(
    `${f.sample ? '[SAMPLE] ' : ''}${f.severityLabel} incident ${f.type}${where ? ` in ${where}` : ''}: ${signals.length} signals, ${tasks.length} tasks (${f.accountId} ${f.region})`,
    LIMITS.fallbackText - 30,
  )}`;
  return {
    text,
    blocks: fitTotalText(blocks.slice(0, LIMITS.blocks), ['cited', 'endpoints', 'signals', 'summary']),
  };
}
