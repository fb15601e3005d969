import type { IncidentLinks } from '../findings/incident-links.js';
import type { FindingStore } from '../findings/store.js';
import { buildCoverageCard } from './blocks/coverage-card.js';
import { buildFindingCard } from './blocks/finding-card.js';
import { buildGroupCard } from './blocks/group-card.js';
import { buildIncidentCard } from './blocks/incident-card.js';
import type { CardRecord, CardStore } from './card-store.js';

export interface RenderedCard {
  channel: string;
  ts?: string;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: Block Kit blocks are passed through to Slack as-is.
  blocks: any[];
}

/**
 * Renders a stored card from what ecs-guard knows now: the latest finding data plus the card's
 * action state. One function for the first post and every update, so they never drift apart.
 */
export class CardRenderer {
  constructor(
    private readonly cards: CardStore,
    private readonly findings: FindingStore,
    private readonly opts: { consoleUrl: string; incidents?: IncidentLinks },
  ) {}

  async render(cardOrId: string | CardRecord): Promise<RenderedCard | undefined> {
    const card = typeof cardOrId === 'string' ? await this.cards.get(cardOrId) : cardOrId;
    if (!card) return undefined;
    if (card.kind === 'coverage')
      return card.coverage
        ? { channel: card.channel, ts: card.ts, ...buildCoverageCard(card.coverage, card.state) }
        : undefined;
    if (card.kind === 'group' && card.groupId) {
      const g = await this.cards.getGroup(card.groupId);
      if (!g) return undefined;
      const f = g.first;
      const built = buildGroupCard(
        {
          groupKey: g.groupKey,
          type: f.type,
          severity: Math.max(...g.members.map((m) => m.severity), f.severity),
          label: f.severityLabel,
          service: f.service,
          family: f.taskFamily,
          cluster: f.clusterName,
          accountId: f.accountId,
          region: f.region,
          findings: g.members
            .sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))
            .map((m) => ({ id: m.id, taskId: m.taskId, lastSeen: m.lastSeen, container: m.container })),
          total: g.members.length,
        },
        { consoleUrl: this.opts.consoleUrl },
      );
      return { channel: card.channel, ts: card.ts, ...built };
    }
    const rec = card.findingKey ? await this.findings.get(card.findingKey) : undefined;
    if (!rec) return undefined;
    const state = { ...card.state };
    // GuardDuty archived it (seen by a later poll): the card says so and loses its buttons.
    if (rec.finding.archived && !state.archived)
      state.archived = { at: Date.parse(rec.finding.updatedAt) || 0 };
    const { incidents, consoleUrl } = this.opts;
    if (rec.finding.sequence) {
      const cited = (await incidents?.citedCards(rec.finding)) ?? new Map<string, string>();
      return {
        channel: card.channel,
        ts: card.ts,
        ...buildIncidentCard(rec.finding, state, { consoleUrl, cited }),
      };
    }
    const incident = await incidents?.incidentFor(rec.finding);
    const built = buildFindingCard(rec.finding, state, {
      consoleUrl,
      ...(incident ? { incident } : {}),
      ...(state.blastRadius ? { blastRadius: `:dart: ${state.blastRadius.line}` } : {}),
    });
    return { channel: card.channel, ts: card.ts, ...built };
  }
}
