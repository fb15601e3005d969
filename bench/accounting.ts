import type { Redis } from 'ioredis';
import { systemClock } from '../src/clock.js';
import { FindingStore } from '../src/findings/store.js';
import { keyspace } from '../src/redis.js';
import { CardStore } from '../src/slack/card-store.js';

/**
 * Reads the bot's Redis state: a finding is accounted for when its record points at a card that
 * Slack has accepted (its own card, or a group card that counts it).
 */
export class Accounting {
  private readonly findings: FindingStore;
  private readonly cards: CardStore;
  private readonly postedCards = new Map<string, string>();

  constructor(redis: Redis, prefix: string) {
    const keys = keyspace(prefix);
    this.findings = new FindingStore(redis, keys, systemClock);
    this.cards = new CardStore(redis, keys, systemClock);
  }

  /** The ids of `ids` not yet accounted for. */
  async missing(ids: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const recs = (await this.findings.getByIds(chunk)).map((rs) => rs[0]);
      for (let j = 0; j < chunk.length; j++) {
        const r = recs[j];
        const id = chunk[j] as string;
        if (!r?.cardId || (r.state !== 'posted' && r.state !== 'grouped')) {
          out.push(id);
          continue;
        }
        if (!(await this.cardTs(r.cardId))) out.push(id);
      }
    }
    return out;
  }

  /** Finding id → card id (and the card's ts) for every accounted finding of `ids`. */
  async cardsOf(ids: readonly string[]): Promise<Map<string, { cardId: string; ts: string }>> {
    const out = new Map<string, { cardId: string; ts: string }>();
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const recs = (await this.findings.getByIds(chunk)).map((rs) => rs[0]);
      for (const r of recs) {
        const ts = r?.cardId ? await this.cardTs(r.cardId) : undefined;
        if (r?.cardId && ts) out.set(r.finding.id, { cardId: r.cardId, ts });
      }
    }
    return out;
  }

  private async cardTs(cardId: string): Promise<string | undefined> {
    const known = this.postedCards.get(cardId);
    if (known) return known;
    const card = await this.cards.get(cardId);
    if (card?.ts) this.postedCards.set(cardId, card.ts);
    return card?.ts;
  }
}
