import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../sandbox/aws/index.js';
import { SlackTestClient } from '../../sandbox/slack/index.js';
import { createEcsGuard, type EcsGuard } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { type Emulators, PEOPLE, startEmulators } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// The one "Details" thread reply of a finding card, with two replicas on one Redis (both drain
// the outbox), the AWS and Slack emulators, and signed clicks.
describe('Details thread reply', () => {
  let emus: Emulators;
  let guards: EcsGuard[] = [];
  const ports: number[] = [];
  const ch = PEOPLE.alerts;

  beforeAll(async () => {
    emus = await startEmulators();
    const config = loadConfig(emus.env);
    guards = [0, 1].map(() =>
      createEcsGuard(config, {
        log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
        aws: { endpoint: emus.aws.url, credentials: emus.aws.credentials, maxAttempts: 3 },
      }),
    );
    for (const g of guards) ports.push(await g.start());
  });
  afterAll(async () => {
    await Promise.allSettled(guards.map((g) => g.stop()));
    await emus?.close();
  });

  const g = () => guards[0] as EcsGuard;
  const detailsOf = (ts: string) =>
    emus.slack.thread(ch, ts).filter((m) => m.ts !== ts && (m.text ?? '').startsWith('Details:'));
  const cardOf = (id: string) =>
    waitFor(() => emus.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(id)), {
      what: 'card',
    });
  const postTime = (ts: string) =>
    emus.slack.calls('chat.postMessage').find((c) => c.ok && (c.result as { ts?: string })?.ts === ts)?.at ??
    0;

  it('an idle channel: the card, then its Details once in the thread, at Slack pace, across two replicas', async () => {
    const task = emus.estate.services.web!.tasks[0]!;
    const f = addFindingFor(emus.aws.state, { type: 'Execution:Runtime/ReverseShell', task, severity: 8 });
    await g().ctx.poller.poll('us-east-1');
    const card = await cardOf(f.id);
    const [d] = await waitFor(() => (detailsOf(card.ts).length ? detailsOf(card.ts) : undefined), {
      what: 'Details reply',
    });
    const text = JSON.stringify(d?.blocks);
    expect(text).toContain('*Details*');
    expect(text).toContain('*Task definition*');
    expect(text).not.toContain(f.id);
    // Never two posts within Slack's second in the channel: the reply waited for the slot.
    expect(postTime(d!.ts) - postTime(card.ts)).toBeGreaterThanOrEqual(1000);
    // Both replicas keep draining; the claim in Redis keeps it at one.
    await new Promise((r) => setTimeout(r, 2500));
    expect(detailsOf(card.ts)).toHaveLength(1);
    expect(await g().ctx.details.postedTs((await g().ctx.findings.getByIds([f.id]))[0]![0]!.cardId!)).toBe(
      d!.ts,
    );
  });

  it('a busy channel: every queued card is posted before any Details reply', async () => {
    const types = [
      'Execution:Runtime/NewBinaryExecuted',
      'Impact:Runtime/CryptoMinerExecuted',
      'Execution:Runtime/SuspiciousTool',
      'Persistence:Runtime/SuspiciousCommand',
    ];
    const tasks = emus.estate.services.web!.tasks;
    const fs = types.map((type, i) =>
      addFindingFor(emus.aws.state, { type, task: tasks[i % tasks.length]!, severity: 5 }),
    );
    await g().ctx.poller.poll('us-east-1');
    const cards = await Promise.all(fs.map((f) => cardOf(f.id)));
    const replies = await waitFor(
      () => {
        const all = cards.map((c) => detailsOf(c.ts));
        return all.every((r) => r.length === 1) ? all.map((r) => r[0]!) : undefined;
      },
      { what: 'four Details replies', timeoutMs: 20_000 },
    );
    const lastCard = Math.max(...cards.map((c) => postTime(c.ts)));
    for (const r of replies) expect(postTime(r.ts)).toBeGreaterThan(lastCard);
    for (const rate of Object.values(emus.slack.postRateReport())) expect(rate).toBeLessThanOrEqual(1);
    expect(emus.slack.rateLimited()).toHaveLength(0);
  }, 30_000);

  it('on request: ECS context posts the Details first when the quiet channel has not, and only once', async () => {
    const task = emus.estate.services.api!.tasks[0]!;
    const f = addFindingFor(emus.aws.state, {
      type: 'Discovery:Runtime/SuspiciousCommand',
      task,
      severity: 5,
    });
    const { ctx } = g();
    await ctx.poller.poll('us-east-1');
    const card = await cardOf(f.id);
    // The card is older than the idle window (as after a long burst): its Details wait for a request.
    const cardId = (await ctx.findings.getByIds([f.id]))[0]![0]!.cardId!;
    const due = ctx.keys('details-due', ch);
    await waitFor(async () => (await ctx.redis.zscore(due, cardId)) !== null, { what: 'Details owed' });
    await ctx.redis.zadd(due, 'XX', 0, cardId);
    await new Promise((r) => setTimeout(r, 1500));
    expect(detailsOf(card.ts)).toHaveLength(0);
    const client = new SlackTestClient({
      eventsUrl: `http://127.0.0.1:${ports[0]}/slack/events`,
      emulator: emus.slack,
    });
    await client.click({ userId: PEOPLE.outsider, channelId: ch, ts: card.ts, action: 'ECS context' });
    await waitFor(() => emus.slack.thread(ch, card.ts).find((m) => m.text?.includes('ECS context')), {
      what: 'ECS context reply',
    });
    const kinds = emus.slack
      .thread(ch, card.ts)
      .slice(1)
      .map((m) => ((m.text ?? '').startsWith('Details:') ? 'details' : 'context'));
    expect(kinds).toEqual(['details', 'context']);
    // A second click (on the other replica) shows the context again, not the Details.
    const other = new SlackTestClient({
      eventsUrl: `http://127.0.0.1:${ports[1]}/slack/events`,
      emulator: emus.slack,
    });
    await other.click({ userId: PEOPLE.requester, channelId: ch, ts: card.ts, action: 'ECS context' });
    await waitFor(
      () => emus.slack.thread(ch, card.ts).filter((m) => m.text?.includes('ECS context')).length === 2,
      { what: 'second ECS context reply' },
    );
    expect(detailsOf(card.ts)).toHaveLength(1);
  }, 30_000);
});
