import { type ActionDefaults, type ActionRule, type Config, resolveActionRule } from '../config.js';

/**
 * Who may do what: pure functions of the action's rule, the clicking user and a membership test
 * (user ids listed directly, or members of a listed user group). Each refusal says why in words
 * the clicking person can act on.
 */
export type Decision = { ok: true } | { ok: false; reason: string };

/** True when `userId` is one of `principals` (a listed user id, or a member of a listed group). */
export type MembershipTest = (principals: string[], userId: string) => boolean;

const ALLOW: Decision = { ok: true };
const refuse = (reason: string): Decision => ({ ok: false, reason });

export function isIn(principals: string[], userId: string, groups: ReadonlyMap<string, ReadonlySet<string>>) {
  return principals.some((p) => p === userId || (p.startsWith('S') && groups.get(p)?.has(userId) === true));
}

/** May `userId` request `label` (e.g. "Stop task")? Without approval the requester must be an approver. */
export function canRequest(
  rule: ActionRule,
  userId: string,
  label: string,
  member: MembershipTest,
): Decision {
  if (rule.requesters && !member(rule.requesters, userId)) {
    return refuse(`you are not allowed to request ${label} (not in the requesters list)`);
  }
  if (!rule.needsApproval && !member(rule.approvers, userId)) {
    return refuse(
      rule.approvers.length
        ? `only approvers can ${label.toLowerCase()}`
        : `nobody is configured to ${label.toLowerCase()} (set ECS_GUARD_APPROVERS)`,
    );
  }
  return ALLOW;
}

/** May `userId` approve a request made by `requesterId`? */
export function canApprove(
  rule: ActionRule,
  userId: string,
  requesterId: string,
  label: string,
  member: MembershipTest,
): Decision {
  if (!rule.approvers.length) return refuse('no approvers are configured (set ECS_GUARD_APPROVERS)');
  if (!member(rule.approvers, userId)) return refuse(`you are not an approver for ${label}`);
  if (rule.twoPerson && userId === requesterId) {
    return refuse(`you requested this ${label}; a second person must approve it (four-eyes)`);
  }
  return ALLOW;
}

/** Approvers may reject; the requester may withdraw their own request. */
export function canReject(
  rule: ActionRule,
  userId: string,
  requesterId: string,
  member: MembershipTest,
): Decision {
  if (userId === requesterId || member(rule.approvers, userId)) return ALLOW;
  return refuse('only an approver or the requester can reject this request');
}

/** Retrying a failed action re-runs it: approvers only. */
export function canRetry(rule: ActionRule, userId: string, label: string, member: MembershipTest): Decision {
  if (member(rule.approvers, userId)) return ALLOW;
  return refuse(`only approvers can retry ${label}`);
}

/** The rule of a remediation: the fixed entry in `config.actions` if it has one, else its own defaults. */
export function ruleFor(
  config: Pick<Config, 'actions' | 'actionPolicy'>,
  r: { name: string; approval: ActionDefaults },
): ActionRule {
  return (
    (config.actions as Record<string, ActionRule | undefined>)[r.name] ??
    resolveActionRule(config.actionPolicy, r.name, r.approval)
  );
}

/** Restore (undo) re-acts on a target: approvers only, and four-eyes when the rule has it. */
export function canRestore(
  rule: ActionRule,
  userId: string,
  requesterId: string,
  label: string,
  member: MembershipTest,
): Decision {
  if (!member(rule.approvers, userId)) return refuse(`only approvers can restore after ${label}`);
  if (rule.twoPerson && userId === requesterId)
    return refuse(`you requested this ${label}; a second person must restore it (four-eyes)`);
  return ALLOW;
}
