import type { CoverageRow } from '../aws/coverage.js';
import { describeAwsError } from '../aws/errors.js';
import { listRunningTasks, uncoveredTasks } from '../aws/running-tasks.js';
import type { AppContext } from '../context.js';
import type { CoverageCardData } from './model.js';

export type UncoveredResult = Pick<CoverageCardData, 'uncovered' | 'uncoveredError'>;

/**
 * Running Fargate tasks without the agent in a cluster whose agent GuardDuty manages (management
 * AUTO_MANAGED): only there does a new deployment bring the agent. Read in the cluster's account
 * (assumed role for members). A failure is returned as text, never thrown: the caller still shows
 * the coverage it has.
 */
export async function runningUncovered(
  ctx: Pick<AppContext, 'aws' | 'log' | 'clock'>,
  r: Pick<CoverageRow, 'accountId' | 'region' | 'cluster' | 'managementType'>,
): Promise<UncoveredResult> {
  if (r.managementType !== 'AUTO_MANAGED') return {};
  try {
    const ecs = await ctx.aws.ecs({ accountId: r.accountId, region: r.region, purpose: 'coverage' });
    const tasks = await listRunningTasks(ecs, r.cluster);
    return { uncovered: { ...uncoveredTasks(tasks), checkedAt: ctx.clock() } };
  } catch (err) {
    const message = describeAwsError(err).message;
    ctx.log.warn(
      { cluster: r.cluster, accountId: r.accountId, region: r.region, err: message },
      'coverage: cannot read running tasks',
    );
    return { uncoveredError: message };
  }
}
