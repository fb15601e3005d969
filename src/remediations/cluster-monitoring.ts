/**
 * Enable / Disable monitoring (`/ecs-guard enable|disable <cluster>`): sets the cluster's
 * `GuardDutyManaged` tag (true = included, removing an exclusion; false = excluded), optionally
 * turns on Container Insights, and for enable lists the services whose running Fargate tasks have
 * no agent (they must be redeployed to be covered). Requested from a slash-command plan; the
 * Confirm click approves it (src/slack/listeners/actions/plan-click.ts) and the job replaces the
 * plan message with the result (`present`). Tagging twice gives the same state, so a job that runs again is harmless.
 */
import { TagResourceCommand, type Task, UpdateClusterSettingsCommand } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { describeAwsError } from '../aws/errors.js';
import { activeCluster, MANAGED_TAG, managedTagOf } from '../aws/managed-cluster.js';
import { listRunningTasks, uncoveredTasks } from '../aws/running-tasks.js';
import { EcsGuardError, ErrorCode } from '../errors.js';
import type { CoverageAction, CoveragePlan } from '../requests/plans.js';
import type { ActionRequest } from '../requests/store.js';
import { buildPlanDecided, type CoverageJobOutcome } from '../slack/blocks/coverage-plan.js';
import { defineRemediation, type Outcome, type Remediation, type RunContext } from './types.js';

/** What the plan adds to the request (the rest is its target). */
const planInput = z.object({
  planId: z.string().regex(/^p[0-9a-f]{24}$/),
  clusterArn: z.string().max(2048),
  insights: z.boolean(),
  tagBefore: z.string().max(256),
  createdAt: z.number(),
  expiresAt: z.number(),
});
export type PlanInput = z.infer<typeof planInput>;

/** The request id of a plan's change: the plan id's random part, so a plan makes one request. */
export const planRequestId = (planId: string) => `r${planId.slice(1)}`;

/** The approved request a confirmed plan becomes. */
export function planRequest(
  plan: CoveragePlan,
  confirm: { by: string; at: number; responseUrl?: string },
): ActionRequest {
  const input: PlanInput = {
    planId: plan.planId,
    clusterArn: plan.clusterArn,
    insights: plan.insights,
    tagBefore: plan.tagBefore,
    createdAt: plan.createdAt,
    expiresAt: plan.expiresAt,
  };
  return {
    requestId: planRequestId(plan.planId),
    action: plan.action,
    status: 'approved',
    origin: 'command',
    requesterId: plan.requester,
    channel: plan.channelId,
    ...(confirm.responseUrl ? { responseUrl: confirm.responseUrl } : {}),
    accountId: plan.accountId,
    region: plan.region,
    cluster: plan.cluster,
    input,
    createdAt: plan.createdAt,
    expiresAt: plan.expiresAt,
    approverId: confirm.by,
    approvedAt: confirm.at,
    attempt: 1,
  };
}

/** The plan a request was made from (for the plan message). */
function planOf(req: Readonly<ActionRequest>): CoveragePlan {
  const i = (req.input ?? {}) as Partial<PlanInput>;
  return {
    planId: i.planId ?? '',
    action: req.action as CoverageAction,
    accountId: req.accountId,
    region: req.region,
    cluster: req.cluster ?? '',
    clusterArn: i.clusterArn ?? '',
    insights: i.insights === true,
    requester: req.requesterId,
    channelId: req.channel,
    tagBefore: i.tagBefore ?? '',
    createdAt: i.createdAt ?? req.createdAt,
    expiresAt: i.expiresAt ?? req.expiresAt,
  };
}

/** Services (and standalone tasks) whose running Fargate tasks carry no GuardDuty agent. */
export function uncoveredServices(tasks: Task[]): { services: string[]; standaloneTasks: number } {
  const u = uncoveredTasks(tasks);
  return { services: u.services.map((x) => x.service), standaloneTasks: u.standalone.length };
}

