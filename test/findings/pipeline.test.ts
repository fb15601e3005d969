import { afterAll, describe, expect, it } from 'vitest';
import { makeFinding, seedEstate, startAwsEmulator } from '../../sandbox/aws/index.js';
import { findingKeyOf } from '../../src/findings/finding-key.js';
import { normaliseFinding } from '../../src/findings/normalise.js';
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
    expect(await findings.getByIds(['badacct', 'badregion'])).toEqual([[], []]);
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
    const res = await pipeline.ingestRaw([moved], 'poll');
    expect(res.updated).toBe(0);
    expect(res.ignored.map((i) => i.reason)).toEqual([
      'update would change the finding’s account, region or resource',
    ]);
    const key = findingKeyOf(normaliseFinding(real));
    const rec = await findings.get(key);
    expect(rec?.finding).toMatchObject({ taskArn: t0!.taskArn, count: 1, archived: false });
    expect(await metrics.registry.metrics()).toContain(
      'ecs_guard_findings_rejected_total{reason="resource"} 1',
    );
    // A genuine repeat (same task, higher count) still updates.
    const again = structuredClone(real);
    again.service.count = 3;
    expect((await pipeline.ingestRaw([again], 'poll')).updated).toBe(1);
    expect((await findings.get(key))?.finding.count).toBe(3);
  });

  it('keys findings by ARN: the same id in another account, region or detector is another finding', async () => {
    const emu = await startAwsEmulator();
    const [t0] = seedEstate(emu.state).services.web!.tasks;
    await emu.close();
    const keys = keyspace(prefix);
    const findings = new FindingStore(redis, keys, Date.now);
    const pipeline = new Pipeline({
      findings,
      cards: new CardStore(redis, keys, Date.now),
      config: { routes: [], minSeverity: 'Low', slack: { alertChannel: 'C1' } } as never,
      log: createLogger({ level: 'silent' }),
    });
    const real = makeFinding({ type: 'Execution:Runtime/ReverseShell', task: t0!, id: 'sameidelsewhere' });
    expect((await pipeline.ingestRaw([real], 'poll')).new).toBe(1);
    // Same id, other account / region / detector, higher count and archived: each is its own finding.
    const otherAccount = structuredClone(real);
    otherAccount.accountId = '999988887777';
    otherAccount.service.count = 50;
    const otherRegion = structuredClone(real);
    otherRegion.region = 'eu-west-1';
    otherRegion.service.count = 99_999;
    const otherDetector = structuredClone(real);
    otherDetector.service.detectorId = 'f'.repeat(32);
    otherDetector.service.count = 7;
    const res = await pipeline.ingestRaw([otherAccount, otherRegion, otherDetector], 'poll');
    expect(res).toMatchObject({ new: 3, updated: 0 });
    const [stored] = await findings.getByIds(['sameidelsewhere']);
    expect(stored).toHaveLength(4);
    const own = await findings.get(findingKeyOf(normaliseFinding(real)));
    expect(own?.finding).toMatchObject({
      accountId: real.accountId,
      region: real.region,
      taskArn: t0!.taskArn,
      count: 1,
      archived: false,
    });
    expect(own?.key).toBe(
      `arn:aws:guardduty:${real.region}:${real.accountId}:detector/${real.service.detectorId}/finding/sameidelsewhere`,
    );
    // A request target (account, region, id) finds its own finding, not a same-id one elsewhere.
    const found = await findings.findOf({
      accountId: '999988887777',
      region: real.region,
      findingId: real.id,
    });
    expect(found?.finding.count).toBe(50);
  });
});
