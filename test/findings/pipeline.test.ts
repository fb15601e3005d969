import { afterAll, describe, expect, it } from 'vitest';
import { makeFinding, seedEstate, startAwsEmulator } from '../../sandbox/aws/index.js';
import { Pipeline } from '../../src/findings/pipeline.js';
import { FindingStore } from '../../src/findings/store.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { keyspace } from '../../src/redis.js';
import { CardStore } from '../../src/slack/card-store.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

describe('Pipeline: account and region are validated at ingest', () => {
  const prefix = testPrefix('pipe');
  const redis = testRedis();
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    await redis.quit();
  });

  it('skips a finding whose account id or region is malformed, logs and counts it, stores nothing', async () => {
    const emu = await startAwsEmulator();
    const task = seedEstate(emu.state).services.web!.tasks[0]!;
    await emu.close();
    const keys = keyspace(prefix);
    const findings = new FindingStore(redis, keys, Date.now);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (s: string) => lines.push(s) } });
    const metrics = createMetrics({ defaultMetrics: false });
    const pipeline = new Pipeline({
      findings,
      cards: new CardStore(redis, keys, Date.now),
      config: { routes: [], minSeverity: 'Low', slack: { alertChannel: 'C1' } } as never,
      log,
      metrics,
    });
    const good = makeFinding({ type: 'Execution:Runtime/ReverseShell', task, id: 'goodacct' });
    const badAccount = { ...makeFinding({ type: 'Execution:Runtime/ReverseShell', task, id: 'badacct' }) };
    badAccount.accountId = '12345678901<!here>';
    const badRegion = makeFinding({ type: 'Execution:Runtime/ReverseShell', task, id: 'badregion' });
    badRegion.region = 'us-east-1` *x*';
    const res = await pipeline.ingestRaw([good, badAccount, badRegion], 'poll');
    expect(res.new).toBe(1);
    expect(res.ignored.map((i) => i.reason)).toEqual([
      'account id is not 12 digits',
      'region is not an AWS region name',
    ]);
    expect(await findings.get('badacct')).toBeUndefined();
    expect(await findings.get('badregion')).toBeUndefined();
    expect(lines.filter((l) => l.includes('malformed finding skipped'))).toHaveLength(2);
    const text = await metrics.registry.metrics();
    expect(text).toContain('ecs_guard_findings_rejected_total{reason="account"} 1');
    expect(text).toContain('ecs_guard_findings_rejected_total{reason="region"} 1');
  });
});
