import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ChannelPacer,
  maxInWindow,
  type SlackEmulator,
  startSlackEmulator,
} from '../../../sandbox/slack/index.js';
import { platformError, type WebClient, webClient } from './web-client.js';

const A = 'C0AAAA';
const B = 'C0BBBB';

async function rateLimitedError(
  p: Promise<unknown>,
): Promise<InstanceType<typeof webApi.WebAPIRateLimitedError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof webApi.WebAPIRateLimitedError) return err;
    throw err;
  }
  throw new Error('expected a rate-limited error');
}

describe('ChannelPacer (token bucket)', () => {
  it('allows a burst of 2, then 1 per second, per key', () => {
    let now = 1_000_000;
    const pacer = new ChannelPacer({}, () => now);
    expect(pacer.take('a')).toEqual({ ok: true });
    expect(pacer.take('a')).toEqual({ ok: true });
    expect(pacer.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(pacer.take('b')).toEqual({ ok: true });
    now += 999;
    expect(pacer.take('a').ok).toBe(false);
    now += 1;
    expect(pacer.take('a')).toEqual({ ok: true });
    expect(pacer.take('a').ok).toBe(false);
  });

  it('is configurable and can be turned off', () => {
    const now = 0;
    const three = new ChannelPacer({ burst: 3, perSecond: 0.5 }, () => now);
    expect([three.take('a'), three.take('a'), three.take('a')].every((d) => d.ok)).toBe(true);
    expect(three.take('a')).toEqual({ ok: false, retryAfterSeconds: 2 });
    const off = new ChannelPacer({ enabled: false }, () => now);
    expect(Array.from({ length: 20 }, () => off.take('a').ok).every(Boolean)).toBe(true);
  });

  it('maxInWindow counts the busiest half-open 1 s window', () => {
    expect(maxInWindow([])).toBe(0);
    expect(maxInWindow([0, 999, 1000, 1999])).toBe(2);
    expect(maxInWindow([0, 10, 20, 5000])).toBe(3);
  });
});

describe('chat.postMessage pacing through the real WebClient', () => {
  let emu: SlackEmulator;
  let web: WebClient;
  let now = 1_732_838_400_000;

  beforeAll(async () => {
    // A controlled clock: the bucket only refills when the test says time passed.
    emu = await startSlackEmulator({
      clock: () => now,
      channels: [
        { id: A, name: 'a' },
        { id: B, name: 'b' },
      ],
    });
    web = webClient(emu);
  });
  afterAll(async () => {
    await emu.close();
  });

  it('10 fast posts to one channel: 2 pass, the rest get 429 with Retry-After; another channel is independent', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => web.chat.postMessage({ channel: A, text: `burst ${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(8);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(webApi.WebAPIRateLimitedError);
      expect((r.reason as { retryAfter: number }).retryAfter).toBe(1);
    }
    expect(emu.messages(A)).toHaveLength(2);

    // The wire answer itself, as Slack sends it.
    const raw = await fetch(`${emu.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${emu.botToken}`,
      },
      body: new URLSearchParams({ channel: A, text: 'raw' }).toString(),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('1');
    expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });

    // Channel B has its own bucket.
    await expect(web.chat.postMessage({ channel: B, text: 'b1' })).resolves.toMatchObject({ ok: true });
    await expect(web.chat.postMessage({ channel: B, text: 'b2' })).resolves.toMatchObject({ ok: true });

    expect(emu.rateLimited()).toHaveLength(9);
    expect(emu.rateLimited().every((c) => c.method === 'chat.postMessage' && c.retryAfter === 1)).toBe(true);
    expect(emu.postRateReport()).toEqual({ [A]: 2, [B]: 2 });

    // A second later one more post fits.
    now += 1000;
    await expect(web.chat.postMessage({ channel: A, text: 'later' })).resolves.toMatchObject({ ok: true });
    expect((await rateLimitedError(web.chat.postMessage({ channel: A, text: 'too soon' }))).retryAfter).toBe(
      1,
    );
    expect(emu.postRateReport()[A]).toBe(2);
    expect(emu.postRateReport(1001)[A]).toBe(3);
  });

  it('other methods are not paced', async () => {
    const updates = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        web.chat.update({ channel: A, ts: emu.messages(A)[0]!.ts, text: `u${i}` }),
      ),
    );
    expect(updates.every((u) => u.ok)).toBe(true);
  });
});

describe('fault injection', () => {
  let emu: SlackEmulator;
  let web: WebClient;

  beforeAll(async () => {
    emu = await startSlackEmulator({ pacing: { enabled: false }, channels: [{ id: A, name: 'a' }] });
    web = webClient(emu);
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.faults.clear();
    emu.clearCalls();
  });

  it('429 with a chosen Retry-After, N times, then normal service', async () => {
    emu.faults.inject({ method: 'chat.postMessage', kind: '429', times: 2, retryAfter: 7 });
    expect((await rateLimitedError(web.chat.postMessage({ channel: A, text: '1' }))).retryAfter).toBe(7);
    expect((await rateLimitedError(web.chat.postMessage({ channel: A, text: '2' }))).retryAfter).toBe(7);
    await expect(web.chat.postMessage({ channel: A, text: '3' })).resolves.toMatchObject({ ok: true });
    expect(emu.calls('chat.postMessage').map((c) => c.status)).toEqual([429, 429, 200]);
    expect(emu.faults.pending()).toEqual([]);
  });

  it('500 is an HTTP error; invalid_auth is a platform error; only the named method is affected', async () => {
    emu.faults.inject({ method: 'chat.update', kind: '500' });
    emu.faults.inject({ method: 'chat.postMessage', kind: 'invalid_auth' });
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true });
    expect((await platformError(web.chat.postMessage({ channel: A, text: 'x' }))).error).toBe('invalid_auth');
    const { ts } = await web.chat.postMessage({ channel: A, text: 'y' });
    const err = await web.chat.update({ channel: A, ts: ts!, text: 'z' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(webApi.WebAPIHTTPError);
    expect((err as { statusCode: number }).statusCode).toBe(500);
    expect(emu.message(A, ts!)?.text).toBe('y');
  });

  it('a default WebClient waits out an injected 429 and retries successfully', async () => {
    emu.faults.inject({ method: 'chat.postMessage', kind: '429', retryAfter: 1 });
    const patient = webClient(emu, emu.botToken, {
      rejectRateLimitedCalls: false,
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 },
    });
    const started = Date.now();
    const res = await patient.chat.postMessage({ channel: A, text: 'eventually' });
    expect(res.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(emu.calls('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
  });

  it('kind error with a custom code, limited to one channel', async () => {
    emu.addChannel({ id: B, name: 'b' });
    emu.faults.inject({ method: 'chat.postMessage', kind: 'error', error: 'not_in_channel', channel: B });
    await expect(web.chat.postMessage({ channel: A, text: 'fine' })).resolves.toMatchObject({ ok: true });
    expect((await platformError(web.chat.postMessage({ channel: B, text: 'no' }))).error).toBe(
      'not_in_channel',
    );
  });
});
