import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, type EcsTask } from '../../sandbox/aws/index.js';
import { buttonsOf } from '../../sandbox/slack/test-client.js';
import { FIELD } from '../../src/suppressions/criteria.js';
import { collectTexts } from '../helpers/block-kit.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// Suppress similar when the policy file asks for a second person (`actions.suppress.twoPerson`),
// end to end: signed clicks and the modal submission through /slack/events, the card's Approve,
// the GuardDuty filter in the AWS emulator, real Redis.
const REGION = 'us-east-1';

describe('Suppress similar with two-person policy', () => {
  let h: Harness;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'suppress-2p-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(policy, 'actions:\n  suppress:\n    twoPerson: true\n');
    h = await startHarness({ env: { ECS_GUARD_CONFIG: policy } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const ch = PEOPLE.alerts;
  const textOf = (m: { text?: string; blocks?: unknown[] } | undefined) =>
    m ? `${m.text ?? ''}\n${collectTexts(m.blocks ?? []).join('\n')}` : '';
  const filters = () => h.aws.state.store(h.aws.homeAccountId, REGION).filters;
  const labels = (ts: string) =>
    buttonsOf(h.slack.message(ch, ts)!).map((b) => (b.text as { text: string }).text);

  it('the submission waits for a second approver; the requester cannot approve it; the second one creates the ARCHIVE filter', async () => {
    const task = h.estate.services.web?.tasks[0] as EcsTask;
    const f = addFindingFor(h.aws.state, { type: 'Discovery:Runtime/SuspiciousCommand', task, severity: 5 });
    await h.guard.ctx.poller.poll(REGION);
    const card = await waitFor(
      () => h.slack.messages(ch).find((m) => JSON.stringify(m.blocks).includes(f.id)),
      { what: 'card' },
    );

    await h.client.click({ userId: PEOPLE.approver, channelId: ch, ts: card.ts, action: 'Suppress similar' });
    const view = await waitFor(() => h.slack.views()[0], { what: 'the suppress modal' });
    // The modal says a second person must approve before anything is created.
    expect(collectTexts((view.view.blocks as unknown[]) ?? []).join('\n')).toContain(
      'not the person who asked (two-person)',
    );
    const res = await h.client.submitView({
      userId: PEOPLE.approver,
      viewId: view.id,
      values: {
        'sup-scope': { scope: 'cluster' },
        'sup-expiry': { expiry: '7d' },
        'sup-reason': { reason: 'load test of the web tier' },
      },
    });
    expect(res.status).toBe(200);
    await waitFor(() => labels(card.ts).includes('Approve'), { what: 'Approve on the card' });
    expect(h.aws.calls({ operation: 'CreateFilter' })).toHaveLength(0);

    // The requester's own approval is refused (four-eyes) and creates nothing.
    await h.client.click({ userId: PEOPLE.approver, channelId: ch, ts: card.ts, action: 'Approve' });
    await waitFor(
      () =>
        h.slack
          .ephemerals({ channel: ch, user: PEOPLE.approver })
          .some((e) => /second person must approve/.test(e.text ?? '')),
      { what: 'four-eyes refusal' },
    );
    expect(h.aws.calls({ operation: 'CreateFilter' })).toHaveLength(0);
    expect(filters().size).toBe(0);

    // A second approver (through the user group): one filter, action ARCHIVE, the shown criteria.
    await Promise.all([
      h.client.click({ userId: PEOPLE.groupApprover, channelId: ch, ts: card.ts, action: 'Approve' }),
      h.client.click({ userId: PEOPLE.groupApprover, channelId: ch, ts: card.ts, action: 'Approve' }),
    ]);
    await waitFor(() => textOf(h.slack.message(ch, card.ts)).includes('Suppressed by'), {
      what: 'card says suppressed',
      timeoutMs: 20_000,
    });
    expect(h.aws.calls({ operation: 'CreateFilter' }).filter((c) => !c.errorCode)).toHaveLength(1);
    const [filter] = [...filters().values()];
    expect(filter?.action).toBe('ARCHIVE');
    expect(filter?.findingCriteria.criterion).toEqual({
      [FIELD.type]: { equals: [f.type] },
      [FIELD.account]: { equals: [f.accountId] },
      [FIELD.cluster]: { equals: ['prod-web'] },
    });
    expect(filter?.description).toContain(PEOPLE.groupApprover);
    expect(filter?.description).toContain('load test of the web tier');
    const audit = await h.guard.ctx.audit.list({ findingId: f.id, limit: 100 });
    const events = audit.filter((r) => r.action === 'suppress');
    expect(events.find((r) => r.event === 'requested')?.actor.id).toBe(PEOPLE.approver);
    expect(events.find((r) => r.event === 'approved')?.actor.id).toBe(PEOPLE.groupApprover);
    expect(events.some((r) => r.event === 'refused' && r.actor.id === PEOPLE.approver)).toBe(true);

    // A new matching finding is archived by GuardDuty (the emulator) and posts nothing.
    const next = addFindingFor(h.aws.state, {
      type: f.type,
      task: h.estate.services.web?.tasks[1] as EcsTask,
      severity: 5,
    });
    expect(next.service.archived).toBe(true);
  }, 60_000);
});
