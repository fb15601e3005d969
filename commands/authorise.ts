/**
 * Who may run a command and see what: the policy (`config.actions.<action>`, `viewers`) through
 * `src/requests/authorise.ts`.
 */

import { detectorIdOf } from '../src/aws/coverage.js';
import type { ActionName } from '../src/config.js';
import type { AppContext } from '../src/context.js';
import { EcsGuardError, ErrorCode } from '../src/errors.js';
import { DetectorAccounts } from '../src/findings/members.js';
import { isAllowed } from '../src/requests/authorise.js';
import { isChannelMember } from '../src/slack/channel-members.js';
import { accountIdArg } from './args.js';
import { awsCall } from './aws-call.js';

export const mayRequest = (ctx: AppContext, action: ActionName, userId: string) =>
  isAllowed(ctx, userId, ctx.config.actions[action].requesters);

/** Every action's approvers: an approver of anything sees every finding and may `--share` views. */
export const allApprovers = (config: AppContext['config']): string[] => [
  ...new Set(Object.values(config.actions).flatMap((r) => r.approvers)),
];

/** What a viewing command may show one user: everything (approvers) or their channels' findings. */
export interface Viewer {
  approver: boolean;
  /** May the user see what was routed to `channel`? (Members of it; approvers everywhere.) */
  sees(channel: string): Promise<boolean>;
}

/** The viewer for one command: channel membership is read once per channel, fresh each command. */
export async function viewerOf(ctx: AppContext, userId: string): Promise<Viewer> {
  const approver = await isAllowed(ctx, userId, allApprovers(ctx.config));
  const seen = new Map<string, Promise<boolean>>();
  return {
    approver,
    sees(channel) {
      if (approver) return Promise.resolve(true);
      let p = seen.get(channel);
      if (!p) {
        p = isChannelMember(ctx.slack, channel, userId, ctx.log);
        seen.set(channel, p);
      }
      return p;
    },
  };
}

/**
 * The viewers rule of the viewing commands (findings, audit, status, coverage): policy
 * `viewers` (default: requesters and approvers); `--share` posts to everyone in the channel, so
 * only approvers may. Throws NotAuthorized saying which rule refused.
 */
export async function authoriseView(ctx: AppContext, userId: string, share: boolean): Promise<void> {
  if (!(await isAllowed(ctx, userId, ctx.config.viewers)))
    throw new EcsGuardError(
      ErrorCode.NotAuthorized,
      'you are not allowed to view ecs-guard findings, audit, status or coverage (policy: viewers)',
    );
  if (share && !(await isAllowed(ctx, userId, allApprovers(ctx.config))))
    throw new EcsGuardError(
      ErrorCode.NotAuthorized,
      'only approvers may use --share (it posts the answer to everyone in the channel); run it without --share',
    );
}

/**
 * `--account`: a 12-digit id that is the home account, one of the policy's `accounts`, or a
 * member of the administrator detector (ListMembers in the home account, the cached list pushed
 * events are checked against: `DetectorAccounts`). Anything else is refused before any call in
 * or into that account (no AssumeRole into an account someone typed). Undefined when absent.
 */
export async function memberAccountArg(ctx: AppContext, v: string | undefined): Promise<string | undefined> {
  const id = accountIdArg(v);
  if (id === undefined || ctx.config.accounts.includes(id)) return id;
  if (id === (await ctx.aws.homeAccountId())) return id;
  const region = ctx.config.homeRegion;
  const where = `home account, ${region}`;
  const gd = await ctx.aws.guardDuty({ region });
  const detectorId = await awsCall('ListDetectors', where, () => detectorIdOf(gd, where));
  const members = await awsCall('ListMembers', where, () =>
    new DetectorAccounts({
      redis: ctx.redis,
      keys: ctx.keys,
      homeAccountId: () => ctx.aws.homeAccountId(),
    }).allowed(gd, detectorId, region),
  );
  if (members.has(id)) return id;
  throw new EcsGuardError(
    ErrorCode.NotAuthorized,
    `--account ${id} is not a configured member account (neither a GuardDuty member of the administrator nor in the policy's accounts)`,
  );
}
