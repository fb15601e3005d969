import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../../../sandbox/aws/index.js';
import { buttonsOf } from '../../../../sandbox/slack/test-client.js';
import { type Harness, PEOPLE, startHarness } from '../../../helpers/harness.js';
import { waitFor } from '../../../helpers/wait.js';

// Policy-file variants of the card actions: ECS context answered ephemerally, and Archive
// requiring a second person (request, then someone else's approval).
describe('card actions under a stricter policy file', () => {
  let h: Harness;
  beforeAll(async () => {
    const policy = join(mkdtempSync(join(tmpdir(), 'ecs-guard-')), 'policy.yaml');
    writeFileSync(policy, 'contextVisibility: ephemeral\nactions:\n  archive:\n    twoPerson: true\n');
    h = await startHarness({ env: { ECS_GUARD_CONFIG: policy } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const cardFor = async (taskIndex: number) => {
    const f = addFindingFor(h.aws.state, {
      type: 'Execution:Runtime/ReverseShell',
      task: h.estate.services.web!.tasks[taskIndex]!,
      severity: 8,
    });
    await h.guard.ctx.poller.poll('us-east-1');
    const msg = await waitFor(() =>
      h.slack.messages(PEOPLE.alerts).find((m) => JSON.stringify(m.blocks).includes(f.id)),
    );
    return { f, ts: msg.ts };
  };
  const click = (userId: string, ts: string, action: string) =>
    h.client.click({ userId, channelId: PEOPLE.alerts, ts, action });

  it('answers ECS context only to the person who clicked', async () => {
    const { ts } = await cardFor(0);
    await click(PEOPLE.outsider, ts, 'ECS context');
    const e = await waitFor(() =>
      h.slack.ephemerals({ user: PEOPLE.outsider }).find((m) => m.text?.includes('ECS context')),
    );
    expect(JSON.stringify(e.blocks)).toContain('prod-web');
    // Nothing of the ECS context in the thread (the card's own Details reply may be there).
    const replies = h.slack.thread(PEOPLE.alerts, ts).filter((m) => m.ts !== ts);
    expect(replies.filter((m) => !(m.text ?? '').startsWith('Details:'))).toHaveLength(0);
  });

  it('makes Archive a request that a second approver must approve', async () => {
    const { f, ts } = await cardFor(1);
    await click(PEOPLE.approver, ts, 'Archive');
    const labels = () =>
      buttonsOf(h.slack.message(PEOPLE.alerts, ts)!).map((b) => (b.text as { text: string }).text);
    await waitFor(() => labels().includes('Approve') && labels().includes('Reject'), {
      what: 'Approve and Reject on the card',
    });
    expect(h.aws.calls({ operation: 'ArchiveFindings' })).toHaveLength(0);
    // The requester's own approval is refused under two-person; another approver's goes through.
    await click(PEOPLE.approver, ts, 'Approve');
    await waitFor(
      () => h.slack.ephemerals({ user: PEOPLE.approver }).some((m) => /own|second/i.test(m.text ?? '')),
      {
        what: 'refusal of own approval',
      },
    );
    expect(h.aws.calls({ operation: 'ArchiveFindings' })).toHaveLength(0);
    await click(PEOPLE.groupApprover, ts, 'Approve');
    await waitFor(() => h.aws.calls({ operation: 'ArchiveFindings' }).length === 1, {
      what: 'ArchiveFindings',
    });
    expect(h.aws.state.getFinding(f.id)?.service.archived).toBe(true);
  });
  it('Reject closes a Stop task request: no StopTask, normal buttons back, audited', async () => {
    const { f, ts } = await cardFor(2);
    const labels = () =>
      buttonsOf(h.slack.message(PEOPLE.alerts, ts)!).map((b) => (b.text as { text: string }).text);
    await click(PEOPLE.requester, ts, 'Stop task');
    await waitFor(() => labels().includes('Reject'), { what: 'Reject on the card' });
    await click(PEOPLE.approver, ts, 'Reject');
    await waitFor(() => labels().includes('Stop task') && !labels().includes('Reject'), {
      what: 'the normal buttons back',
    });
    const events = await waitFor(async () => {
      const r = (await h.guard.ctx.audit.list({ findingId: f.id })).map((x) => x.event);
      return r.includes('rejected') ? r : undefined;
    });
    expect(events).toContain('requested');
    expect(h.aws.calls({ operation: 'StopTask' })).toHaveLength(0);
  });
});
