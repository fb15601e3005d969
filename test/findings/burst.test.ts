import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFinding } from '../../sandbox/aws/index.js';
import { findingKeyOf } from '../../src/findings/finding-key.js';
import type { Finding } from '../../src/findings/model.js';
import { normaliseFinding } from '../../src/findings/normalise.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { REDIS_MODES } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const TYPES: [string, number][] = [
  ['Execution:Runtime/ReverseShell', 8],
  ['Impact:Runtime/CryptoMinerExecuted', 7.5],
  ['Execution:Runtime/NewBinaryExecuted', 5],
  ['Discovery:Runtime/SuspiciousCommand', 2],
];

// A worm across many tasks: 1,000 findings into two channels. Slack's pace is physics, so the
// outbox must group, never exceed 1 post/s/channel, cause no 429 and account for every finding.
// On standalone Redis and on a three-master Redis Cluster (every operation within one hash slot).
describe.each(REDIS_MODES)('a 1,000-finding burst across two channels (%s Redis)', (mode) => {
  let h: Harness;
  const findings: Finding[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-guard-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, `routes:\n  - channel: ${PEOPLE.prod}\n    clusters: ["prod-*"]\n`);
    h = await startHarness({ env: { ECS_GUARD_CONFIG: policy }, redis: mode });
    const tasks = [
      ...h.estate.services.web!.tasks,
      ...h.estate.services.api!.tasks,
      ...h.estate.services.worker!.tasks,
      ...h.estate.services.legacy!.tasks,
    ];
    for (let i = 0; i < 1000; i++) {
      const [type, severity] = TYPES[i % TYPES.length]!;
      const task = tasks[i % tasks.length]!;
      findings.push(
        normaliseFinding(makeFinding({ type, severity, task, id: `burst${String(i).padStart(5, '0')}` })),
      );
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it('paces, groups, prioritises and accounts for every finding', async () => {
    // The bot really runs on the mode under test.
    expect(h.guard.ctx.redis instanceof Cluster).toBe(mode === 'cluster');
    const res = await h.guard.ctx.pipeline.ingest(findings, 'push');
    expect(res.new).toBe(1000);

    const { findings: store, cards } = h.guard.ctx;
    await waitFor(
      async () => {
        const recs = await store.getMany(findings.map(findingKeyOf));
        if (!recs.every((r) => r && (r.state === 'posted' || r.state === 'grouped'))) return false;
        for (const r of recs) if (!(await cards.get(r!.cardId!))?.ts) return false;
        return true;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'every finding in a posted card' },
    );

    // Exactly one card per finding: its own, or one group card that lists it.
    const recs = await store.getMany(findings.map(findingKeyOf));
    const byCard = new Map<string, string[]>();
    for (const r of recs) byCard.set(r!.cardId!, [...(byCard.get(r!.cardId!) ?? []), r!.finding.id]);
    let accounted = 0;
    for (const [cardId, ids] of byCard) {
      const card = (await cards.get(cardId))!;
      if (card.kind === 'group') {
        const g = (await cards.getGroup(card.groupId!))!;
        expect(new Set(g.members.map((m) => m.id))).toEqual(new Set(ids));
      } else expect(ids).toHaveLength(1);
      accounted += ids.length;
    }
    expect(accounted).toBe(1000);
    expect(byCard.size).toBeLessThan(200); // grouped, not 1,000 cards

    // Both channels got cards; never above Slack's pace; no 429 caused by our own pacing.
    // Cards only (a Details reply is a thread reply, posted once the channel is idle).
    const posts = h.slack
      .calls('chat.postMessage')
      .filter((c) => !(c.args as { thread_ts?: string }).thread_ts);
    const channels = new Set(posts.map((c) => (c.args as { channel: string }).channel));
    expect(channels).toEqual(new Set([PEOPLE.alerts, PEOPLE.prod]));
    for (const rate of Object.values(h.slack.postRateReport())) expect(rate).toBeLessThanOrEqual(1);
    expect(h.slack.rateLimited()).toHaveLength(0);

    // Higher severity first: after the first post of a channel, severities never go up.
    for (const ch of channels) {
      const sev = posts
        .filter((c) => (c.args as { channel: string }).channel === ch)
        .map((c) => {
          const text = JSON.stringify(c.args);
          return TYPES.find(([t]) => text.includes(t))?.[1] ?? 0;
        });
      for (let i = 2; i < sev.length; i++) expect(sev[i]).toBeLessThanOrEqual(sev[i - 1]!);
    }
  }, 120_000);
});
