import { isAccountId, isRegionName } from '../aws/names.js';
import type { Config } from '../config.js';
import { EcsGuardError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { CardStore } from '../slack/card-store.js';
import { groupKeyOf, memberOf } from './group-key.js';
import type { IncidentLinks } from './incident-links.js';
import type { Finding } from './model.js';
import { isEcsAttackSequence, isEcsRuntimeFinding, normaliseFinding } from './normalise.js';
import { routeFinding, routeIncident } from './route.js';
import type { FindingStore } from './store.js';

export type Source = 'poll' | 'push';

/** Why a finding's account id or region cannot be right (12 digits; an AWS region name), if so. */
export function malformedIdentity(f: Pick<Finding, 'accountId' | 'region'>): string | undefined {
  if (!isAccountId(f.accountId)) return 'account id is not 12 digits';
  if (!isRegionName(f.region)) return 'region is not an AWS region name';
  return undefined;
}

export interface PipelineResult {
  new: number;
  updated: number;
  duplicate: number;
  ignored: { id?: string; reason: string }[];
}

/**
 * The one entry point for findings, whether polled or pushed: normalise → filter → route →
 * dedupe → channel outbox (new) or debounced card update (repeat).
 */
export class Pipeline {
  constructor(
    private readonly deps: {
      findings: FindingStore;
      cards: CardStore;
      config: Pick<Config, 'routes' | 'minSeverity' | 'slack'>;
      log: Logger;
      metrics?: Metrics;
      incidents?: IncidentLinks;
    },
  ) {}

  /** Accepts raw findings in either shape (SDK v3 object or wire/EventBridge JSON). */
  async ingestRaw(raws: unknown[], source: Source): Promise<PipelineResult> {
    const findings: Finding[] = [];
    const ignored: PipelineResult['ignored'] = [];
    for (const raw of raws) {
      try {
        findings.push(normaliseFinding(raw));
      } catch (err) {
        ignored.push({ reason: err instanceof EcsGuardError ? err.message : 'malformed finding' });
      }
    }
    const res = await this.ingest(findings, source);
    res.ignored.unshift(...ignored);
    return res;
  }

  async ingest(findings: Finding[], source: Source): Promise<PipelineResult> {
    const out: PipelineResult = { new: 0, updated: 0, duplicate: 0, ignored: [] };
    for (const f of findings) {
      const malformed = malformedIdentity(f);
      if (malformed) {
        // Account and region pick clients, keys and links: a finding with odd ones is refused, not shown.
        this.deps.log.warn(
          { findingId: f.id.slice(0, 128), source, problem: malformed },
          'malformed finding skipped',
        );
        this.deps.metrics?.findingsRejected.inc({
          reason: malformed.startsWith('account') ? 'account' : 'region',
        });
        out.ignored.push({ id: f.id, reason: malformed });
        continue;
      }
      const incident = isEcsAttackSequence(f);
      if (!incident && !isEcsRuntimeFinding(f)) {
        out.ignored.push({ id: f.id, reason: `not an ECS runtime finding (${f.resourceType} ${f.type})` });
        continue;
      }
      // An incident routes by every account, region and cluster it touches; it is never grouped.
      const channel = incident ? routeIncident(f, this.deps.config) : routeFinding(f, this.deps.config);
      if (!channel) {
        out.ignored.push({ id: f.id, reason: `severity ${f.severityLabel} is below the minimum` });
        continue;
      }
      const res = await this.deps.findings.ingest(f, channel, incident ? `incident|${f.id}` : groupKeyOf(f));
      if (incident && res.outcome !== 'duplicate' && res.outcome !== 'ignored-archived')
        await this.deps.incidents?.link(f);
      this.deps.metrics?.findingsIngested.inc({ source });
      if (res.outcome === 'new') out.new++;
      else if (res.outcome === 'duplicate') out.duplicate++;
      else if (res.outcome === 'ignored-archived') out.ignored.push({ id: f.id, reason: 'archived' });
      else if (res.outcome === 'conflict') {
        // Same id, another account, region or task: the stored finding keeps its own; refused.
        this.deps.log.warn(
          { findingId: f.id, source },
          'finding update refused: it names another account, region or resource',
        );
        this.deps.metrics?.findingsRejected.inc({ reason: 'resource' });
        out.ignored.push({
          id: f.id,
          reason: 'update would change the finding’s account, region or resource',
        });
      } else {
        out.updated++;
        if (res.cardId) await this.refresh(f, res.cardId);
      }
    }
    if (out.new || out.updated) {
      this.deps.log.info(
        { source, new: out.new, updated: out.updated, duplicate: out.duplicate, ignored: out.ignored.length },
        'findings ingested',
      );
    }
    return out;
  }

  /** A repeat of a finding that has a card: refresh its line in a group, then the card itself. */
  private async refresh(f: Finding, cardId: string): Promise<void> {
    const card = await this.deps.cards.get(cardId);
    if (!card) return;
    if (card.kind === 'group' && card.groupId) {
      const g = await this.deps.cards.getGroupHeader(card.groupId);
      if (g) await this.deps.cards.addToGroup(g.groupId, g.channel, g.groupKey, [memberOf(f)]);
    }
    await this.deps.cards.scheduleUpdate(cardId, 1000);
    // Seen again: the card's retention starts over (as the finding's did).
    await this.deps.cards.touch(cardId);
  }
}
