import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ensureRedis, onPath, redisAnswers } from '../../../sandbox/local-redis.js';
import { freePort } from '../../helpers/harness.js';
import { REDIS_URL } from '../../helpers/redis.js';

describe('sandbox Redis', () => {
  it('uses REDIS_URL when a Redis answers there', async () => {
    const r = await ensureRedis(REDIS_URL);
    expect(r).toMatchObject({ url: REDIS_URL, private: false });
    await r.close();
  });

  it.skipIf(!onPath('redis-server'))(
    'starts a private, throw-away redis-server when nothing answers, and stops it on close',
    async () => {
      const nobody = `redis://127.0.0.1:${await freePort()}`;
      expect(await redisAnswers(nobody, 300)).toBe(false);
      const r = await ensureRedis(nobody);
      try {
        expect(r.private).toBe(true);
        expect(r.url).not.toBe(nobody);
        const client = new Redis(r.url);
        expect(await client.config('GET', 'save')).toEqual(['save', '']);
        expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
        await client.quit();
      } finally {
        await r.close();
      }
      expect(await redisAnswers(r.url, 300)).toBe(false);
    },
  );

  it('says how to install Redis when none answers and redis-server is not installed', async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`;
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(ensureRedis(nobody)).rejects.toThrow(
        /apt-get install redis-server[\s\S]*brew install redis/,
      );
    } finally {
      process.env.PATH = saved;
    }
  });
});
