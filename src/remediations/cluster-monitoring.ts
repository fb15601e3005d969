/**
 * The enable/disable job: sets the cluster's `GuardDutyManaged` tag (true = included, removing an
 * exclusion; false = excluded), optionally turns on Container Insights, and for enable lists the
 * services whose running Fargate tasks have no agent (they must be redeployed to be covered).
 *
 * Runs on the actions queue through its processor registry (`action-jobs.ts`): the processors
 * `enable` and `disable` register when this module is loaded (the slash commands import it).
 * The job key is `<account>.<region>.<cluster>` (job id `enable-…`/`disable-…`): a second Confirm
 * for the same change while one is queued or running is the same job; finished jobs are removed so
 * a later change of the same cluster is a new job. Tagging twice gives the same state, so a job
 * that runs again after a crash is harmless.
 */
import {
  DescribeClustersCommand,
  TagResourceCommand,
  type Task,
  UpdateClusterSettingsCommand,
} from '@aws-sdk/client-ecs';
import { type Job, UnrecoverableError } from 'bullmq';
import { buildPlanDecided, type CoverageJobOutcome } from '../../commands/blocks/plan.js';
import type { CoveragePlan } from '../../commands/plan-store.js';
import { describeAwsError } from '../aws/errors.js';
import { listRunningTasks, uncoveredTasks } from '../aws/running-tasks.js';
import type { AppContext } from '../context.js';
import { EcsGuardError, ErrorCode, isEcsGuardError } from '../errors.js';
import { type ActionJobData, enqueueAction, registerActionProcessor } from '../queue/action-jobs.js';

export const COVERAGE_ATTEMPTS = 3;
const TAG = 'GuardDutyManaged';

export interface CoverageJobData extends ActionJobData {
  plan: CoveragePlan;
  /** The Slack user who confirmed (STS SourceIdentity in the target account). */
  approver: string;
  confirmedAt: number;
  /** response_url of the Confirm click: the job replaces the plan message with its result. */
  responseUrl?: string;
}

export const coverageJobKey = (p: Pick<CoveragePlan, 'accountId' | 'region' | 'cluster'>): string =>
  [p.accountId, p.region, p.cluster].join('.');

export async function enqueueCoverageJob(
  ctx: AppContext,
  data: CoverageJobData,
): Promise<{ jobId: string; duplicate: boolean }> {
  const { jobId, added } = await enqueueAction(ctx, {
    name: data.plan.action,
    key: coverageJobKey(data.plan),
    data: { ...data, actorId: data.approver },
    opts: { attempts: COVERAGE_ATTEMPTS, removeOnComplete: true, removeOnFail: true },
  });
  return { jobId, duplicate: !added };
}

/** Remembers which AWS operation failed, so the message can name the missing IAM action. */
async function step<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err && typeof err === 'object') Object.assign(err, { ecsGuardOperation: operation });
    throw err;
  }
}

/** Services (and standalone tasks) whose running Fargate tasks carry no GuardDuty agent. */
export function uncoveredServices(tasks: Task[]): { services: string[]; standaloneTasks: number } {
  const u = uncoveredTasks(tasks);
  return { services: u.services.map((x) => x.service), standaloneTasks: u.standalone.length };
}

