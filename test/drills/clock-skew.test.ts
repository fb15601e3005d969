import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, type EcsTask } from '../../sandbox/aws/index.js';
import { buttonsOf } from '../../sandbox/slack/index.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

const TYPES = [
  'Execution:Runtime/ReverseShell',
  'Impact:Runtime/CryptoMinerExecuted',
  'Execution:Runtime/NewBinaryExecuted',
];

// The clock skewed around approval expiry: it jumps forward to just before/after the expiry
// while approvals race the expiry sweeper, then jumps back while stale Approve buttons are
// clicked again. Each request ends exactly one way (expired: no StopTask; approved: one StopTask).
describe('drill: clock skew around approval expiry', () => {
  let h: Harness;
  let offset = 0;
  const clock = () => Date.now() + offset;
  beforeAll(async () => {
    h = await startHarness({ guard: { clock } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('never both expires and executes a request, and a stale Approve after a backward jump does nothing', async () => {
    const ch = PEOPLE.alerts;
    const svc = (n: string) => h.estate.services[n]!.tasks;
    // One card per task (distinct service/type pairs, so none is grouped).
    const tasks: EcsTask[] = [...svc('web'), ...svc('api'), ...svc('payments'), ...svc('legacy')];
    const cards: { task: EcsTask; findingId: string; ts: string }[] = [];
    tasks.forEach((task, i) => {
      const f = addFindingFor(h.aws.state, {
        type: TYPES[i % TYPES.length]!,
        severity: 8,
        task,
        id: `skew${i}`,
      });
      cards.push({ task, findingId: f.id, ts: '' });
    });
    await h.guard.ctx.poller.poll('us-east-1');
    for (const c of cards) {
      c.ts = (
        await waitFor(
          () => h.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(c.findingId)),
          {
            timeoutMs: 20_000,
            what: `card ${c.findingId}`,
          },
        )
      ).ts;
    }
    const msg = (ts: string) => h.slack.message(ch, ts)!;
    const hasApprove = (ts: string) => buttonsOf(msg(ts)).some((b) => b.action_id === 'approve');
    const request = async (group: typeof cards) => {
      await Promise.all(
        group.map((c) =>
          h.client.click({ userId: PEOPLE.requester, channelId: ch, ts: c.ts, action: 'Stop task' }),
        ),
      );
      await waitFor(() => group.every((c) => hasApprove(c.ts)), { what: 'Approve buttons' });
    };
    const early = cards.slice(0, 4);
    const late = cards.slice(4);
    await request(early);
    const staleMessages = new Map(
      early.map((c) => [
        c.ts,
        { blocks: structuredClone(msg(c.ts).blocks ?? []), text: msg(c.ts).text ?? '' },
      ]),
    );
    await new Promise((r) => setTimeout(r, 1500)); // the late group is requested 1.5 s after
    await request(late);

    // Forward jump: the early requests are past expiry, the late ones ~0.8 s before it.
    const ttlMs = h.guard.ctx.config.approvalTtlSeconds * 1000;
    offset = ttlMs - 700;
    await Promise.all(
      cards.map((c) =>
        h.client.click({ userId: PEOPLE.approver, channelId: ch, ts: c.ts, action: 'Approve' }),
      ),
    );
    const text = (ts: string) => JSON.stringify(msg(ts).blocks);
    const settled = (ts: string) =>
      text(ts).includes('Stop task succeeded') || text(ts).includes('Request expired');
    await waitFor(() => cards.every((c) => settled(c.ts)), {
      timeoutMs: 20_000,
      what: 'every request settled',
    });

    // Backward jump: stale Approve buttons (from before the expiry) are clicked again.
    offset = -60_000;
    await Promise.all(
      early.map((c) =>
        h.client.click({
          userId: PEOPLE.approver,
          channelId: ch,
          ts: c.ts,
          action: 'Approve',
          message: staleMessages.get(c.ts)!,
        }),
      ),
    );
    await waitFor(() => h.slack.ephemerals({ user: PEOPLE.approver }).length >= early.length, {
      what: 'refusals of the stale approvals',
    });
    // Give a wrongly queued job time to show up, then check every request ended one way.
    await new Promise((r) => setTimeout(r, 2000));
    for (const c of cards) {
      const stops = h.aws
        .calls({ operation: 'StopTask' })
        .filter((s) => s.input.task === c.task.taskArn && !s.errorCode);
      const events = (await h.guard.ctx.audit.list({ findingId: c.findingId, limit: 50 })).map(
        (r) => r.event,
      );
      const expired = events.includes('expired');
      const executed = events.includes('executed');
      expect(expired !== executed, `${c.findingId}: ${events.join(',')}`).toBe(true);
      expect(stops).toHaveLength(executed ? 1 : 0);
      expect(text(c.ts).includes('Stop task succeeded')).toBe(executed);
    }
    // The early group was past expiry when approved: none of them may run.
    for (const c of early) {
      expect(
        h.aws.calls({ operation: 'StopTask' }).filter((s) => s.input.task === c.task.taskArn),
      ).toHaveLength(0);
    }
    offset = 0;
    // The late group had ~0.8 s left: at least one approval beat the expiry.
    expect(late.some((c) => text(c.ts).includes('Stop task succeeded'))).toBe(true);
  }, 90_000);
});
