/**
 * The Contain plan, shown to the person who clicked Contain: the steps as checkboxes (defaults
 * from the policy file), the blast radius, and "Request containment". Pure.
 */
import type { KnownBlock } from '@slack/types';
import type { ContainmentStep } from '../../config.js';
import { code, plain } from '../mrkdwn.js';
import type { SlackMessage } from './finding-card.js';
import { actions, button, confirmDialog, context, section } from './parts.js';

export const CONTAIN_PLAN = {
  block: 'contain-steps',
  checkboxes: 'contain_steps',
  request: 'request_containment',
} as const;

export interface ContainPlanInput {
  cardId: string;
  taskId: string;
  service?: string;
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
  const blocks: KnownBlock[] = [
    section(
      `:shield: *Contain task ${code(p.taskId, 40)}*${p.service ? ` of service ${code(p.service, 100)}` : ''}\nEvidence is recorded first (task, task definition, service, digests, network, log and CloudTrail links). Then the steps you keep ticked run in this order, each once, each on the record.`,
      'contain-intro',
    ),
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
  ];
  return { text: `Contain task ${p.taskId}: choose the steps`, blocks };
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
