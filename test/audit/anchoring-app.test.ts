import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTexts } from '../helpers/block-kit.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { testRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

// The bot anchors its audit head in ECS_GUARD_AUDIT_CHANNEL on its own schedule, and
// `/ecs-guard audit verify` reads the anchors back: deleting the newest records is reported.
const AUDIT = 'CAUDITLOG1';

describe('audit anchoring in the app', () => {
  let h: Harness;
  const redis = testRedis();

  beforeAll(async () => {
    h = await startHarness({
      env: { ECS_GUARD_AUDIT_CHANNEL: AUDIT, ECS_GUARD_AUDIT_ANCHOR_SECONDS: '1' },
    });
    h.slack.addChannel({ id: AUDIT, name: 'ecs-guard-audit' });
  });
  afterAll(async () => {
    await h?.close();
    redis.disconnect();
  });

  async function run(text: string): Promise<string> {
    const before = h.slack.ephemerals({ user: PEOPLE.approver }).length;
    await h.client.slashCommand({ userId: PEOPLE.approver, channelId: PEOPLE.alerts, text });
    const m = await waitFor(() => h.slack.ephemerals({ user: PEOPLE.approver })[before], {
      what: `answer to ${text}`,
      timeoutMs: 15_000,
    });
    return `${m.text ?? ''}\n${collectTexts(m.blocks ?? []).join('\n')}`;
  }

  it('anchors the head within the interval and verify matches the anchors', async () => {
    await run('help');
    const head = await waitFor(async () => {
      const [r] = await h.guard.ctx.audit.list({ limit: 1 });
      return r?.detail?.subcommand === 'help' ? r : undefined;
    });
    await waitFor(
      () => h.slack.messages(AUDIT).some((m) => m.text?.includes(`record ${head.seq} · hash ${head.hash}`)),
      { what: 'anchor message', timeoutMs: 10_000 },
    );
    const v = await run('audit verify');
    expect(v).toMatch(/Audit chain intact/);
    expect(v).toMatch(/Anchors in Slack channel CAUDITLOG1: \d+ read, [1-9]\d* matched/);
  });

  it('reports the newest records missing after someone deletes them in Redis', async () => {
    const before = (await h.guard.ctx.audit.list({ limit: 1 }))[0]?.seq ?? 0;
    await run('help');
    // The command's record is appended after its answer: wait for it to be the newest.
    const [newest, previous] = await waitFor(async () => {
      const two = await h.guard.ctx.audit.list({ limit: 2 });
      return two[0] && two[0].seq > before && two[0].detail?.subcommand === 'help' ? two : undefined;
    });
    await waitFor(() => h.slack.messages(AUDIT).some((m) => m.text?.includes(`record ${newest!.seq} ·`)), {
      what: 'anchor of the newest record',
      timeoutMs: 10_000,
    });
    const keys = h.guard.ctx.keys;
    await redis.xdel(keys('audit'), newest!.id!);
    await redis.set(keys('audit', 'head'), `${previous!.seq}:${previous!.hash}`);
    const v = await run('audit verify');
    expect(v).toMatch(/Audit chain BROKEN/);
    expect(v).toContain(`records ${newest!.seq}–${newest!.seq} are missing`);
  });
});
