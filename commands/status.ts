/** `/ecs-guard status` */
import type { Queue } from 'bullmq';
import { detectorIdOf } from '../src/aws/coverage.js';
import type { AppContext } from '../src/context.js';
import { pendingPlanCount } from '../src/requests/plans.js';
import { awsCall } from './aws-call.js';
import { type AccountStatus, buildStatusReply, type QueueStatus } from './blocks/status.js';
import type { Subcommand } from './types.js';

async function accountStatus(
  ctx: AppContext,
  accountId: string | undefined,
  home: string,
): Promise<AccountStatus> {
  const id = accountId ?? home;
  const a: AccountStatus = { accountId: id, home: id === home, detectors: [] };
  const target = id === home ? {} : { accountId: id };
  try {
    a.arn = (await ctx.aws.callerIdentity(target.accountId, ctx.config.homeRegion)).arn;
  } catch (err) {
    a.error = (err as Error).message;
    return a;
  }
  a.detectors = await Promise.all(
    ctx.config.regions.map(async (region) => {
      try {
        const gd = await ctx.aws.guardDuty({ ...target, region });
        return {
          region,
          detectorId: await awsCall('ListDetectors', `${id}/${region}`, () => detectorIdOf(gd, region)),
        };
      } catch (err) {
        return { region, error: (err as Error).message };
      }
    }),
  );
  return a;
}

async function queueStatus(name: string, q: Queue): Promise<QueueStatus> {
  try {
    const c = await q.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'failed',
      'prioritized',
      'waiting-children',
    );
    return {
      name,
      counts: {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
      },
    };
  } catch (err) {
    return { name, error: (err as Error).message };
  }
}

/** Pending approvals: action requests (`requests:pending`) plus enable/disable plans awaiting Confirm. */
async function pendingApprovals(ctx: AppContext): Promise<number> {
  const [plans, requests] = await Promise.all([
    pendingPlanCount(ctx),
    ctx.redis.zcount(ctx.keys('requests', 'pending'), ctx.clock(), '+inf'),
  ]);
  return plans + requests;
}

export const statusCommand: Subcommand = {
  name: 'status',
  views: true,
  spec: { flags: {}, positional: [] },
  async run({ ctx, reply }) {
    const now = ctx.clock();
    let home = '';
    try {
      home = await ctx.aws.homeAccountId();
    } catch (err) {
      home = 'unknown';
      ctx.log.warn({ err: (err as Error).message }, 'status: no home account');
    }
    const members = ctx.config.accounts.filter((a) => a !== home);
    const queues = Object.entries(ctx.queues) as [string, Queue][];
    const [accounts, polls, queueStatuses, pending] = await Promise.all([
      home === 'unknown'
        ? Promise.resolve<AccountStatus[]>([
            {
              accountId: 'home',
              home: true,
              error: 'cannot reach STS with the default credentials',
              detectors: [],
            },
          ])
        : Promise.all([undefined, ...members].map((a) => accountStatus(ctx, a, home))),
      Promise.all(
        ctx.config.regions.map(async (region) => {
          const [p, h] = await Promise.all([ctx.poller.lastPoll(region), ctx.poller.health(region)]);
          const failing =
            h?.failingSince !== undefined
              ? { failingForMs: now - h.failingSince, lastError: h.lastError, failures: h.failures }
              : {};
          return p
            ? { region, at: p.at, lagMs: now - p.at, listed: p.listed, new: p.new, ...failing }
            : { region, ...failing };
        }),
      ),
      Promise.all(queues.map(([name, q]) => queueStatus(name, q))),
      pendingApprovals(ctx),
    ]);
    await reply(
      buildStatusReply({
        version: ctx.version,
        now,
        regions: ctx.config.regions,
        pollSeconds: ctx.config.pollSeconds,
        accounts,
        polls,
        queues: queueStatuses,
        pendingApprovals: pending,
      }),
    );
  },
};
