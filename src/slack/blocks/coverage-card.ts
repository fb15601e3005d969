/**
 * The coverage card: one per ECS cluster whose GuardDuty runtime coverage broke, in the coverage
 * channel, updated in place when it recovers. Status in words (emoji only beside them), the issue
 * with the same remediation hint `/ecs-guard coverage <cluster>` gives, and the running Fargate
 * tasks without the agent, per service. A pure function of the stored card data.
 */
import type { KnownBlock } from '@slack/types';
import { remediationFor } from '../../aws/coverage.js';
import { type UncoveredTasks, uncoveredCount } from '../../aws/running-tasks.js';
import type { CoverageCardData } from '../../coverage/model.js';
import { remediationLabel } from '../../remediations/index.js';
import { REDEPLOY_ACTION, redeploy } from '../../remediations/redeploy.js';
import { mrkdwn, principalMention } from '../mrkdwn.js';
import { ACTION_ID } from './action-ids.js';
import type { CardState } from './card-state.js';
import type { SlackMessage } from './finding-card.js';
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
import { coverageStatus } from './status-words.js';

/** Services listed one section each (each gets its own Redeploy); the rest are counted. */
export const MAX_SERVICES_SHOWN = 10;
const MAX_ISSUES_SHOWN = 3;

/** The issue lines with their hints, as `/ecs-guard coverage <cluster>` shows them. */
export function issueLines(
  d: Pick<CoverageCardData, 'issue' | 'issues' | 'cluster'>,
  opts: { maxIssues?: number; textMax?: number } = {},
): string[] {
  const max = opts.maxIssues ?? MAX_ISSUES_SHOWN;
  const texts = d.issues.length ? d.issues : d.issue ? [d.issue] : [];
  const lines = texts.slice(0, max).map((t) => {
    const hint = remediationFor(t);
    return `• ${mrkdwn(t, opts.textMax ?? 400)}${hint ? `\n   :bulb: ${hint.replace('<cluster>', mrkdwn(d.cluster, 120))}` : ''}`;
  });
  if (texts.length > max) lines.push(`…and ${texts.length - max} more issues`);
  return lines;
}

/** One line per service (and one for standalone tasks): name, how many tasks, their ids. */
export function uncoveredLines(u: UncoveredTasks, maxServices = MAX_SERVICES_SHOWN): string[] {
  const plural = (n: number) => `${n} task${n === 1 ? '' : 's'}`;
  const lines = u.services
    .slice(0, maxServices)
    .map(
      (s) =>
        `• service *${mrkdwn(s.service, 120)}*: ${plural(s.taskIds.length)} without the agent: ${codeList(s.taskIds, 300, 40)}`,
    );
  if (u.services.length > maxServices) {
    const rest = u.services.slice(maxServices);
    const n = rest.reduce((a, s) => a + s.taskIds.length, 0);
    lines.push(`…and ${rest.length} more services (${plural(n)})`);
  }
  if (u.standalone.length)
    lines.push(
      `• ${plural(u.standalone.length)} outside any service (stop and start them): ${codeList(u.standalone, 300, 40)}`,
    );
  return lines;
}

/** Value of a service's Redeploy button: the card id and a hash of the service name (looked up server-side). */
export const redeployValue = (cardId: string, service: string): string => `${cardId}.${shortHash(service)}`;

/** The request shown on the card (a Redeploy pending, running, or its outcome), with its buttons. */
function requestBlocks(d: CoverageCardData, state: CardState | undefined, id: string): KnownBlock[] {
  if (!state) return [];
  const svc = d.redeployService ? ` of service *${mrkdwn(d.redeployService, 120)}*` : '';
  if (state.pending) {
    const p = state.pending;
    const who = p.approverMentions.length
      ? p.approverMentions.map(principalMention).join(', ')
      : 'an approver';
    return [
      section(
        `:hourglass_flowing_sand: *REQUESTED*: ${remediationLabel(p.action)}${svc} by ${principalMention(p.requesterId)}; waiting for approval by ${who} (expires ${slackDate(p.expiresAt)}).`,
        `cov-card-req-${id}`,
      ),
      actions(
        [
          button(ACTION_ID.approve, 'Approve', p.requestId, {
            style: 'primary',
            confirm: confirmDialog(
              `Approve ${remediationLabel(p.action)}?`,
              redeploy.button?.approveText ?? '',
              'Approve',
              'primary',
            ),
          }),
          button(ACTION_ID.reject, 'Reject', p.requestId, {
            style: 'danger',
            confirm: confirmDialog('Reject?', 'The request will be closed and nothing will run.', 'Reject'),
          }),
        ],
        `cov-card-req-actions-${id}`,
      ),
    ];
  }
  if (state.running)
    return [
      section(
        `:gear: *RUNNING*: ${remediationLabel(state.running.action)}${svc} approved by ${principalMention(state.running.approverId)} ${slackDate(state.running.at)}.`,
        `cov-card-req-${id}`,
      ),
    ];
  if (state.outcome) {
    const o = state.outcome;
    const out: KnownBlock[] = [
      section(
        `${o.ok ? ':white_check_mark: *DONE*' : ':x: *FAILED*'}: ${remediationLabel(o.action)}${svc}${o.approverId ? ` (approved by ${principalMention(o.approverId)})` : ''}: ${mrkdwn(o.message, 1500)}`,
        `cov-card-req-${id}`,
      ),
    ];
    if (!o.ok && o.retryable)
      out.push(
        actions(
          [button(ACTION_ID.retry, 'Retry', o.requestId, { style: 'primary' })],
          `cov-card-req-actions-${id}`,
        ),
      );
    return out;
  }
  return [];
}

