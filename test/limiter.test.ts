import { describe, expect, it } from 'vitest';
import { Limiter } from '../src/limiter.js';

describe('Limiter', () => {
  it('never runs more than its concurrency at once, keeps order, and reports idle', async () => {
    const l = new Limiter(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const release: (() => void)[] = [];
    const tasks = Array.from({ length: 10 }, (_, i) =>
      l.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => release.push(r));
        running--;
        return i * 2;
      }),
    );
    expect(l.size).toBe(10);
    let idle = false;
    void l.idle().then(() => {
      idle = true;
    });
    while (started.length < 10 || release.length) {
      await new Promise((r) => setImmediate(r));
      release.shift()?.();
    }
    expect(await Promise.all(tasks)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(peak).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(true);
  });

  it('frees the slot when a task throws', async () => {
    const l = new Limiter(1);
    await expect(l.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await l.run(async () => 'next')).toBe('next');
    expect(l.size).toBe(0);
  });
});
