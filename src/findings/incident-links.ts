import type { Keyspace, Redis } from '../redis.js';
import { archiveUrl } from '../slack/archive-url.js';
import type { IncidentContained } from '../slack/blocks/finding-card.js';
import type { CardStore } from '../slack/card-store.js';
import { type FindingKey, findingKeyOf, isFindingKey } from './finding-key.js';
import type { Finding } from './model.js';
import type { FindingStore } from './store.js';

/** The runtime findings an incident cites (FINDING signals), in signal order, each once. */
export const citedIds = (incident: Pick<Finding, 'sequence'>): string[] => [
  ...new Set((incident.sequence?.signals ?? []).map((s) => s.findingId).filter((x): x is string => !!x)),
];

/** A posted card's link (none before Slack accepted it). */
const urlOf = (card: { channel: string; ts?: string } | undefined): string | undefined =>
  card?.ts ? archiveUrl(card.channel, card.ts) : undefined;

/**
 * The cards of an incident's cited findings refresh (debounced): the incident's card was posted
 * (they link to it) or its Contain ran or was restored (they say so).
 */
export async function refreshCitedCards(
  deps: { findings: FindingStore; cards: CardStore },
  incident: Finding,
): Promise<void> {
  const recs = (await deps.findings.getByIds(citedIds(incident))).flat();
  for (const r of recs) if (r.cardId) await deps.cards.scheduleUpdate(r.cardId, 1500);
}

/**
 * The two-way links between an incident (attack sequence) and the runtime findings it cites:
 * `incident-of:<findingId>` → the incident's finding key (kept apart from the finding's own record,
 * which may not exist yet), and the card links both cards render. Whichever card is posted or
 * updated later, the other is refreshed so its link appears.
 */
export class IncidentLinks {
  constructor(
    private readonly deps: { redis: Redis; keys: Keyspace; cards: CardStore; findings: FindingStore },
  ) {}

  /** An incident was stored (new or updated): its cited findings point back at it. */
  async link(incident: Finding): Promise<void> {
    const ids = citedIds(incident);
    if (!ids.length) return;
    const pipe = this.deps.redis.pipeline();
    const key = findingKeyOf(incident);
    for (const id of ids) pipe.set(this.deps.keys('incident-of', id), key, 'EX', 30 * 24 * 3600);
    await pipe.exec();
  }

  /** A card was posted: the cards on the other side of its links refresh (to link to it). */
  async cardPosted(f: Finding): Promise<void> {
    if (f.sequence) return refreshCitedCards(this.deps, f);
    const incident = await this.incidentKeyOf(f);
    const rec = incident ? await this.deps.findings.get(incident) : undefined;
    if (rec?.cardId) await this.deps.cards.scheduleUpdate(rec.cardId, 1500);
  }

  /** The incident citing `f`, by the link an ingested incident left or GuardDuty's own ARN. */
  async incidentKeyOf(
    f: Pick<Finding, 'id' | 'associatedAttackSequenceArn'>,
  ): Promise<FindingKey | undefined> {
    const arn = f.associatedAttackSequenceArn;
    return (
      (await this.deps.redis.get(this.deps.keys('incident-of', f.id))) ??
      (arn && isFindingKey(arn) ? arn : undefined)
    );
  }

  /**
   * The incident's title and card link for a runtime finding's card ("part of incident …"), and
   * what the incident's Contain did when it ran: its plan covers the cited findings' tasks.
   */
  async incidentFor(
    f: Finding,
  ): Promise<{ title: string; url?: string; contained?: IncidentContained } | undefined> {
    const key = await this.incidentKeyOf(f);
    const rec = key ? await this.deps.findings.get(key) : undefined;
    if (!rec?.finding.sequence) return undefined;
    const card = rec.cardId ? await this.deps.cards.get(rec.cardId) : undefined;
    const url = urlOf(card);
    const o = card?.state.outcome;
    const contained: IncidentContained | undefined =
      o?.action === 'contain'
        ? {
            ok: o.ok,
            at: o.at,
            ...(o.restore ? { restore: true } : {}),
            ...(o.approverId ? { approverId: o.approverId } : {}),
          }
        : undefined;
    return { title: rec.finding.title, ...(url ? { url } : {}), ...(contained ? { contained } : {}) };
  }

  /** Card links of an incident's cited findings that have a posted card: finding id → URL. */
  async citedCards(incident: Finding): Promise<Map<string, string>> {
    const recs = (await this.deps.findings.getByIds(citedIds(incident))).flat();
    const out = new Map<string, string>();
    for (const r of recs) {
      const url = await this.cardUrl(r.cardId);
      if (url && !out.has(r.finding.id)) out.set(r.finding.id, url);
    }
    return out;
  }

  private async cardUrl(cardId: string | undefined): Promise<string | undefined> {
    return urlOf(cardId ? await this.deps.cards.get(cardId) : undefined);
  }
}
