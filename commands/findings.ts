/** `/ecs-guard findings [cluster] [--severity S] [--type PREFIX] [--since 24h] [--limit N] [--archived]` */

import { EcsGuardError, ErrorCode } from '../src/errors.js';
import type { Finding, SeverityLabel } from '../src/findings/model.js';
import { severityAtLeast } from '../src/findings/severity.js';
import type { FindingRecord } from '../src/findings/store.js';
import { archiveUrl } from '../src/slack/archive-url.js';
import { clusterArg, durationArg, intArg } from './args.js';
import { viewerOf } from './authorise.js';
import { buildFindingsReply, type FindingRow } from './blocks/findings.js';
import type { Subcommand } from './types.js';

const SCAN_MAX = 2000;
const SEVERITIES: Record<string, SeverityLabel> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

export interface FindingFilter {
  cluster?: string;
  minSeverity?: SeverityLabel;
  typePrefix?: string;
  archived: boolean;
}

export function matchesFilter(f: Finding, q: FindingFilter): boolean {
  return (
    (!q.cluster || f.clusterName === q.cluster) &&
    (!q.minSeverity || severityAtLeast(f, q.minSeverity)) &&
    (!q.typePrefix || f.type.toLowerCase().startsWith(q.typePrefix.toLowerCase())) &&
    (q.archived || !f.archived)
  );
}

export const findingsCommand: Subcommand = {
  name: 'findings',
  views: true,
  spec: {
    flags: { severity: 'string', type: 'string', since: 'string', limit: 'string', archived: 'boolean' },
    positional: ['cluster'],
  },
  async run({ ctx, args, reply, userId }) {
    const sev = args.flags.severity as string | undefined;
    const minSeverity = sev ? SEVERITIES[sev.toLowerCase()] : undefined;
    if (sev && !minSeverity)
      throw new EcsGuardError(
        ErrorCode.InvalidInput,
        `--severity must be low, medium, high or critical, not "${sev}"`,
      );
    const sinceMs = durationArg((args.flags.since as string | undefined) ?? '24h');
    const limit = args.flags.limit ? intArg(args.flags.limit as string, '--limit', 1, 100) : 20;
    const q: FindingFilter = {
      ...(args.positional[0] ? { cluster: clusterArg(args.positional[0]) } : {}),
      ...(minSeverity ? { minSeverity } : {}),
      ...(args.flags.type ? { typePrefix: args.flags.type as string } : {}),
      archived: args.flags.archived === true,
    };
    const viewer = await viewerOf(ctx, userId);
    const keys = await ctx.findings.recentKeys(ctx.clock() - sinceMs, SCAN_MAX);
    const picked: FindingRecord[] = [];
    for (let i = 0; i < keys.length && picked.length < limit; i += 200) {
      const recs = await ctx.findings.getMany(keys.slice(i, i + 200));
      for (const r of recs) {
        // Only findings routed to a channel the user is in (approvers: all).
        if (r && matchesFilter(r.finding, q) && picked.length < limit && (await viewer.sees(r.channel)))
          picked.push(r);
      }
    }
    // Newest first by when GuardDuty last saw it; ingestion order breaks ties (one poll = one ms).
    const seen = (r: FindingRecord) => Date.parse(r.finding.lastSeen ?? r.finding.updatedAt) || r.ingestedAt;
    picked.sort((a, b) => seen(b) - seen(a) || b.ingestedAt - a.ingestedAt);
    const rows: FindingRow[] = await Promise.all(
      picked.map(async (r) => {
        let ts = r.ts;
        let channel = r.channel;
        if (!ts && r.cardId) {
          const card = await ctx.cards.get(r.cardId);
          ts = card?.ts;
          channel = card?.channel ?? channel;
        }
        const url = ts ? archiveUrl(channel, ts) : undefined;
        return { finding: r.finding, state: r.state, ...(url ? { cardUrl: url } : {}) };
      }),
    );
    const filterText = [
      q.cluster,
      q.minSeverity ? `≥ ${q.minSeverity}` : undefined,
      q.typePrefix ? `type ${q.typePrefix}*` : undefined,
      `last ${(args.flags.since as string | undefined) ?? '24h'}`,
      q.archived ? 'incl. archived' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    await reply(buildFindingsReply(rows, filterText, keys.length));
  },
};
