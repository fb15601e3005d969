import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../sandbox/aws/index.js';
import { buttonsOf, SlackTestClient } from '../../sandbox/slack/index.js';
import { FindingStore } from '../../src/findings/store.js';
import { keyspace } from '../../src/redis.js';
import { CardStore } from '../../src/slack/card-store.js';
import {
  type BotProcess,
  type Emulators,
  INGEST_TOKEN,
  PEOPLE,
  startBotProcess,
  startEmulators,
} from '../helpers/harness.js';
import { REDIS_MODES, testRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { accountedIds, asEvents, expectEachFindingPostedOnce, seedFindings } from './drill-helpers.js';

// Two replicas of the built bot on one Redis: both receive every finding (EventBridge delivering
// to each), both drain the outboxes, both take clicks. Each finding is posted once, each
// approved action runs once. On standalone Redis and on a three-master Redis Cluster.
describe.each(REDIS_MODES)('drill: two bot processes on one Redis (%s)', (mode) => {
  let emus: Emulators;
  let bots: BotProcess[] = [];
  const redis = testRedis(mode);
  let findings: FindingStore;
  let cards: CardStore;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-guard-drill-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, `routes:\n  - channel: ${PEOPLE.prod}\n    clusters: ["prod-*"]\n`);
    emus = await startEmulators({ env: { ECS_GUARD_CONFIG: policy, LOG_LEVEL: 'warn' }, redis: mode });
    bots = await Promise.all([startBotProcess(emus.env), startBotProcess(emus.env)]);
    const keys = keyspace(emus.prefix);
    findings = new FindingStore(redis, keys, Date.now);
    cards = new CardStore(redis, keys, Date.now);
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(bots.map((b) => b.stop()));
    await emus?.close();
    await redis.quit();
  });

  const push = (bot: BotProcess, body: unknown) =>
    fetch(`${bot.baseUrl}/events/guardduty`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('an approved Stop task clicked on both replicas runs once', async () => {
    const task = emus.estate.services.payments!.tasks[0]!;
    const f = addFindingFor(emus.aws.state, {
      type: 'Execution:Runtime/ReverseShell',
      severity: 8,
      task,
      id: 'twoact',
    });
    await Promise.all(bots.map((b) => push(b, asEvents([f]))));
    const ch = PEOPLE.alerts;
    const msg = await waitFor(
      () => emus.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(f.id)),
      {
        timeoutMs: 15_000,
        what: 'card',
      },
    );
    const clients = bots.map(
      (b) => new SlackTestClient({ eventsUrl: `${b.baseUrl}/slack/events`, emulator: emus.slack }),
    );
    await Promise.all(
      clients.map((c) =>
        c.click({ userId: PEOPLE.requester, channelId: ch, ts: msg.ts, action: 'Stop task' }),
      ),
    );
    const hasApprove = () =>
      buttonsOf(emus.slack.message(ch, msg.ts)!).some((b) => b.action_id === 'approve');
    await waitFor(hasApprove, { what: 'Approve button' });
    await Promise.all([
      ...clients.map((c) =>
        c.click({ userId: PEOPLE.approver, channelId: ch, ts: msg.ts, action: 'Approve' }),
      ),
      ...clients.map((c) =>
        c.click({ userId: PEOPLE.groupApprover, channelId: ch, ts: msg.ts, action: 'Approve', retry: 1 }),
      ),
    ]);
    await waitFor(
      () => JSON.stringify(emus.slack.message(ch, msg.ts)!.blocks).includes('Stop task succeeded'),
      {
        timeoutMs: 20_000,
        what: 'card outcome',
      },
    );
    const stops = emus.aws.calls({ operation: 'StopTask' }).filter((c) => c.input.task === task.taskArn);
    expect(stops).toHaveLength(1);
    expect(emus.slack.messages(ch)).toHaveLength(1);
  }, 60_000);

  it('a burst delivered to both replicas: each finding posted once', async () => {
    const seeded = seedFindings(emus.aws.state, emus.estate, 200, 'two');
    const ids = seeded.map((f) => f.id);
    const batches: ReturnType<typeof asEvents>[] = [];
    for (let i = 0; i < seeded.length; i += 50) batches.push(asEvents(seeded.slice(i, i + 50)));
    const res = await Promise.all(bots.flatMap((b) => batches.map((ev) => push(b, ev))));
    expect(res.every((r) => r.status === 202)).toBe(true);
    await waitFor(async () => (await accountedIds(findings, cards, ids)).length === ids.length, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'every finding accounted for',
    });
    const all = [...ids, 'twoact'];
    await expectEachFindingPostedOnce(findings, cards, emus.slack, all);
    // The pace is cluster-wide (cards, Details and thread replies share each channel's slot): two
    // drainers, still no 429 from Slack.
    expect(emus.slack.rateLimited()).toHaveLength(0);
  }, 90_000);
});
