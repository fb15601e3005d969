import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../sandbox/aws/index.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// The alert path end to end in one process: a finding seeded in the AWS emulator is polled,
// normalised, routed, deduplicated and posted as a card to the Slack emulator.
describe('alert flow (poll → card)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const web = () => h.estate.services.web!;

  it('posts one card with the task context and the three buttons', async () => {
    const f = addFindingFor(h.aws.state, {
      type: 'Execution:Runtime/ReverseShell',
      task: web().tasks[0]!,
      severity: 8,
    });
    const res = await h.guard.ctx.poller.poll('us-east-1');
    expect(res.fetched).toBeGreaterThanOrEqual(1);
    const msg = await waitFor(
      () => h.slack.messages(PEOPLE.alerts).find((m) => JSON.stringify(m.blocks).includes(f.id)),
      {
        what: 'card in #security-alerts',
      },
    );
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('Execution:Runtime/ReverseShell');
    expect(text).toContain('prod-web');
    const labels = (msg.blocks as { type: string; elements?: { text?: { text: string } }[] }[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? [])
      .map((e) => e.text?.text);
    expect(labels).toEqual(expect.arrayContaining(['Stop task', 'Archive', 'ECS context']));
    // Every AWS call is counted by operation for /metrics.
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
        return /ecs_guard_cards_posted_total [1-9]/.test(text) && text;
      },
      { what: 'cards_posted_total in /metrics' },
    );
    expect(metrics).toMatch(/ecs_guard_aws_calls_total\{operation="GetFindings"\} [1-9]/);
  });

  it('updates the card in place on a repeat and never posts twice (poll + push)', async () => {
    const f = addFindingFor(h.aws.state, {
      type: 'Impact:Runtime/CryptoMinerExecuted',
      task: web().tasks[1]!,
      severity: 8,
    });
    await h.guard.ctx.poller.poll('us-east-1');
    const card = await waitFor(() =>
      h.slack.messages(PEOPLE.alerts).find((m) => JSON.stringify(m.blocks).includes(f.id)),
    );
    // The same finding pushed through EventBridge, then a repeat with a higher count.
    const push = await fetch(`${h.baseUrl}/events/guardduty`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-ingest-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: f }),
    });
    expect(push.status).toBe(202);
    expect(await push.json()).toMatchObject({ accepted: 1, queued: 1 });
    // Verified with GetFindings: the same finding, so a duplicate, not a second card.
    await waitFor(async () => (await h.guard.ctx.pushes.waiting('us-east-1')) === 0, {
      what: 'push verified',
    });
    h.aws.state.updateFinding(f.id, { countBy: 6, at: Date.now() + 1000 });
    await h.guard.ctx.poller.poll('us-east-1');
    await waitFor(() => h.slack.calls('chat.update').some((c) => JSON.stringify(c.args).includes(f.id)), {
      what: 'chat.update of the card',
    });
    const cards = h.slack.messages(PEOPLE.alerts).filter((m) => JSON.stringify(m.blocks).includes(f.id));
    expect(cards).toHaveLength(1);
    expect(cards[0]?.ts).toBe(card.ts);
  });

  it('turns the card to "archived" without buttons when GuardDuty archives the finding', async () => {
    const f = addFindingFor(h.aws.state, {
      type: 'Execution:Runtime/NewBinaryExecuted',
      task: web().tasks[2]!,
      severity: 5,
    });
    await h.guard.ctx.poller.poll('us-east-1');
    const card = await waitFor(() =>
      h.slack.messages(PEOPLE.alerts).find((m) => JSON.stringify(m.blocks).includes(f.id)),
    );
    // Archived in the console: ListFindings no longer returns it, so the poll re-reads open cards.
    h.aws.state.getFinding(f.id)!.service.archived = true;
    await h.guard.ctx.redis.del(h.guard.ctx.keys('poll', 'reconcile', 'us-east-1'));
    await h.guard.ctx.poller.poll('us-east-1');
    const updated = await waitFor(
      () => {
        const m = h.slack.message(PEOPLE.alerts, card.ts);
        return m && JSON.stringify(m.blocks).includes('Archived in GuardDuty') ? m : undefined;
      },
      { what: 'the card updated to archived' },
    );
    const labels = JSON.stringify(updated.blocks);
    expect(labels).not.toContain('"Stop task"');
    expect(labels).not.toContain('"Archive"');
  });

  it('guards the EventBridge endpoint', async () => {
    const url = `${h.baseUrl}/events/guardduty`;
    expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(401);
    const auth = { authorization: 'Bearer test-ingest-token-0123456789' };
    const bad = await fetch(url, { method: 'POST', headers: auth, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { reason: string }).reason).toMatch(/malformed JSON/);
    const other = await fetch(url, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        'detail-type': 'GuardDuty Finding',
        source: 'aws.guardduty',
        detail: {
          id: 'x1',
          type: 'Recon:EC2/PortProbeUnprotectedPort',
          accountId: '111122223333',
          region: 'us-east-1',
          severity: 2,
          resource: { resourceType: 'Instance' },
          updatedAt: new Date().toISOString(),
          createdAt: new Date().toISOString(),
          service: {},
        },
      }),
    });
    // A hint to verify, not a finding: accepted for verification (GuardDuty does not know it).
    expect(other.status).toBe(202);
    expect(await other.json()).toMatchObject({ accepted: 1, queued: 1, ignored: [] });
  });
});
