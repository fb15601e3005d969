/**
 * Who may run a command or press Confirm: the policy (`config.actions.<action>`) through the
 * response flow's policy functions and its cached user-group resolver (`src/requests/`).
 */

import type { ActionName } from '../src/config.js';
import type { AppContext } from '../src/context.js';
import { actionsDeps } from '../src/requests/deps.js';
import { canApprove, type Decision } from '../src/requests/policy.js';

/** `principals` undefined = anyone; otherwise the user must be listed or in a listed group. */
export async function isAllowed(
  ctx: AppContext,
  userId: string,
  principals: string[] | undefined,
): Promise<boolean> {
  if (principals === undefined) return true;
  const member = await actionsDeps(ctx).groups.test(principals);
  return member(principals, userId);
}

export const mayRequest = (ctx: AppContext, action: ActionName, userId: string) =>
  isAllowed(ctx, userId, ctx.config.actions[action].requesters);

/** May `userId` confirm `action` requested by `requesterId` (approvers; four-eyes if the rule says so)? */
export async function approveDecision(
  ctx: AppContext,
  action: ActionName,
  userId: string,
  requesterId: string,
): Promise<Decision> {
  const rule = ctx.config.actions[action];
  const member = await actionsDeps(ctx).groups.test(rule.approvers);
  return canApprove(rule, userId, requesterId, action, member);
}