async function changeMonitoring(r: RunContext<PlanInput>): Promise<Outcome> {
  const { request: req, target, input, call } = r;
  const action = req.action as CoverageAction;
  const cluster = target.cluster ?? '';
  const ecs = await r.ecs();
  const c = await call('DescribeClusters', () => activeCluster(ecs, cluster));
  if (!c?.clusterArn) {
    throw new EcsGuardError(
      ErrorCode.NotFound,
      `cluster ${cluster} no longer exists in ${target.accountId}/${target.region}`,
    );
  }
  const clusterArn = c.clusterArn;
  const value = action === 'enable' ? 'true' : 'false';
  // Each change is its own step (audited, run once; a resumed job finds it done): a failure of
  // the second must not hide that the first was made.
  const { tagBefore } = await r.step('tag', async () => {
    const before = managedTagOf(c);
    await call('TagResource', () =>
      ecs.send(new TagResourceCommand({ resourceArn: clusterArn, tags: [{ key: MANAGED_TAG, value }] })),
    );
    return { tagBefore: before, tagAfter: value };
  });
  let insights: CoverageJobOutcome['insights'] = 'skipped';
  let insightsError: string | undefined;
  if (action === 'enable' && input.insights) {
    const cur = c.settings?.find((s) => s.name === 'containerInsights')?.value;
    if (cur === 'enabled' || cur === 'enhanced') insights = 'already';
    else {
      try {
        await r.step('insights', async () => {
          await call('UpdateClusterSettings', () =>
            ecs.send(
              new UpdateClusterSettingsCommand({
                cluster: clusterArn,
                settings: [{ name: 'containerInsights', value: 'enabled' }],
              }),
            ),
          );
          return { insights: 'enabled' };
        });
        insights = 'enabled';
      } catch (err) {
        const info = describeAwsError(err, { operation: 'UpdateClusterSettings' });
        // Throttling and 5xx: the job is retried (the tag step is not repeated).
        if (info.retryable) throw err;
        insights = 'failed';
        insightsError = info.message;
      }
    }
  }
  const uncovered =
    action === 'enable'
      ? uncoveredServices(await listRunningTasks(ecs, clusterArn, call))
      : { services: [], standaloneTasks: 0 };
  const ok = insights !== 'failed';
  const result: CoverageJobOutcome = {
    ok,
    tagBefore,
    tagAfter: value,
    insights,
    servicesToRedeploy: uncovered.services,
    standaloneTasks: uncovered.standaloneTasks,
    ...(insightsError ? { error: `Container Insights not enabled: ${insightsError}` } : {}),
  };
  const done = `${action === 'enable' ? 'Enabled' : 'Disabled'} Runtime Monitoring of ${cluster} (GuardDutyManaged=${value}).`;
  return {
    ok,
    message: insightsError ? `${done} Container Insights was NOT enabled: ${insightsError}` : done,
    data: { ...result },
    detail: {
      planId: input.planId,
      requester: req.requesterId,
      tagBefore,
      tagAfter: value,
      insights,
      ...(insightsError ? { insightsError: insightsError.slice(0, 300) } : {}),
      servicesToRedeploy: uncovered.services.slice(0, 50),
    },
  };
}

/** The plan message once the job has finished: the result, or the failure in words. */
function present(req: Readonly<ActionRequest>) {
  const plan = planOf(req);
  // A run that made some of its changes (outcomeData has tagAfter) shows each step, failed or not.
  const outcome: CoverageJobOutcome =
    req.outcomeOk || req.outcomeData?.tagAfter
      ? ({ ...(req.outcomeData ?? {}) } as unknown as CoverageJobOutcome)
      : {
          ok: false,
          tagBefore: plan.tagBefore,
          servicesToRedeploy: [],
          standaloneTasks: 0,
          error: req.outcomeMessage ?? 'unknown error',
        };
  return buildPlanDecided(
    plan,
    { status: 'confirmed', by: req.approverId ?? req.requesterId, at: req.approvedAt ?? req.createdAt },
    outcome,
  );
}

const common = {
  target: 'cluster',
  input: planInput,
  run: changeMonitoring,
  present,
} satisfies Partial<Remediation<PlanInput>>;

export const enableMonitoring = defineRemediation({
  ...common,
  name: 'enable',
  label: 'Enable monitoring',
  iamActions: [
    'ecs:DescribeClusters',
    'ecs:TagResource',
    'ecs:UpdateClusterSettings',
    'ecs:ListTasks',
    'ecs:DescribeTasks',
  ],
  approval: { needsApproval: true, twoPerson: false, requesters: 'requesters' },
  doneEvent: 'enabled',
});

export const disableMonitoring = defineRemediation({
  ...common,
  name: 'disable',
  label: 'Disable monitoring',
  iamActions: ['ecs:DescribeClusters', 'ecs:TagResource'],
  // Turning monitoring off blinds GuardDuty: a second person confirms it, like Stop task.
  approval: { needsApproval: true, twoPerson: true, requesters: 'requesters' },
  doneEvent: 'disabled',
});
