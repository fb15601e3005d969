/**
 * The "Suppress similar" modal: the exact GuardDuty filter criteria of each scope are shown before
 * confirming; the scope, the expiry and a reason are required. A pure function of the finding.
 * The view carries only the card id (private_metadata); the submission is checked server-side.
 */
import type { Finding } from '../../findings/model.js';
import { EXPIRY_CHOICES, type ScopeOption } from '../../suppressions/criteria.js';
import { code, mrkdwn, plain } from '../mrkdwn.js';
import { context, section } from './parts.js';

export const SUPPRESS_VIEW = 'suppress_similar_submit';
export const SUPPRESS_FIELDS = {
  scope: { block: 'sup-scope', action: 'scope' },
  expiry: { block: 'sup-expiry', action: 'expiry' },
  reason: { block: 'sup-reason', action: 'reason' },
} as const;
export const REASON_MIN = 5;
export const REASON_MAX = 300;

const SCOPE_LABEL: Record<ScopeOption['scope'], string> = {
  cluster: 'Finding type + cluster',
  image: '+ this container image',
  process: '+ this process executable',
};

/** The criteria as people read them: `field = value` lines in code. */
export function criteriaLines(o: ScopeOption): string {
  return Object.entries(o.criterion)
    .map(([field, cond]) => `${code(field, 80)} = ${code(cond.Equals.join(', '), 300)}`)
    .join('\n');
}

export function buildSuppressModal(
  f: Pick<Finding, 'type' | 'clusterName' | 'accountId' | 'region'>,
  options: ScopeOption[],
  opts: { cardId: string; approvalNote: string },
) {
  const blocks: unknown[] = [
    section(
      `Archive new *${mrkdwn(f.type, 200)}* findings like this one with a GuardDuty suppression rule (a filter with action ARCHIVE in the administrator account, ${mrkdwn(f.region, 30)}): they are archived as they arrive and never reach Slack. It expires; \`/ecs-guard suppressions\` lists it with *Remove*.`,
      'sup-intro',
    ),
  ];
  options.forEach((o, i) => {
    blocks.push(section(`*${i + 1}. ${SCOPE_LABEL[o.scope]}*\n${criteriaLines(o)}`, `sup-crit-${o.scope}`));
  });
  blocks.push(
    {
      type: 'input',
      block_id: SUPPRESS_FIELDS.scope.block,
      label: { type: 'plain_text', text: 'Suppress findings matching' },
      element: {
        type: 'radio_buttons',
        action_id: SUPPRESS_FIELDS.scope.action,
        options: options.map((o, i) => ({
          text: { type: 'plain_text', text: plain(`${i + 1}. ${SCOPE_LABEL[o.scope]}`, 75) },
          value: o.scope,
        })),
        ...(options[0]
          ? {
              initial_option: {
                text: { type: 'plain_text', text: plain(`1. ${SCOPE_LABEL[options[0].scope]}`, 75) },
                value: options[0].scope,
              },
            }
          : {}),
      },
    },
    {
      type: 'input',
      block_id: SUPPRESS_FIELDS.expiry.block,
      label: { type: 'plain_text', text: 'Expires after' },
      element: {
        type: 'static_select',
        action_id: SUPPRESS_FIELDS.expiry.action,
        placeholder: { type: 'plain_text', text: 'Choose how long' },
        options: EXPIRY_CHOICES.map((c) => ({ text: { type: 'plain_text', text: c.label }, value: c.value })),
      },
    },
    {
      type: 'input',
      block_id: SUPPRESS_FIELDS.reason.block,
      label: { type: 'plain_text', text: 'Reason (why this is expected)' },
      element: {
        type: 'plain_text_input',
        action_id: SUPPRESS_FIELDS.reason.action,
        multiline: true,
        min_length: REASON_MIN,
        max_length: REASON_MAX,
      },
    },
    context([mrkdwn(opts.approvalNote, 500)], 'sup-policy'),
  );
  return {
    type: 'modal' as const,
    callback_id: SUPPRESS_VIEW,
    private_metadata: opts.cardId,
    title: { type: 'plain_text' as const, text: 'Suppress similar' },
    submit: { type: 'plain_text' as const, text: 'Suppress' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks,
  };
}

/** The values of a submitted suppress modal (unvalidated strings). */
export function readSuppressSubmission(values: unknown): {
  scope?: string;
  expiry?: string;
  reason?: string;
} {
  const v = (values ?? {}) as Record<
    string,
    Record<string, { value?: string | null; selected_option?: { value?: string } | null }>
  >;
  const get = (f: { block: string; action: string }) => v[f.block]?.[f.action];
  return {
    ...(get(SUPPRESS_FIELDS.scope)?.selected_option?.value
      ? { scope: get(SUPPRESS_FIELDS.scope)?.selected_option?.value as string }
      : {}),
    ...(get(SUPPRESS_FIELDS.expiry)?.selected_option?.value
      ? { expiry: get(SUPPRESS_FIELDS.expiry)?.selected_option?.value as string }
      : {}),
    ...(typeof get(SUPPRESS_FIELDS.reason)?.value === 'string'
      ? { reason: get(SUPPRESS_FIELDS.reason)?.value as string }
      : {}),
  };
}