export function buildCoverageCard(d: CoverageCardData, state?: CardState): SlackMessage {
  const healthy = d.status === 'HEALTHY';
  const closed = healthy && d.recoveredAt !== undefined;
  const title = closed ? `Coverage restored: ${d.cluster}` : `Coverage gap: ${d.cluster}`;
  const id = shortHash(JSON.stringify([d.status, d.recoveredAt, d.uncovered?.checkedAt, state]));
  const blocks: KnownBlock[] = [header(title, `cov-card-h-${id}`)];
  const where = `account ${d.accountId} · ${d.region}`;
  blocks.push(
    section(
      closed
        ? `${coverageStatus(d.status)} again since ${slackDate(d.recoveredAt)} · cluster *${mrkdwn(d.cluster, 255)}* · ${where}\nIt was UNHEALTHY from ${slackDate(d.since)}: GuardDuty saw no runtime activity from its uncovered tasks then.`
        : `${coverageStatus(d.status)} since ${slackDate(d.since)} · cluster *${mrkdwn(d.cluster, 255)}* · ${where}\nGuardDuty Runtime Monitoring cannot see what runs here: no runtime findings come from uncovered tasks.`,
      `cov-card-status-${id}`,
    ),
    fieldsSection(
      [
        `*Issue*\n${d.issue ? mrkdwn(d.issue, 200) : healthy ? 'none' : 'not given'}`,
        `*Agent management*\n${mrkdwn(d.managementType ?? 'unknown', 40)}`,
      ],
      `cov-card-fields-${id}`,
    ),
  );
  if (!healthy) {
    const lines = issueLines(d);
    if (lines.length) blocks.push(section(lines.join('\n'), `cov-card-issues-${id}`));
  }
  const u = d.uncovered;
  if (u && uncoveredCount(u) > 0) {
    blocks.push(
      section(
        `*Running without the GuardDuty agent* (${uncoveredCount(u)} Fargate tasks, started before monitoring covered them): a new deployment of each service replaces them with covered tasks.`,
        `cov-card-unc-${id}`,
      ),
    );
    // One section per service, each with its own Redeploy while the gap is open and no request runs.
    const offer = !healthy && state && !state.pending && !state.running;
    uncoveredLines(u).forEach((line, i) => {
      const s = u.services[i];
      const b = section(line, `cov-card-unc-${i}-${id}`);
      blocks.push(
        offer && s && i < MAX_SERVICES_SHOWN
          ? {
              ...b,
              accessory: button(REDEPLOY_ACTION, 'Redeploy', redeployValue(state.cardId, s.service), {
                confirm: confirmDialog(
                  `Redeploy ${s.service}?`.slice(0, 100),
                  redeploy.button?.confirm?.text ?? '',
                  redeploy.button?.confirm?.button ?? 'Redeploy',
                ),
              }),
            }
          : b,
      );
    });
  } else if (u && !healthy) {
    blocks.push(context(['Every running Fargate task has the GuardDuty agent.'], `cov-card-unc-none-${id}`));
  }
  if (d.uncoveredError)
    blocks.push(
      context(
        [`:warning: Running tasks not checked: ${mrkdwn(d.uncoveredError, 500)}`],
        `cov-card-unc-err-${id}`,
      ),
    );
  blocks.push(...requestBlocks(d, state, id));
  blocks.push(
    context(
      [
        `Verified with GuardDuty ListCoverage (${d.source === 'push' ? 'EventBridge event' : 'poll'})${d.updatedAt ? ` · GuardDuty updated ${slackDate(d.updatedAt)}` : ''} · \`/ecs-guard coverage ${mrkdwn(d.cluster, 255)}\` for details`,
      ],
      `cov-card-foot-${id}`,
    ),
  );
  const text = closed
    ? `Coverage restored: ${d.cluster} (${d.accountId}, ${d.region}) is HEALTHY again`
    : `Coverage gap: ${d.cluster} (${d.accountId}, ${d.region}) is ${d.status}${d.issue ? `: ${d.issue}` : ''}`;
  return { text: mrkdwn(text, LIMITS.fallbackText), blocks: blocks.slice(0, LIMITS.blocks) };
}
