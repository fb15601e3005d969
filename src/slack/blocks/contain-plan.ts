/**
 * The Contain plan, shown to the person who clicked Contain: the steps as checkboxes (defaults
 * from the policy file), the blast radius, and "Request containment". Pure.
 */
import type { KnownBlock } from '@slack/types';
import type { ContainmentStep } from '../../config.js';
import { code, oneLine, plain } from '../mrkdwn.js';
import type { SlackMessage } from './finding-card.js';
import { actions, button, confirmDialog, context, section } from './parts.js';

export const CONTAIN_PLAN = {
  block: 'contain-steps',
  checkboxes: 'contain_steps',
  request: 'request_containment',
} as const;

/** A task of an incident's plan. */
export interface PlanTaskLine {
  accountId: string;
  region: string;
  taskArn: string;
  cluster?: string;
  service?: string;
}

export interface ContainPlanInput {
  cardId: string;
  taskId: string;
  service?: string;
  /** An incident's plan: every affected task (then `taskId` is the incident's title). */
  tasks?: PlanTaskLine[];
  /** Steps offered (revoke only when the policy file turns it on), in run order. */
  offered: { step: ContainmentStep; label: string }[];
  defaults: ContainmentStep[];
  /** Safe mrkdwn from `blastRadiusLine`, when known. */
  blastRadius?: string;
}

export function buildContainPlan(p: ContainPlanInput): SlackMessage {
  const option = (o: { step: ContainmentStep; label: string }) => ({
    text: { type: 'plain_text' as const, text: plain(o.label, 75) },
    value: o.step,
  });
  const initial = p.offered.filter((o) => p.defaults.includes(o.step)).map(option);
  const evidence =
    'Evidence is recorded first (task, task definition, service, digests, network, log and CloudTrail links)';
  const blocks: KnownBlock[] = p.tasks
    ? incidentIntro(p.taskId, p.tasks, evidence)
    : [
        section(
          `:shield: *Contain task ${code(p.taskId, 40)}*${p.service ? ` of service ${code(p.service, 100)}` : ''}\n${evidence}. Then the steps you keep ticked run in this order, each once, each on the record.`,
          'contain-intro',
        ),
      ];
  blocks.push(
    ...(p.blastRadius ? [section(`:dart: ${p.blastRadius}`, 'contain-blast')] : []),
    {
      type: 'actions',
      block_id: CONTAIN_PLAN.block,
      elements: [
        {
          type: 'checkboxes',
          action_id: CONTAIN_PLAN.checkboxes,
          options: p.offered.map(option),
          ...(initial.length ? { initial_options: initial } : {}),
        },
      ],
    },
    actions(
      [
        button(CONTAIN_PLAN.request, 'Request containment', p.cardId, {
          style: 'danger',
          confirm: confirmDialog(
            'Request containment?',
            'An approver must approve it; then the ticked steps run in order.',
            'Request',
            'danger',
          ),
        }),
      ],
      'contain-request',
    ),
    context(
      [
        'No isolate step: the security groups of an ECS-managed (awsvpc) ENI cannot be changed; isolation means a new deployment.',
      ],
      'contain-note',
    ),
  );
  const what = p.tasks ? `Contain ${p.tasks.length} tasks of the incident` : `Contain task ${p.taskId}`;
  return { text: `${what}: choose the steps`, blocks };
}

/** Lines up to `budget` characters, then "…and N more <noun>". */
function listed(title: string, lines: string[], budget: number, noun: string): string {
  let out = title;
  let n = 0;
  for (const l of lines) {
    if (out.length + l.length + 1 > budget - 40) break;
    out += `\n${l}`;
    n++;
  }
  return n < lines.length ? `${out}\n…and ${lines.length - n} more ${noun}` : out;
}

/** An incident's plan: every affected task (where it runs), and the services a hold would hold. */
function incidentIntro(title: string, tasks: PlanTaskLine[], evidence: string): KnownBlock[] {
  const id = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  const lines = tasks.map(
    (t) =>
      `• ${code(id(t.taskArn), 40)} in ${code(t.cluster ?? '?', 100)}${t.service ? ` · service ${code(t.service, 100)}` : ''} · ${oneLine(`${t.accountId} / ${t.region}`, 60)}`,
  );
  const services = [
    ...new Set(
      tasks
        .filter((t) => t.service)
        .map((t) => `${t.accountId} / ${t.region} ${t.cluster ?? '?'}/${t.service}`),
    ),
  ].map((s) => `• ${code(s, 200)}`);
  return [
    section(
      `:shield: *Contain the incident* ${oneLine(title, 200)}\nOne plan over its ${tasks.length} affected tasks. ${evidence}, for every task. Then the steps you keep ticked run in this order over all of them, each task once, each on the record.`,
      'contain-intro',
    ),
    section(listed(`*Affected tasks* (${tasks.length})`, lines, 2900, 'tasks'), 'contain-tasks'),
    ...(services.length
      ? [
          section(
            listed(`*Services a hold sets to 0* (${services.length})`, services, 2900, 'services'),
            'contain-services',
          ),
        ]
      : []),
  ];
}

/** The ticked steps in a click's `state.values` (only known step names survive). */
export function chosenSteps(
  state: Record<string, Record<string, unknown>> | undefined,
  allowed: readonly ContainmentStep[],
): ContainmentStep[] | undefined {
  const v = state?.[CONTAIN_PLAN.block]?.[CONTAIN_PLAN.checkboxes] as
    | { selected_options?: { value?: unknown }[] }
    | undefined;
  if (!v) return undefined;
  const picked = new Set((v.selected_options ?? []).map((o) => String(o.value)));
  return allowed.filter((s) => picked.has(s));
}
