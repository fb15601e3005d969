/**
 * Policy principals against a person: the pure policy (`policy.ts`) fed by the cached user-group
 * resolver (`ctx.groups`). Commands and plan buttons ask here.
 */
import type { ActionName } from '../config.js';
import type { AppContext } from '../context.js';
import { canApprove, type Decision } from './policy.js';

/** `principals` undefined = anyone; otherwise the user must be listed or in a listed group. */
export async function isAllowed(
  ctx: AppContext,
  userId: string,
  principals: string[] | undefined,
): Promise<boolean> {
  if (principals === undefined) return true;
  const member = await ctx.groups.test(principals);
  return member(principals, userId);
}

/** May `userId` confirm `action` requested by `requesterId` (approvers; four-eyes if the rule says so)? */
export async function approveDecision(
  ctx: AppContext,
  action: ActionName,
  userId: string,
  requesterId: string,
): Promise<Decision> {
  const rule = ctx.config.actions[action];
  const member = await ctx.groups.fresh(rule.approvers);
  return canApprove(rule, userId, requesterId, action, member);
}
