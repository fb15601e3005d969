import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFinding, type WireFinding } from '../../sandbox/aws/index.js';
import {
  type BotProcess,
  type Emulators,
  PEOPLE,
  startBotProcess,
  startEmulators,
} from '../helpers/harness.js';
import { testRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { accountFor, postedCards, pushFindings } from './flows.js';

const TYPES: [string, number][] = [
  ['Execution:Runtime/ReverseShell', 8],
  ['Impact:Runtime/CryptoMinerExecuted', 7.5],
  ['Execution:Runtime/NewBinaryExecuted', 5],
];

// SIGTERM in the middle of a 300-finding burst pushed through /events/guardduty, with pushes
// still in flight: the bot stops taking requests, finishes the post in flight and exits 0 well
// within its bound; after a restart every accepted finding (and every retried one) is in exactly
// one card, and no card is posted twice. Needs `npx tsc` first.
describe('graceful shutdown in the middle of a burst (built process)', () => {
  let emus: Emulators;
  let bot: BotProcess | undefined;
  const redis = testRedis();
  const findings: WireFinding[] = [];

  beforeAll(async () => {
    emus = await startEmulators();
    const tasks = ['web', 'api', 'worker', 'legacy'].flatMap((s) => emus.estate.services[s]?.tasks ?? []);
    for (let i = 0; i < 300; i++) {
      const [type, severity] = TYPES[i % TYPES.length] as [string, number];
      const task = tasks[i % tasks.length];
      if (!task) throw new Error('no task');
      // GuardDuty holds each one, so the pushed hints verify (GetFindings) into cards.
      findings.push(
        emus.aws.state.addFinding(
          makeFinding({ type, severity, task, id: `sigterm${String(i).padStart(4, '0')}` }),
        ),
      );
    }
    bot = await startBotProcess(emus.env);
  }, 30_000);

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await emus?.close();
    redis.disconnect();
  });

  it('loses nothing accepted and posts nothing twice across SIGTERM and a restart', async () => {
    const first = bot as BotProcess;
    expect((await pushFindings(first.baseUrl, findings.slice(0, 100))).status).toBe(202);
    await waitFor(() => postedCards(emus.slack).length >= 2, { what: 'the first cards', timeoutMs: 15_000 });

    expect((await pushFindings(first.baseUrl, findings.slice(100, 200))).status).toBe(202);
    // The rest arrive while the bot is being stopped: each push is either accepted (202) or
    // refused at the door (connection error / 503), in which case EventBridge would retry it.
    const batches = [200, 225, 250, 275].map((from) => findings.slice(from, from + 25));
    const pushes = batches.map((batch) =>
      pushFindings(first.baseUrl, batch).then(
        (r) => ({ batch, accepted: r.status === 202 }),
        () => ({ batch, accepted: false }),
      ),
    );
    const stoppedAt = Date.now();
    const code = await first.stop('SIGTERM');
    const stopMs = Date.now() - stoppedAt;
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(10_000);
    expect(first.output()).toContain('ecs-guard stopped');
    const results = await Promise.all(pushes);
    const postedBefore = postedCards(emus.slack).length;

    bot = await startBotProcess(emus.env);
    const retry = results.filter((r) => !r.accepted).flatMap((r) => r.batch);
    if (retry.length) expect((await pushFindings(bot.baseUrl, retry)).status).toBe(202);

    const ids = findings.map((f) => f.id);
    const acct = await waitFor(
      async () => {
        const a = await accountFor(redis, emus.prefix, ids);
        return a.complete ? a : undefined;
      },
      { what: 'every finding in a posted card', timeoutMs: 40_000, intervalMs: 250 },
    );
    // Grouped (300 findings, 12 type×service pairs), yet each id in exactly one card.
    expect([...acct.byCard.values()].flat().sort()).toEqual([...ids].sort());
    expect(acct.byCard.size).toBeLessThan(60);

    // Slack saw each card posted exactly once, and nothing else posted.
    const posts = postedCards(emus.slack);
    expect(posts.length).toBe(acct.byCard.size);
    expect(new Set(posts.map((p) => p.ts)).size).toBe(posts.length);
    expect(new Set(posts.map((p) => p.ts))).toEqual(new Set(acct.tsOf.values()));
    expect(posts.every((p) => p.channel === PEOPLE.alerts)).toBe(true);
    // The restart really had work left (the drill was in the middle of the burst).
    expect(postedBefore).toBeLessThan(posts.length);
    expect(emus.slack.rateLimited()).toHaveLength(0);
  }, 55_000);
});