/** The AWS part of the job. Throws AWS SDK errors as they come (the processor classifies them). */
export async function runCoverageJob(ctx: AppContext, data: CoverageJobData): Promise<CoverageJobOutcome> {
  const { plan } = data;
  const ecs = await ctx.aws.ecs({
    accountId: plan.accountId,
    region: plan.region,
    sourceIdentity: data.approver,
    purpose: plan.action,
  });
  const d = await step('DescribeClusters', () =>
    ecs.send(new DescribeClustersCommand({ clusters: [plan.cluster], include: ['TAGS', 'SETTINGS'] })),
  );
  const c = d.clusters?.find((x) => x.status === 'ACTIVE');
  if (!c?.clusterArn) {
    throw new EcsGuardError(
      ErrorCode.NotFound,
      `cluster ${plan.cluster} no longer exists in ${plan.accountId}/${plan.region}`,
    );
  }
  const tagBefore = c.tags?.find((t) => t.key === TAG)?.value ?? '';
  const value = plan.action === 'enable' ? 'true' : 'false';
  await step('TagResource', () =>
    ecs.send(new TagResourceCommand({ resourceArn: c.clusterArn as string, tags: [{ key: TAG, value }] })),
  );
  let insights: CoverageJobOutcome['insights'] = 'skipped';
  if (plan.action === 'enable' && plan.insights) {
    const cur = c.settings?.find((s) => s.name === 'containerInsights')?.value;
    if (cur === 'enabled' || cur === 'enhanced') insights = 'already';
    else {
      await step('UpdateClusterSettings', () =>
        ecs.send(
          new UpdateClusterSettingsCommand({
            cluster: c.clusterArn,
            settings: [{ name: 'containerInsights', value: 'enabled' }],
          }),
        ),
      );
      insights = 'enabled';
    }
  }
  const uncovered =
    plan.action === 'enable'
      ? uncoveredServices(await listRunningTasks(ecs, c.clusterArn, step))
      : { services: [], standaloneTasks: 0 };
  return {
    ok: true,
    tagBefore,
    tagAfter: value,
    insights,
    servicesToRedeploy: uncovered.services,
    standaloneTasks: uncovered.standaloneTasks,
  };
}

async function postResult(
  ctx: AppContext,
  data: CoverageJobData,
  outcome: CoverageJobOutcome,
): Promise<void> {
  if (!data.responseUrl) return;
  const msg = buildPlanDecided(
    data.plan,
    { status: 'confirmed', by: data.approver, at: data.confirmedAt },
    outcome,
  );
  try {
    const res = await fetch(data.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, ...msg }),
    });
    if (!res.ok) ctx.log.warn({ status: res.status }, 'coverage result: response_url post failed');
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'coverage result: response_url post failed');
  }
}

/** One attempt: run, audit, update the plan message. Retries only what AWS says is transient. */
export async function processCoverageJob(
  ctx: AppContext,
  job: Pick<Job<CoverageJobData>, 'data' | 'attemptsMade'>,
) {
  const { plan, approver } = job.data;
  const target = { accountId: plan.accountId, region: plan.region, cluster: plan.cluster };
  const event = plan.action === 'enable' ? 'enabled' : 'disabled';
  try {
    const outcome = await runCoverageJob(ctx, job.data);
    await ctx.audit.append({
      actor: { id: approver },
      action: plan.action,
      event,
      target,
      outcome: 'ok',
      detail: {
        planId: plan.planId,
        requester: plan.requester,
        tagBefore: outcome.tagBefore,
        tagAfter: outcome.tagAfter ?? '',
        insights: outcome.insights ?? 'skipped',
        servicesToRedeploy: outcome.servicesToRedeploy.slice(0, 50),
      },
    });
    await postResult(ctx, job.data, outcome);
    return outcome;
  } catch (err) {
    const known = isEcsGuardError(err);
    const operation = (err as { ecsGuardOperation?: string } | null)?.ecsGuardOperation;
    const info = known ? undefined : describeAwsError(err, operation ? { operation } : {});
    const message = known
      ? err.message
      : `${operation ?? 'AWS call'} in ${plan.accountId}/${plan.region} failed: ${info?.message ?? String(err)}`;
    const last = known || !info?.retryable || job.attemptsMade + 1 >= COVERAGE_ATTEMPTS;
    await ctx.audit.append({
      actor: { id: approver },
      action: plan.action,
      event: last ? 'failed' : 'retried',
      target,
      outcome: 'error',
      reason: message,
      detail: { planId: plan.planId, attempt: job.attemptsMade + 1 },
      ...(info?.requestId ? { awsRequestId: info.requestId } : {}),
    });
    if (!last) throw err;
    await postResult(ctx, job.data, {
      ok: false,
      tagBefore: plan.tagBefore,
      servicesToRedeploy: [],
      standaloneTasks: 0,
      error: message,
    });
    throw new UnrecoverableError(message);
  }
}

for (const action of ['enable', 'disable'] as const) {
  registerActionProcessor(action, (ctx, job) =>
    processCoverageJob(ctx, job as unknown as Job<CoverageJobData>),
  );
}
