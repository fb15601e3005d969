import { createHash } from 'node:crypto';
import type { AutoContainRule, Config } from '../config.js';
import type { AppContext } from '../context.js';
import type { Finding } from '../findings/model.js';
import { ruleMatches } from '../findings/route.js';
import { contain } from '../remediations/contain.js';
import { ECS_GUARD_ACTOR, submitRequest } from './submit.js';
import { findingTarget } from './target.js';

/**
 * Auto-contain with a cancel window (issue 12, policy file `containment.autoContain`): a finding
 * card that matches a rule is born showing "Containing in 5:00 unless someone cancels" with
 * Cancel, and its Contain request (the default plan) is approved by ecs-guard at once, naming the
 * rule, with a job delayed by the window — the timer lives in the queue, so a restart or a second
 * replica neither loses it nor runs it twice. Cancel (decision-click.ts) turns it down before it
 * runs. Sample findings and findings without a task are never contained automatically.
 */

/** The first rule that matches the finding, if auto-contain applies to it at all. */
export function autoContainRuleFor(
  config: Pick<Config, 'containment'>,
  f: Finding,
): AutoContainRule | undefined {
  if (!f.taskArn || f.sample || f.archived || f.sequence) return undefined;
  return config.containment.autoContain.find((r) => ruleMatches(r, f));
}

/** One auto-contain request per finding, whoever (which replica, which retry) gets there. */
export const autoContainRequestId = (f: Pick<Finding, 'accountId' | 'id'>): string =>
  `r${createHash('sha256').update(`auto-contain\n${f.accountId}\n${f.id}`).digest('hex').slice(0, 24)}`;

/**
 * Called for a new finding card before its first render (so the first post already shows the
 * window). Idempotent: a request already made is left alone; a card claimed by this request
 * before a crash is claimed again. Returns the request id when the finding is auto-contained.
 */
export async function autoContainCard(
  ctx: AppContext,
  cardId: string,
  f: Finding,
): Promise<string | undefined> {
  const rule = autoContainRuleFor(ctx.config, f);
  if (!rule) return undefined;
  const requestId = autoContainRequestId(f);
  if (await ctx.requests.get(requestId)) return requestId;
  const card = await ctx.cards.get(cardId);
  if (!card) return undefined;
  const now = ctx.clock();
  const windowMs = rule.windowSeconds * 1000;
  const claimed = await ctx.cards.updateState(cardId, (s) => {
    if (s.running?.requestId === requestId) return s;
    if (s.pending || s.running || s.outcome || s.archived) return undefined;
    return {
      ...s,
      running: {
        requestId,
        action: contain.name,
        requesterId: ECS_GUARD_ACTOR.id,
        approverId: ECS_GUARD_ACTOR.id,
        at: now,
        runAt: now + windowMs,
        rule: rule.name,
      },
    };
  });
  // Someone acted on the card first: their request stands.
  if (claimed?.running?.requestId !== requestId) return undefined;
  await submitRequest(ctx, {
    remediation: contain,
    requestId,
    target: findingTarget(f),
    input: { steps: ctx.config.containment.defaultSteps, rule: rule.name },
    requester: ECS_GUARD_ACTOR,
    origin: 'system',
    channel: card.channel,
    cardId,
    ...(card.ts ? { ts: card.ts } : {}),
    findingType: f.type,
    approvedBy: { ...ECS_GUARD_ACTOR, reason: `auto-contain rule "${rule.name}"` },
    delayMs: windowMs,
    detail: { autoContainRule: rule.name, windowSeconds: rule.windowSeconds },
  });
  ctx.log.info({ findingId: f.id, requestId, rule: rule.name, windowMs }, 'auto-contain scheduled');
  return requestId;
}
