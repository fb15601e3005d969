/** `/ecs-guard coverage [cluster] [--account ID] [--region R]` */
import { type CoverageRow, coverageStatistics, detectorIdOf, listEcsCoverage } from '../src/aws/coverage.js';
import type { AppContext } from '../src/context.js';
import { runningUncovered } from '../src/coverage/uncovered.js';
import { clusterArg, regionArg } from './args.js';
import { memberAccountArg } from './authorise.js';
import { awsCall } from './aws-call.js';
import { errorReply } from './blocks/common.js';
import { buildCoverageDetail, buildCoverageSummary, type RegionError } from './blocks/coverage.js';
import type { Subcommand } from './types.js';

interface RegionCoverage {
  region: string;
  rows: CoverageRow[];
  stats: { healthy: number; unhealthy: number };
}

/**
 * Reads coverage through the home (delegated administrator) detector, which sees its members'
 * clusters too; `--account` filters on ACCOUNT_ID rather than assuming a role.
 */
export async function regionCoverage(
  ctx: AppContext,
  region: string,
  filter: { cluster?: string; accountId?: string },
): Promise<RegionCoverage> {
  const where = `home account, ${region}`;
  const gd = await ctx.aws.guardDuty({ region });
  const detectorId = await awsCall('ListDetectors', where, () => detectorIdOf(gd, region));
  const [rows, stats] = await Promise.all([
    awsCall('ListCoverage', where, () => listEcsCoverage(gd, detectorId, region, filter)),
    awsCall('GetCoverageStatistics', where, () => coverageStatistics(gd, detectorId, filter)),
  ]);
  return { region, rows, stats };
}

export const coverageCommand: Subcommand = {
  name: 'coverage',
  views: true,
  spec: { flags: { account: 'string', region: 'string' }, positional: ['cluster'] },
  async run({ ctx, args, reply }) {
    const cluster = args.positional[0] ? clusterArg(args.positional[0]) : undefined;
    const accountId = await memberAccountArg(ctx, args.flags.account as string | undefined);
    const region = regionArg(args.flags.region as string | undefined);
    const regions = region ? [region] : ctx.config.regions;
    const filter = { ...(cluster ? { cluster } : {}), ...(accountId ? { accountId } : {}) };
    const settled = await Promise.allSettled(regions.map((r) => regionCoverage(ctx, r, filter)));
    const ok: RegionCoverage[] = [];
    const errors: RegionError[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') ok.push(s.value);
      else errors.push({ region: regions[i] as string, message: (s.reason as Error).message });
    });
    if (ok.length === 0) {
      await reply(errorReply('Cannot read GuardDuty coverage', errors.map((e) => e.message).join('\n')));
      return;
    }
    const rows = ok.flatMap((r) => r.rows);
    const scope = { regions, ...(accountId ? { accountId } : {}) };
    if (cluster) {
      // Running tasks without the agent, for the accounts/regions the detail shows.
      const uncovered = await Promise.all(rows.slice(0, 4).map((r) => runningUncovered(ctx, r)));
      await reply(buildCoverageDetail(cluster, rows, scope, uncovered));
      return;
    }
    const stats = ok.reduce(
      (a, r) => ({ healthy: a.healthy + r.stats.healthy, unhealthy: a.unhealthy + r.stats.unhealthy }),
      { healthy: 0, unhealthy: 0 },
    );
    await reply(buildCoverageSummary({ rows, stats, scope, errors }));
  },
};
