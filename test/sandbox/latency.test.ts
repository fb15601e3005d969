import { describe, expect, it } from 'vitest';
import { startAwsEmulator } from '../../sandbox/aws/index.js';
import { drawLatency, parseLatency } from '../../sandbox/latency.js';
import { startSlackEmulator } from '../../sandbox/slack/index.js';

describe('emulator latency', () => {
  it('parses MIN-MAX, turns off with 0, and refuses nonsense', () => {
    expect(parseLatency('50-200')).toEqual({ minMs: 50, maxMs: 200 });
    expect(parseLatency('80')).toEqual({ minMs: 80, maxMs: 80 });
    expect(parseLatency('0', { minMs: 1, maxMs: 2 })).toBeUndefined();
    expect(parseLatency(undefined, { minMs: 1, maxMs: 2 })).toEqual({ minMs: 1, maxMs: 2 });
    expect(() => parseLatency('fast')).toThrow(/MIN-MAX/);
    expect(() => parseLatency('200-50')).toThrow(/below/);
  });

  it('draws within the range, skewed to the low end', () => {
    const spec = { minMs: 50, maxMs: 200 };
    const draws = Array.from({ length: 2000 }, () => drawLatency(spec));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...draws)).toBeLessThanOrEqual(200);
    const median = draws.sort((a, b) => a - b)[1000]!;
    expect(median).toBeLessThan(125); // log-uniform: median = sqrt(50 * 200) = 100
  });

  it('delays every call of both emulators when set', async () => {
    const timed = async (url: string, init?: RequestInit) => {
      const t0 = performance.now();
      await (await fetch(url, init)).text();
      return performance.now() - t0;
    };
    const slow = await startSlackEmulator({ latency: { minMs: 120, maxMs: 120 } });
    const aws = await startAwsEmulator({ latency: { minMs: 120, maxMs: 120 } });
    try {
      expect(await timed(`${slow.apiUrl}auth.test`, { method: 'POST' })).toBeGreaterThanOrEqual(115);
      expect(await timed(aws.url, { method: 'POST', body: '{}' })).toBeGreaterThanOrEqual(115);
    } finally {
      await Promise.all([slow.close(), aws.close()]);
    }
  });
});
