import { describe, expect, it } from 'vitest';
import { startAwsEmulator } from '../../../sandbox/aws/index.js';
import { FindingTrickle, seedSandboxEstate, TRICKLE_TYPES } from '../../../sandbox/estate.js';

describe('sandbox estate', () => {
  it('has two accounts, two regions, Fargate and EC2 clusters and coverage problems', async () => {
    const aws = await startAwsEmulator();
    try {
      const estate = seedSandboxEstate(aws.state);
      const stores = aws.state.allStores();
      const clusters = stores.flatMap((s) => [...s.clusters.values()]);
      expect(new Set(stores.filter((s) => s.clusters.size).map((s) => s.accountId)).size).toBe(2);
      expect(new Set(stores.filter((s) => s.clusters.size).map((s) => s.region)).size).toBe(2);
      expect(clusters.length).toBeGreaterThanOrEqual(4);
      const tasks = stores.flatMap((s) => [...s.tasks.values()]);
      expect(new Set(tasks.map((t) => t.launchType))).toEqual(new Set(['FARGATE', 'EC2']));
      const coverage = stores.flatMap((s) => [...s.coverage.values()]);
      const unhealthy = coverage.filter((c) => c.coverageStatus === 'UNHEALTHY');
      expect(unhealthy.length).toBeGreaterThanOrEqual(3);
      expect(JSON.stringify(unhealthy)).toContain('TaskExecutionRole missing');
      expect(JSON.stringify(unhealthy)).toContain('Agent not reporting');
      expect(estate.memberAccountId).not.toBe(estate.homeAccountId);
    } finally {
      await aws.close();
    }
  });

  it('trickles findings of several types, repeats them, bursts on one service, skips stopped tasks', async () => {
    const aws = await startAwsEmulator();
    try {
      seedSandboxEstate(aws.state);
      let seed = 1;
      const random = () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      const trickle = new FindingTrickle(aws.state, {
        intervalMs: [1, 2],
        burstEveryMs: 0,
        burstSize: 30,
        random,
      });
      const singles = Array.from({ length: 40 }, () => trickle.one());
      expect(singles.every(Boolean)).toBe(true);
      const types = new Set(singles.map((f) => f?.type));
      expect(types.size).toBeGreaterThanOrEqual(5);
      for (const t of types) expect(TRICKLE_TYPES).toContain(t);

      const repeated = trickle.repeat();
      expect(repeated?.service.count).toBeGreaterThan(1);

      const burst = trickle.burst();
      expect(burst).toHaveLength(30);
      expect(new Set(burst.map((f) => f.type)).size).toBe(1);
      const clusterOf = (f: (typeof burst)[number]) => JSON.stringify(f.resource.ecsClusterDetails);
      expect(new Set(burst.map((f) => clusterOf(f).match(/"arn":"([^"]+)"/)?.[1])).size).toBe(1);

      for (const t of trickle.runningTasks().slice(1)) t.lastStatus = 'STOPPED';
      const [only] = trickle.runningTasks();
      const f = trickle.one();
      expect(JSON.stringify(f?.resource)).toContain(only?.taskArn.split('/').pop());
    } finally {
      await aws.close();
    }
  });

  it('start/stop schedules findings on timers and stops cleanly', async () => {
    const aws = await startAwsEmulator();
    try {
      seedSandboxEstate(aws.state);
      const seen: string[] = [];
      const trickle = new FindingTrickle(aws.state, {
        intervalMs: [5, 10],
        burstEveryMs: 30,
        burstSize: 3,
        onFindings: (kind) => seen.push(kind),
      });
      trickle.start();
      const deadline = Date.now() + 5_000;
      while (!(seen.includes('burst') && seen.includes('single')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      trickle.stop();
      expect(seen).toContain('single');
      expect(seen).toContain('burst');
      const count = aws.state.allFindings().length;
      await new Promise((r) => setTimeout(r, 50));
      expect(aws.state.allFindings().length).toBe(count);
    } finally {
      await aws.close();
    }
  });
});
