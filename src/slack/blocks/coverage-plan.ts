/** Block Kit for enable/disable: the pre-flight plan with Confirm/Cancel, its decision and result. */
import type { CoveragePlan } from '../../requests/plans.js';
import { mrkdwn, principalMention, userMention } from '../mrkdwn.js';
import { packLines } from './pack-lines.js';
import { actions, button, confirmDialog, context, header, section, slackDate } from './parts.js';

/** A plan message: fallback text and its blocks (a command reply or a response_url update). */
export interface PlanReply {
  text: string;
  blocks: unknown[];
}

export const CONFIRM_ACTION = 'coverage_confirm';
export const CANCEL_ACTION = 'coverage_cancel';

export interface PreflightCheck {
  ok: boolean | 'warn';
  text: string;
}

export interface CoverageJobOutcome {
  ok: boolean;
  tagBefore: string;
  tagAfter?: string;
  insights?: 'enabled' | 'already' | 'skipped' | 'failed';
  /** Services whose running tasks have no agent and must be redeployed. */
  servicesToRedeploy: string[];
  /** Standalone (non-service) tasks to relaunch. */
  standaloneTasks: number;
  error?: string;
}

const mark = (c: PreflightCheck) =>
  c.ok === true ? ':white_check_mark:' : c.ok === 'warn' ? ':warning:' : ':x:';

const verb = (p: Pick<CoveragePlan, 'action'>) => (p.action === 'enable' ? 'Enable' : 'Disable');
const tagValue = (p: Pick<CoveragePlan, 'action'>) => (p.action === 'enable' ? 'true' : 'false');

function targetLine(p: CoveragePlan): string {
  return `*${mrkdwn(p.cluster, 200)}* · account ${p.accountId} · ${p.region}`;
}

export function planSteps(p: CoveragePlan): string[] {
  const was = p.tagBefore ? `was \`${mrkdwn(p.tagBefore, 50)}\`` : 'no tag yet';
  const steps = [
    `1. Tag the cluster \`GuardDutyManaged=${tagValue(p)}\` (${was})${p.action === 'enable' ? ': includes it in Runtime Monitoring, removing any exclusion' : ': excludes it; tasks launched from now on get no agent'}`,
  ];
  if (p.action === 'enable' && p.insights)
    steps.push('2. Turn on Container Insights (`containerInsights=enabled`)');
  if (p.action === 'enable')
    steps.push(`${steps.length + 1}. List the services whose running tasks must be redeployed to be covered`);
  return steps;
}

export function buildPlanMessage(
  p: CoveragePlan,
  checks: PreflightCheck[],
  approvers: string[],
  opts: { blocked: boolean; hint?: string },
): PlanReply {
  const blocks: unknown[] = [
    header(`${verb(p)} Runtime Monitoring: ${p.cluster}`, 'plan-header'),
    section(targetLine(p), 'plan-target'),
    ...packLines(
      checks.map((c) => `${mark(c)} ${c.text}`),
      'plan-checks',
      { maxBlocks: 3, maxText: 3000 },
    ).blocks,
  ];
  if (opts.blocked) {
    blocks.push(
      section(':no_entry: *Blocked*: fix the :x: items above and run the command again.', 'plan-blocked'),
    );
    return { text: `${verb(p)} ${p.cluster}: blocked by the pre-flight`, blocks };
  }
  blocks.push(section(`*Plan*\n${planSteps(p).join('\n')}`, 'plan-steps'));
  const who = approvers.length
    ? approvers.slice(0, 10).map(principalMention).join(', ')
    : 'nobody (no approvers configured)';
  blocks.push(
    ...(opts.hint ? [section(`:information_source: ${opts.hint}`, 'plan-hint')] : []),
    context(
      [
        `Requested by ${userMention(p.requester)} · only ${who} can confirm · expires ${slackDate(p.expiresAt)}`,
      ],
      'plan-who',
    ),
    actions(
      [
        button(CONFIRM_ACTION, 'Confirm', p.planId, {
          style: p.action === 'enable' ? 'primary' : 'danger',
          confirm: confirmDialog(
            `${verb(p)} ${p.cluster}?`,
            `Tag ${p.cluster} in ${p.accountId}/${p.region} with GuardDutyManaged=${tagValue(p)}.`,
            verb(p),
            p.action === 'enable' ? 'primary' : 'danger',
          ),
        }),
        button(CANCEL_ACTION, 'Cancel', p.planId),
      ],
      'plan-actions',
    ),
  );
  return { text: `${verb(p)} Runtime Monitoring for ${p.cluster}: confirm to run`, blocks };
}

