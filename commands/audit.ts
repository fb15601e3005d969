/**
 * `/ecs-guard audit [N] [--user @U] [--cluster C]`, `/ecs-guard audit verify` and
 * `/ecs-guard audit evidence <request-or-snapshot-id>`
 */
import { loadEvidence } from '../src/audit/evidence.js';
import type { AuditRecord } from '../src/audit/record.js';
import type { AuditFilter } from '../src/audit/trail.js';
import type { AppContext } from '../src/context.js';
import { EcsGuardError, ErrorCode } from '../src/errors.js';
import { clusterArg, intArg, userArg } from './args.js';
import { type Viewer, viewerOf } from './authorise.js';
import { buildAuditReply, buildEvidenceReply, buildVerifyReply } from './blocks/audit.js';
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
  // A record names its finding by account, region and id: the same id elsewhere is another finding.
  const ids = [...new Set(records.flatMap((r) => (r.target?.findingId ? [r.target.findingId] : [])))];
  const recs = ids.length ? (await ctx.findings.getByIds(ids)).flat() : [];
  const seen = await Promise.all(recs.map((rec) => viewer.sees(rec.channel)));
  const visible = recs.filter((_, i) => seen[i]).map((rec) => rec.finding);
  return records.filter(({ target: t }) => {
    if (!t?.findingId) return true;
    const same = (f: (typeof visible)[number]) =>
      f.id === t.findingId &&
      (!t.accountId || f.accountId === t.accountId) &&
      (!t.region || f.region === t.region);
    return visible.some(same);
  });
}

/** A snapshot id is its request id with `-evidence`; either finds it. */
const EVIDENCE_ARG = /^(r[0-9a-f]{24})(-evidence)?$/;

/**
 * The evidence snapshot a containment request recorded, shown again: found through its `evidence`
 * audit record (so only snapshots the chain commits to are shown), checked against that record's
 * SHA-256. A non-approver sees it only when the finding's channel is one of theirs.
 */
async function showEvidence(
  ctx: AppContext,
  userId: string,
  arg: string | undefined,
): Promise<ReturnType<typeof buildEvidenceReply>> {
  const m = arg ? EVIDENCE_ARG.exec(arg) : null;
  if (!m?.[1])
    throw new EcsGuardError(
      ErrorCode.InvalidInput,
      '`audit evidence` takes a request id or snapshot id (`r…` or `r…-evidence`, shown on the `evidence` audit line)',
    );
  const requestId = m[1];
  const records = await ctx.audit.list({ requestId, limit: 200 });
  let rec = records.find((r) => r.event === 'evidence');
  const viewer = await viewerOf(ctx, userId);
  if (rec && !viewer.approver) rec = (await aboutVisibleFindings(ctx, viewer, [rec]))[0];
  if (!rec) return buildEvidenceReply(requestId, undefined);
  const snapshotId = String(rec.detail?.snapshotId ?? `${requestId}-evidence`);
  const sha = typeof rec.detail?.sha256 === 'string' ? rec.detail.sha256 : undefined;
  return buildEvidenceReply(requestId, { record: rec, loaded: await loadEvidence(ctx, snapshotId, sha) });
}

export const auditCommand: Subcommand = {
  name: 'audit',
  views: true,
  spec: { flags: { user: 'string', cluster: 'string' }, positional: ['N|verify|evidence', 'ID'] },
  async run({ ctx, args, reply, userId }) {
    const first = args.positional[0];
    if (first === 'evidence') {
      if (Object.keys(args.flags).length)
        throw new EcsGuardError(ErrorCode.InvalidInput, '`audit evidence` takes no flags');
      await reply(await showEvidence(ctx, userId, args.positional[1]));
      return;
    }
    if (args.positional.length > 1)
      throw new EcsGuardError(ErrorCode.InvalidInput, 'only `audit evidence` takes a second argument');
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
