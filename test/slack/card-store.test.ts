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
    await cards.create({ cardId, kind: 'finding', findingKey: 'f1', channel: 'C1', state: { cardId } });
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

describe('CardStore owed posts', () => {
  const prefix = testPrefix('cards-owed');
  const redis = testRedis();
  const cards = new CardStore(redis, keyspace(prefix), Date.now);
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    await redis.quit();
  });

  it('knows a channel owes a card its first post until the card has a ts', async () => {
    const group = `c${'c'.repeat(24)}`;
    const coverage = `c${'d'.repeat(24)}`;
    expect(await cards.hasOwedPost('C2')).toBe(false);
    await cards.create({
      cardId: group,
      kind: 'group',
      groupId: 'g1',
      channel: 'C2',
      state: { cardId: group },
    });
    expect(await cards.hasOwedPost('C2')).toBe(false); // in flight, not failed
    await cards.markPostFailed(group);
    expect(await cards.hasOwedPost('C2')).toBe(true);
    expect(await cards.hasOwedPost('C3')).toBe(false);
    await cards.setTs(group, '1.000001');
    expect(await cards.hasOwedPost('C2')).toBe(false);
    await cards.create({
      cardId: coverage,
      kind: 'coverage',
      channel: 'C3',
      state: { cardId: coverage },
      postFailed: true,
    });
    expect(await cards.hasOwedPost('C3')).toBe(true);
    await redis.del(keyspace(prefix)('card', coverage)); // expired before it was posted
    expect(await cards.hasOwedPost('C3')).toBe(false);
  });
});