/** The plan after a decision: no buttons, who decided, and the result when there is one. */
export function buildPlanDecided(
  p: CoveragePlan,
  d: { status: 'confirmed' | 'cancelled'; by: string; at: number },
  outcome?: CoverageJobOutcome,
): PlanReply {
  const blocks: unknown[] = [
    header(`${verb(p)} Runtime Monitoring: ${p.cluster}`, 'plan-header'),
    section(targetLine(p), 'plan-target'),
  ];
  if (d.status === 'cancelled') {
    blocks.push(
      context([`:no_entry_sign: Cancelled by ${userMention(d.by)} ${slackDate(d.at)}`], 'plan-decided'),
    );
    return { text: `${verb(p)} ${p.cluster}: cancelled`, blocks };
  }
  blocks.push(context([`Confirmed by ${userMention(d.by)} ${slackDate(d.at)}`], 'plan-decided'));
  if (!outcome) {
    blocks.push(section(`:hourglass_flowing_sand: Queued: ${planSteps(p).length} step(s)…`, 'plan-status'));
    return { text: `${verb(p)} ${p.cluster}: confirmed, queued`, blocks };
  }
  // Failed before any change; a later step's failure is shown beside the steps that were made.
  if (!outcome.ok && !outcome.tagAfter) {
    blocks.push(section(`:x: *Failed*: ${mrkdwn(outcome.error ?? 'unknown error', 2500)}`, 'plan-status'));
    return { text: `${verb(p)} ${p.cluster}: failed`, blocks };
  }
  const lines = [
    `:white_check_mark: Tagged \`GuardDutyManaged=${outcome.tagAfter ?? tagValue(p)}\` (was ${outcome.tagBefore ? `\`${mrkdwn(outcome.tagBefore, 50)}\`` : 'no tag'})`,
  ];
  if (outcome.insights === 'enabled') lines.push(':white_check_mark: Container Insights enabled');
  if (outcome.insights === 'already') lines.push(':white_check_mark: Container Insights was already on');
  if (outcome.insights === 'failed')
    lines.push(`:x: *${mrkdwn(outcome.error ?? 'Container Insights not enabled', 1500)}*`);
  blocks.push(section(lines.join('\n'), 'plan-status'));
  if (p.action === 'enable') {
    const svc = outcome.servicesToRedeploy;
    if (svc.length === 0 && outcome.standaloneTasks === 0) {
      blocks.push(section('No running Fargate task is missing the agent.', 'plan-redeploy'));
    } else {
      blocks.push(
        section(
          `*Redeploy to be covered* (running tasks started before enablement have no agent; \`aws ecs update-service --force-new-deployment\`):`,
          'plan-redeploy',
        ),
        ...packLines(
          svc.map((s) => `• ${mrkdwn(s, 255)}`),
          'plan-services',
          { maxBlocks: 3, maxText: 3000 },
        ).blocks,
      );
      if (outcome.standaloneTasks > 0)
        blocks.push(
          context(
            [`${outcome.standaloneTasks} standalone task(s) must be stopped and started again`],
            'plan-tasks',
          ),
        );
    }
  }
  return { text: `${verb(p)} ${p.cluster}: ${outcome.ok ? 'done' : 'partly done (a step failed)'}`, blocks };
}
