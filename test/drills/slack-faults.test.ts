import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';
import { accountedIds, expectEachFindingPostedOnce, seedFindings } from './drill-helpers.js';

// Slack answering 500s and 429 storms in the middle of a burst: the outbox backs off, honours
// Retry-After per channel, and in the end every finding is in exactly one card, posted once.
describe('drill: Slack 500s and 429 storms during a burst', () => {
  let h: Harness;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-guard-drill-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, `routes:\n  - channel: ${PEOPLE.prod}\n    clusters: ["prod-*"]\n`);
    h = await startHarness({ env: { ECS_GUARD_CONFIG: policy } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('loses nothing and posts nothing twice', async () => {
    const ids = seedFindings(h.aws.state, h.estate, 150, 'sfd').map((f) => f.id);
    // Storms on both channels before and during the burst; chat.update gets 429s too.
    h.slack.faults.inject({ method: 'chat.postMessage', kind: '500', times: 9, channel: PEOPLE.alerts });
    h.slack.faults.inject({
      method: 'chat.postMessage',
      kind: '429',
      times: 6,
      retryAfter: 2,
      channel: PEOPLE.prod,
    });
    h.slack.faults.inject({ method: 'chat.update', kind: '429', times: 5, retryAfter: 1 });
    await h.guard.ctx.poller.poll('us-east-1');
    const { findings, cards } = h.guard.ctx;
    await waitFor(async () => (await accountedIds(findings, cards, ids)).length > 20, {
      timeoutMs: 30_000,
      what: 'first cards after the first storm',
    });
    // A second storm while the outbox is draining.
    h.slack.faults.inject({ method: 'chat.postMessage', kind: '429', times: 8, retryAfter: 1 });
    h.slack.faults.inject({ method: 'chat.postMessage', kind: '500', times: 6 });
    await waitFor(async () => (await accountedIds(findings, cards, ids)).length === ids.length, {
      timeoutMs: 50_000,
      intervalMs: 250,
      what: 'every finding accounted for',
    });
    expect(h.slack.faults.pending().filter((f) => f.method === 'chat.postMessage')).toEqual([]);
    await expectEachFindingPostedOnce(findings, cards, h.slack, ids);
    // The faults did fire, and the outbox never went over Slack's pace because of them.
    expect(h.slack.calls('chat.postMessage').filter((c) => c.status === 500).length).toBeGreaterThanOrEqual(
      15,
    );
    expect(h.slack.rateLimited().length).toBeGreaterThanOrEqual(14);
    for (const rate of Object.values(h.slack.postRateReport())) expect(rate).toBeLessThanOrEqual(2);
  }, 90_000);
});
