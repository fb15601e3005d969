import type { AuditTarget } from '../../../audit/record.js';
import type { AppContext } from '../../../context.js';
import type { Finding } from '../../../findings/model.js';
import { type AnyRemediation, remediationLabel } from '../../../remediations/index.js';
import type { RemediationTarget } from '../../../remediations/types.js';
import { canRequest, ruleFor } from '../../../requests/policy.js';
import { newRequestId } from '../../../requests/store.js';
import { submitRequest } from '../../../requests/submit.js';
import { findingTarget } from '../../../requests/target.js';
import type { CardState } from '../../blocks/card-state.js';
import { INCIDENT_CONTAIN_REMEDIATION } from '../../blocks/incident-card.js';
import type { CardRecord } from '../../card-store.js';
import { syncCard } from '../../card-sync.js';
import { principalMention } from '../../mrkdwn.js';
import { findingOnCard } from './card-finding.js';
import { actor, type Click, refuse, tellClicker } from './click.js';

/** Why a card cannot take a new request now (from its stored state), or undefined. */
function busy(s: CardState, label: string): string | undefined {
  if (s.pending) {
    const name = remediationLabel(s.pending.action);
    return `${name} was already requested by ${principalMention(s.pending.requesterId)} and is waiting for approval.`;
  }
  if (s.running)
    return `${remediationLabel(s.running.action)} was already approved by ${principalMention(s.running.approverId)} and is running.`;
  if (s.archived) return 'This finding is already archived.';
  if (s.outcome)
    return `${remediationLabel(s.outcome.action)} has already run on this card; ${label} is no longer offered.`;
  return undefined;
}

/** What a remediation of `kind` acts on in this finding, or why the finding cannot give it. */
function targetIn(def: AnyRemediation, f: Finding): RemediationTarget | string {
  const t: RemediationTarget = findingTarget(f);
  const { cluster } = t;
  // An incident's Contain acts on the tasks its input lists (one plan over every affected task).
  const incidentPlan = !!f.sequence && def.name === INCIDENT_CONTAIN_REMEDIATION;
  if (def.target === 'task' && !f.taskArn && !incidentPlan)
    return `${def.label}: this finding names no ECS task.`;
  if (def.target === 'cluster' && !cluster) return `${def.label}: this finding names no ECS cluster.`;
  if (def.target === 'service' && (!f.service || !cluster))
    return `${def.label}: this finding's task belongs to no ECS service.`;
  if (def.target === 'role') return `${def.label}: this finding names no task role.`;
  return t;
}

/**
 * A remediation's finding-card button clicked: looks up the card and finding server-side, checks
 * policy, then claims the card (a WATCHed state change, so a double click creates one request).
 * With approval the card shows the pending request and its approvers; without, the job is queued.
 */
export async function handleRequestClick(
  ctx: AppContext,
  click: Click,
  def: AnyRemediation,
  /** The input when it was collected from the person (a modal), instead of `button.inputFrom`. */
  given?: unknown,
): Promise<void> {
  const { label, name: action } = def;
  const found = await findingOnCard(ctx, click, def);
  if (!found) return;
  const { card } = found;
  const f = found.rec.finding;
  const auditTarget = {
    accountId: f.accountId,
    region: f.region,
    findingId: f.id,
    ...(f.clusterName ? { cluster: f.clusterName } : {}),
    ...(f.taskArn ? { taskArn: f.taskArn } : {}),
  };
  const target = targetIn(def, f);
  if (typeof target === 'string') return refuse(ctx, click, action, target, auditTarget);
  const parsed = def.input.safeParse(given ?? def.button?.inputFrom?.(f) ?? {});
  if (!parsed.success)
    return refuse(ctx, click, action, `${label}: this finding lacks what it needs.`, auditTarget);
  await requestOnCard(ctx, click, def, {
    card,
    target,
    input: parsed.data,
    auditTarget,
    findingType: f.type,
  });
}

/**
 * The second half of a card request, for any card kind (finding or coverage): policy check, the
 * card claimed (a compare-and-set of its state, so a double click creates one request), then
 * `submitRequest` and the card re-rendered. `onClaimed` runs once the card is claimed (a coverage
 * card records which service the request is for); `repeatable` cards (coverage) take a new request
 * after an earlier one finished.
 */
export async function requestOnCard(
  ctx: AppContext,
  click: Click,
  def: AnyRemediation,
  p: {
    card: CardRecord;
    target: RemediationTarget;
    input: unknown;
    auditTarget: AuditTarget;
    findingType?: string;
    onClaimed?: () => Promise<void>;
    repeatable?: boolean;
  },
): Promise<void> {
  const { label, name: action } = def;
  const { card, target, auditTarget } = p;
  const rule = ruleFor(ctx.config, def);
  const member = await ctx.groups.test(rule.requesters, rule.approvers);
  const decision = canRequest(rule, click.userId, label, member);
  if (!decision.ok) return refuse(ctx, click, action, `${label} refused: ${decision.reason}.`, auditTarget);

  const now = ctx.clock();
  const requestId = newRequestId();
  const immediate = !rule.needsApproval;
  const expiresAt = now + ctx.config.approvalTtlSeconds * 1000;
  let why: string | undefined;
  const claimed = await ctx.cards.updateState(card.cardId, (s) => {
    why = busy(p.repeatable ? { ...s, outcome: undefined } : s, label);
    if (why) return undefined;
    const next: CardState = { ...s, expired: undefined, outcome: undefined };
    if (immediate) {
      next.running = { requestId, action, requesterId: click.userId, approverId: click.userId, at: now };
    } else {
      next.pending = {
        requestId,
        action,
        requesterId: click.userId,
        approverMentions: rule.approvers,
        expiresAt,
      };
    }
    return next;
  });
  if (
    !claimed ||
    why ||
    (claimed.pending?.requestId !== requestId && claimed.running?.requestId !== requestId)
  ) {
    await tellClicker(ctx, click, `:information_source: ${why ?? 'This card cannot take a request now.'}`);
    return;
  }
  const ts = card.ts ?? (click.channelId === card.channel ? click.messageTs : undefined);
  await p.onClaimed?.();
  await submitRequest(ctx, {
    remediation: def,
    requestId,
    target,
    input: p.input,
    requester: actor(click),
    origin: 'card',
    channel: card.channel,
    cardId: card.cardId,
    // The outbox may not have stored the post's ts yet when a fast click arrives.
    ...(ts ? { ts } : {}),
    ...(p.findingType ? { findingType: p.findingType } : {}),
    approvers: rule.approvers,
    expiresAt,
    ...(immediate
      ? { approvedBy: { ...actor(click), reason: 'no second approval required by policy' } }
      : {}),
  });
  await syncCard(ctx, card.cardId);
}
