/** `/ecs-guard audit [N] [--user @U] [--cluster C]` and `/ecs-guard audit verify` */
import type { AuditFilter } from '../src/audit/trail.js';
import { EcsGuardError, ErrorCode } from '../src/errors.js';
import { clusterArg, intArg, userArg } from './args.js';
import { buildAuditReply, buildVerifyReply } from './blocks/audit.js';
import type { Subcommand } from './types.js';

export const auditCommand: Subcommand = {
  name: 'audit',
  spec: { flags: { user: 'string', cluster: 'string' }, positional: ['N|verify'] },
  async run({ ctx, args, reply }) {
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
    const filter: AuditFilter = {
      limit: user && 'name' in user ? 1000 : n,
      ...(user && 'id' in user ? { userId: user.id } : {}),
      ...(cluster ? { cluster } : {}),
    };
    let records = await ctx.audit.list(filter);
    if (user && 'name' in user)
      records = records.filter((r) => r.actor.name?.toLowerCase() === user.name).slice(0, n);
    const filterText = [user ? ('id' in user ? user.id : `@${user.name}`) : undefined, cluster]
      .filter(Boolean)
      .join(', ');
    await reply(buildAuditReply(records, filterText));
  },
};
