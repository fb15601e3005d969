import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../../sandbox/slack/index.js';
import { createLogger } from '../../../src/log.js';
import { keyspace } from '../../../src/redis.js';
import { ChannelSlots, SlackPacing, UpdateGap } from '../../../src/slack/pacing/index.js';
import { dropPrefix, testPrefix, testRedis } from '../../helpers/redis.js';
import { webClient } from '../../sandbox/slack/web-client.js';

const log = createLogger({ level: 'silent' });
const CH = 'C0PACE0001';

describe('Slack pacing', () => {
  const prefix = testPrefix('pacing');
  const keys = keyspace(prefix);
  const redis = testRedis();
  const other = testRedis();
  let emu: SlackEmulator;
  // Two replicas: own Redis connections and own Slack clients, one keyspace.
  let a: SlackPacing;
  let b: SlackPacing;

  beforeAll(async () => {
    emu = await startSlackEmulator({ autoCreateChannels: true });
    a = new SlackPacing({ redis, keys, slack: webClient(emu), log });
    b = new SlackPacing({ redis: other, keys, slack: webClient(emu), log });
  });
  afterAll(async () => {
    await emu?.close();
    await dropPrefix(redis, prefix);
    await redis.quit();
    await other.quit();
  });

  it('one slot per channel at a time, released only by its holder', async () => {
    const slots = new ChannelSlots(redis, keys);
    const mine = await slots.acquire('C0SLOT', 5_000);
    expect(mine).toBeTruthy();
    expect(await new ChannelSlots(other, keys).acquire('C0SLOT', 5_000)).toBeUndefined();
    expect(await slots.acquire('C0SLOT2', 5_000)).toBeTruthy(); // other channels are free
    await slots.release('C0SLOT', 'not-the-token');
    expect(await slots.acquire('C0SLOT', 5_000)).toBeUndefined();
    await slots.release('C0SLOT', mine!);
    expect(await slots.acquire('C0SLOT', 5_000)).toBeTruthy();
  });

  it('waits for a held slot, and gives up after its bound', async () => {
    const slots = new ChannelSlots(redis, keys);
    await slots.hold('C0WAIT', 300);
    const t0 = Date.now();
    expect(await slots.waitFor('C0WAIT', 1000, 2000)).toBeTruthy();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await slots.hold('C0WAIT', 5000);
    expect(await slots.waitFor('C0WAIT', 1000, 200)).toBeUndefined();
  });

  it('two replicas posting thread replies into one channel stay within Slack’s pace: no 429', async () => {
    const parent = await webClient(emu).chat.postMessage({ channel: CH, text: 'card' });
    await new Promise((r) => setTimeout(r, 1100));
    const before = emu.rateLimited().length;
    const posts = Array.from({ length: 6 }, (_, i) =>
      (i % 2 ? a : b).post({ channel: CH, thread_ts: parent.ts as string, text: `reply ${i}` }),
    );
    const res = await Promise.all(posts);
    expect(res.every((r) => r.ok)).toBe(true);
    expect(emu.rateLimited().length).toBe(before);
    expect(emu.postRateReport()[CH]).toBeLessThanOrEqual(2);
  }, 20_000);

  it('a 429 holds the channel for Retry-After and the post goes through after it', async () => {
    emu.faults.inject({ method: 'chat.postMessage', kind: '429', times: 1, retryAfter: 1, channel: CH });
    await new Promise((r) => setTimeout(r, 1100));
    const t0 = Date.now();
    const res = await a.post({ channel: CH, text: 'after a 429' });
    expect(res.ok).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    // The other replica saw the hold too: its post waited for the channel.
    expect(await new ChannelSlots(other, keys).acquire(CH, 10)).toBeUndefined();
  }, 20_000);

  it('chat.update: a burst of clicks updates at once, a stream settles at Tier 3, across replicas', async () => {
    const bucketKeys = keyspace(`${prefix}-bucket`);
    const one = new UpdateGap(redis, bucketKeys, 4);
    const two = new UpdateGap(other, bucketKeys, 4);
    // Four tokens for both replicas together, then one per gap.
    const burst = await Promise.all([one, two, one, two, one].map((g) => g.take(1000)));
    expect(burst.filter(Boolean)).toHaveLength(4);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await two.take(1000)).toBe(true);
    expect(await one.take(1000)).toBe(false);
    // Background updates leave a reserve for clicks.
    await new Promise((r) => setTimeout(r, 2000)); // two tokens back
    expect(await one.take(1000, 3)).toBe(false);
    expect(await two.take(1000)).toBe(true);
    // A 429 empties the bucket for Retry-After.
    await one.hold(300);
    await new Promise((r) => setTimeout(r, 250));
    expect(await two.take(1000)).toBe(false);
    expect(await one.waitFor(1000, 3000)).toBe(true);
  }, 20_000);

  it('chat.update through the pacer says so when no token came in time', async () => {
    const msg = await webClient(emu).chat.postMessage({ channel: 'C0UPD00001', text: 'v0' });
    await new UpdateGap(redis, keys).hold(3000);
    expect(await b.update({ channel: 'C0UPD00001', ts: msg.ts as string, text: 'v1' }, 200)).toBeUndefined();
    await new UpdateGap(redis, keys).hold(1);
    await new Promise((r) => setTimeout(r, 1200)); // one token back
    const res = await a.update({ channel: 'C0UPD00001', ts: msg.ts as string, text: 'v2' });
    expect(res?.ok).toBe(true);
    expect(emu.message('C0UPD00001', msg.ts as string)?.text).toBe('v2');
  }, 20_000);

  it('waiting is bounded by the injected clock, not the wall clock', async () => {
    // A fake clock that each sleep moves on: a 60 s wait ends after a handful of real Redis
    // calls, not a minute, and ends exactly when the fake deadline passes.
    let now = 1_000_000;
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    };
    const waitKeys = keyspace(`${prefix}:wait`);
    const slots = new ChannelSlots(redis, waitKeys, sleep, () => now);
    await slots.hold('C0WAIT0001', 120_000);
    const started = Date.now();
    expect(await slots.waitFor('C0WAIT0001', 1000, 60_000)).toBeUndefined();
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(60_000);
    expect(sleeps.every((ms) => ms <= 250)).toBe(true);
    const gap = new UpdateGap(redis, waitKeys, 4, sleep, () => now);
    await gap.hold(120_000);
    sleeps.length = 0;
    expect(await gap.waitFor(1100, 10_000)).toBe(false);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});
