import type { Keyspace, Redis } from '../redis.js';
import { archiveUrl } from '../slack/archive-url.js';
import type { CardStore } from '../slack/card-store.js';
import type { Finding } from './model.js';
import type { FindingStore } from './store.js';

/** Finding id of an ARN `…/finding/<id>`. */
const idOfArn = (arn: string | undefined): string | undefined =>
  arn?.match(/\/finding\/([A-Za-z0-9]{1,128})$/)?.[1];

/** The runtime findings an incident cites (FINDING signals), in signal order, each once. */
export const citedIds = (incident: Pick<Finding, 'sequence'>): string[] => [
  ...new Set((incident.sequence?.signals ?? []).map((s) => s.findingId).filter((x): x is string => !!x)),
];

/**
 * The two-way links between an incident (attack sequence) and the runtime findings it cites:
 * `incident-of:<findingId>` → the incident's finding id (kept apart from the finding's own record,
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
    for (const id of ids) pipe.set(this.deps.keys('incident-of', id), incident.id, 'EX', 30 * 24 * 3600);
    await pipe.exec();
  }

  /** A card was posted: the cards on the other side of its links refresh (to link to it). */
  async cardPosted(f: Finding): Promise<void> {
    const others = f.sequence ? citedIds(f) : [await this.incidentIdOf(f)].filter((x): x is string => !!x);
    const recs = await this.deps.findings.getMany(others);
    for (const r of recs) if (r?.cardId) await this.deps.cards.scheduleUpdate(r.cardId, 1500);
  }

  /** The incident citing `f`, by the link an ingested incident left or GuardDuty's own ARN. */
  async incidentIdOf(f: Pick<Finding, 'id' | 'associatedAttackSequenceArn'>): Promise<string | undefined> {
    return (
      (await this.deps.redis.get(this.deps.keys('incident-of', f.id))) ??
      idOfArn(f.associatedAttackSequenceArn)
    );
  }

  /** The incident's title and card link for a runtime finding's card ("part of incident …"). */
  async incidentFor(f: Finding): Promise<{ title: string; url?: string } | undefined> {
    const id = await this.incidentIdOf(f);
    const rec = id ? await this.deps.findings.get(id) : undefined;
    if (!rec?.finding.sequence) return undefined;
    const url = await this.cardUrl(rec.cardId);
    return { title: rec.finding.title, ...(url ? { url } : {}) };
  }

  /** Card links of an incident's cited findings that have a posted card: finding id → URL. */
  async citedCards(incident: Finding): Promise<Map<string, string>> {
    const ids = citedIds(incident);
    const recs = await this.deps.findings.getMany(ids);
    const out = new Map<string, string>();
    for (const [i, r] of recs.entries()) {
      const url = await this.cardUrl(r?.cardId);
      if (url) out.set(ids[i] as string, url);
    }
    return out;
  }

  private async cardUrl(cardId: string | undefined): Promise<string | undefined> {
    const card = cardId ? await this.deps.cards.get(cardId) : undefined;
    return card?.ts ? archiveUrl(card.channel, card.ts) : undefined;
  }
}
