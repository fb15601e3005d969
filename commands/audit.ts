/** `/ecs-guard audit [N] [--user @U] [--cluster C]` and `/ecs-guard audit verify` */
import type { AuditRecord } from '../src/audit/record.js';
import type { AuditFilter } from '../src/audit/trail.js';
import type { AppContext } from '../src/context.js';
import { EcsGuardError, ErrorCode } from '../src/errors.js';
import { clusterArg, intArg, userArg } from './args.js';
import { type Viewer, viewerOf } from './authorise.js';
import { buildAuditReply, buildVerifyReply } from './blocks/audit.js';
import type { Subcommand } from './types.js';

/**
 * A non-approver sees the records about findings routed to channels they are in; records about a
 * finding elsewhere (or one no longer known) are left out. Records about no finding stay.
 */
async function aboutVisibleFindings(
  ctx: AppContext,
  viewer: Viewer,
  records: AuditRecord[],
): Promise<AuditRecord[]> {
  const ids = [...new Set(records.flatMap((r) => (r.target?.findingId ? [r.target.findingId] : [])))];
  const recs = ids.length ? await ctx.findings.getMany(ids) : [];
  const visible = new Set<string>();
  await Promise.all(
    ids.map(async (id, i) => {
      const channel = recs[i]?.channel;
      if (channel && (await viewer.sees(channel))) visible.add(id);
    }),
  );
  return records.filter((r) => !r.target?.findingId || visible.has(r.target.findingId));
}

export const auditCommand: Subcommand = {
  name: 'audit',
  views: true,
  spec: { flags: { user: 'string', cluster: 'string' }, positional: ['N|verify'] },
  async run({ ctx, args, reply, userId }) {
    const first = args.positional[0];
    if (first === 'verify') {
      if (Object.keys(args.flags).length)
        throw new EcsGuardError(ErrorCode.InvalidInput, '`audit verify` takes no flags');
      await reply(buildVerifyReply(await ctx.audit.verify()));
      return;
    }
    const n = first === undefined ? 20 : intArg(first, 'N', 1, 200);
    const user = args.flags.user ? userArg(args.flags.user as string) : undefined;
    const cluster = args.flags.cluster ? clusterArg(args.flags.cluster as string) : undefined;
    const viewer = await viewerOf(ctx, userId);
    const filter: AuditFilter = {
      // Filtering after the read (by name, by channel) needs more than n records to choose from.
      limit: (user && 'name' in user) || !viewer.approver ? 1000 : n,
      ...(user && 'id' in user ? { userId: user.id } : {}),
      ...(cluster ? { cluster } : {}),
    };
    let records = await ctx.audit.list(filter);
    if (user && 'name' in user) records = records.filter((r) => r.actor.name?.toLowerCase() === user.name);
    if (!viewer.approver) records = await aboutVisibleFindings(ctx, viewer, records);
    records = records.slice(0, n);
    const filterText = [user ? ('id' in user ? user.id : `@${user.name}`) : undefined, cluster]
      .filter(Boolean)
      .join(', ');
    await reply(buildAuditReply(records, filterText));
  },
};
