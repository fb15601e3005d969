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

  it('never lets an update change the account, region or resource of a stored finding', async () => {
    const emu = await startAwsEmulator();
    const estate = seedEstate(emu.state);
    const [t0, t1] = estate.services.web!.tasks;
    await emu.close();
    const keys = keyspace(prefix);
    const findings = new FindingStore(redis, keys, Date.now);
    const metrics = createMetrics({ defaultMetrics: false });
    const pipeline = new Pipeline({
      findings,
      cards: new CardStore(redis, keys, Date.now),
      config: { routes: [], minSeverity: 'Low', slack: { alertChannel: 'C1' } } as never,
      log: createLogger({ level: 'silent' }),
      metrics,
    });
    const real = makeFinding({ type: 'Execution:Runtime/ReverseShell', task: t0!, id: 'keepidentity' });
    expect((await pipeline.ingestRaw([real], 'poll')).new).toBe(1);
    // The same id naming another task, with a huge count and archived: refused, nothing changes.
    const moved = makeFinding({ type: 'Execution:Runtime/ReverseShell', task: t1!, id: 'keepidentity' });
    moved.service.count = 99_999;
    moved.service.archived = true;
    const otherAccount = structuredClone(real);
    otherAccount.accountId = '999988887777';
    otherAccount.service.count = 50;
    const res = await pipeline.ingestRaw([moved, otherAccount], 'poll');
    expect(res.updated).toBe(0);
    expect(res.ignored.map((i) => i.reason)).toEqual([
      'update would change the finding’s account, region or resource',
      'update would change the finding’s account, region or resource',
    ]);
    const rec = await findings.get('keepidentity');
    expect(rec?.finding).toMatchObject({ taskArn: t0!.taskArn, count: 1, archived: false });
    expect(await metrics.registry.metrics()).toContain(
      'ecs_guard_findings_rejected_total{reason="resource"} 2',
    );
    // A genuine repeat (same task, higher count) still updates.
    const again = structuredClone(real);
    again.service.count = 3;
    expect((await pipeline.ingestRaw([again], 'poll')).updated).toBe(1);

    // A record written before the identity field existed is checked against its own data.
    await redis.hdel(keys('finding', 'keepidentity'), 'ident');
    expect((await pipeline.ingestRaw([moved], 'poll')).ignored).toHaveLength(1);
    expect((await findings.get('keepidentity'))?.finding.taskArn).toBe(t0!.taskArn);
  });
});
