import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyspace } from '../../src/redis.js';
import { CardStore } from '../../src/slack/card-store.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

describe('CardStore.updateState', () => {
  const prefix = testPrefix('cards');
  const redis = testRedis();
  const other = testRedis();
  const cards = new CardStore(redis, keyspace(prefix), Date.now);
  const cardsElsewhere = new CardStore(other, keyspace(prefix), Date.now);
  const cardId = `c${'a'.repeat(24)}`;

  beforeAll(async () => {
    await cards.create({ cardId, kind: 'finding', findingId: 'f1', channel: 'C1', state: { cardId } });
  });
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    await redis.quit();
    await other.quit();
  });

  it('loses no update when many writers from two connections change one card at once', async () => {
    const bump = (store: CardStore) =>
      store.updateState(cardId, (s) => ({ ...s, updatedCount: (s.updatedCount ?? 0) + 1 }));
    await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 ? cards : cardsElsewhere)));
    expect((await cards.get(cardId))?.state.updatedCount).toBe(40);
  });

  it('leaves the state alone when the change declines, and knows no forged card', async () => {
    const before = (await cards.get(cardId))?.state;
    expect(await cards.updateState(cardId, () => undefined)).toEqual(before);
    expect(await cards.updateState(`c${'b'.repeat(24)}`, (s) => s)).toBeUndefined();
    expect(await cards.get('not-a-card-id')).toBeUndefined();
  });
});
