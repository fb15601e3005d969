/**
 * Shared by `enable` and `disable`: the pre-flight (detector features, cluster, current tag), the
 * stored plan and its message with Confirm/Cancel. The change itself runs as a remediation job
 * after an approver confirms (`src/slack/listeners/actions/plan-click.ts`,
 * `src/remediations/cluster-monitoring.ts`).
 */
import { detectorFeatures, detectorIdOf } from '../src/aws/coverage.js';
import { activeCluster, MANAGED_TAG, managedTagOf } from '../src/aws/managed-cluster.js';
import { EcsGuardError, ErrorCode } from '../src/errors.js';
import { isAllowed } from '../src/requests/authorise.js';
import { type CoverageAction, type CoveragePlan, newPlanId, savePlan } from '../src/requests/plans.js';
import { buildPlanMessage, type PreflightCheck } from '../src/slack/blocks/coverage-plan.js';
import { clusterArg, regionArg } from './args.js';
import { mayRequest, memberAccountArg } from './authorise.js';
import { awsCall } from './aws-call.js';
import type { CommandInput } from './types.js';

export async function planCoverageChange(action: CoverageAction, input: CommandInput): Promise<void> {
  const { ctx, args, userId } = input;
  const cluster = clusterArg(args.positional[0] as string);
  const region = regionArg(args.flags.region as string | undefined) ?? ctx.config.homeRegion;
  const insights = args.flags.insights === true;
  if (!(await mayRequest(ctx, action, userId))) {
    await ctx.audit.append({
      actor: { id: userId },
      action,
      event: 'refused',
      target: { cluster, region },
      outcome: 'denied',
      reason: 'not a requester',
    });
    throw new EcsGuardError(
      ErrorCode.NotAuthorized,
      `you may not request ${action} (policy: actions.${action}.requesters)`,
    );
  }
  const home = await ctx.aws.homeAccountId();
  const accountId = (await memberAccountArg(ctx, args.flags.account as string | undefined)) ?? home;
  const where = `account ${accountId}, ${region}`;
  const target = { ...(accountId !== home ? { accountId } : {}), region };

  const checks: PreflightCheck[] = [];
  let blocked = false;
  const gd = await ctx.aws.guardDuty(target);
  const detectorId = await awsCall('ListDetectors', where, () => detectorIdOf(gd, where));
  const f = await awsCall('GetDetector', where, () => detectorFeatures(gd, detectorId));
  if (f.runtimeMonitoring)
    checks.push({ ok: true, text: `Runtime Monitoring is enabled on detector \`${detectorId}\`` });
  else {
    checks.push({
      ok: action === 'enable' ? false : 'warn',
      text: `Runtime Monitoring is *off* on detector \`${detectorId}\`: turn it on (GuardDuty → Runtime Monitoring, or UpdateDetector RUNTIME_MONITORING=ENABLED) before a tag can matter`,
    });
    if (action === 'enable') blocked = true;
  }
  checks.push(
    f.fargateAgentManagement
      ? {
          ok: true,
          text: 'ECS Fargate automated agent management is on: every cluster is monitored unless tagged `GuardDutyManaged=false`',
        }
      : {
          ok: 'warn',
          text: 'ECS Fargate automated agent management is off: only clusters tagged `GuardDutyManaged=true` get the agent',
        },
  );

  const ecs = await ctx.aws.ecs(target);
  const c = await awsCall('DescribeClusters', where, () => activeCluster(ecs, cluster));
  let tagBefore = '';
  if (!c?.clusterArn) {
    checks.push({
      ok: false,
      text: `Cluster \`${cluster}\` does not exist in ${where} (check the name, --account and --region)`,
    });
    blocked = true;
  } else {
    tagBefore = managedTagOf(c);
    const want = action === 'enable' ? 'true' : 'false';
    checks.push({
      ok: true,
      text: `Cluster exists (${c.runningTasksCount ?? 0} running tasks, ${c.activeServicesCount ?? 0} services); tag \`${MANAGED_TAG}\` is ${tagBefore ? `\`${tagBefore}\`` : 'not set'}${tagBefore === want ? ' already (the job re-applies it)' : ''}`,
    });
    if (insights) {
      const ci = c.settings?.find((s) => s.name === 'containerInsights')?.value ?? 'disabled';
      checks.push({ ok: true, text: `Container Insights is \`${ci}\`` });
    }
  }

  const now = ctx.clock();
  const plan: CoveragePlan = {
    planId: newPlanId(),
    action,
    accountId,
    region,
    cluster,
    clusterArn: c?.clusterArn ?? '',
    insights: action === 'enable' && insights,
    requester: userId,
    channelId: input.channelId,
    tagBefore,
    createdAt: now,
    expiresAt: now + ctx.config.approvalTtlSeconds * 1000,
  };
  if (!blocked) await savePlan(ctx, plan);
  await ctx.audit.append({
    actor: { id: userId, ...(input.userName ? { name: input.userName } : {}) },
    action,
    event: 'requested',
    target: { accountId, region, cluster, requestId: plan.planId },
    outcome: blocked ? 'error' : 'pending',
    ...(blocked ? { reason: 'pre-flight failed' } : {}),
    detail: { insights: plan.insights, tagBefore },
  });
  const { approvers, twoPerson } = ctx.config.actions[action];
  // An ephemeral plan is only clickable by its requester: say so when that person cannot confirm.
  const hint =
    blocked || args.share
      ? undefined
      : !(await isAllowed(ctx, userId, approvers))
        ? 'Only you can see this plan and you are not an approver: run the command again with `--share` so an approver can confirm it.'
        : twoPerson
          ? `Only you can see this plan and a second approver must confirm ${action}: run the command again with \`--share\` so another approver can confirm it.`
          : undefined;
  await input.reply(buildPlanMessage(plan, checks, approvers, { blocked, ...(hint ? { hint } : {}) }));
}
