import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor, type EcsTask } from '../../sandbox/aws/index.js';
import { FIELD } from '../../src/suppressions/criteria.js';
import { activeSuppressions } from '../../src/suppressions/store.js';
import { sweepSuppressions } from '../../src/suppressions/sweep.js';
import { collectTexts } from '../helpers/block-kit.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// Suppress similar end to end in one process: signed clicks and a modal submission from the Slack
// test client, the GuardDuty filter in the AWS emulator (which archives matching findings as
// GuardDuty does), real Redis for requests, suppressions and audit.
const REGION = 'us-east-1';

describe('Suppress similar', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const textOf = (m: { text?: string; blocks?: unknown[] }) =>
    `${m.text ?? ''}\n${collectTexts(m.blocks ?? []).join('\n')}`;
  const filters = () => h.aws.state.store(h.aws.homeAccountId, REGION).filters;

  async function cardFor(type: string, task: EcsTask) {
    const f = addFindingFor(h.aws.state, { type, task, severity: 5 });
    await h.guard.ctx.poller.poll(REGION);
    const card = await waitFor(
      () => h.slack.messages(PEOPLE.alerts).find((m) => JSON.stringify(m.blocks).includes(f.id)),
      { what: `card of ${type}` },
    );
    return { f, card };
  }

  async function suppressVia(
    card: { ts: string },
    values: { scope: string; expiry: string; reason: string },
  ) {
    const before = h.slack.views().length;
    await h.client.click({
      userId: PEOPLE.approver,
      channelId: PEOPLE.alerts,
      ts: card.ts,
      action: 'Suppress similar',
    });
    const view = await waitFor(() => h.slack.views()[before], { what: 'the suppress modal' });
    const res = await h.client.submitView({
      userId: PEOPLE.approver,
      viewId: view.id,
      values: {
        'sup-scope': { scope: values.scope },
        'sup-expiry': { expiry: values.expiry },
        'sup-reason': { reason: values.reason },
      },
    });
    return { view, res };
  }

  it('shows the criteria, requires a reason, creates an ARCHIVE filter with them, and the card says who until when', async () => {
    const web = h.estate.services.web?.tasks ?? [];
    const { f, card } = await cardFor('Discovery:Runtime/SuspiciousCommand', web[0] as EcsTask);
    // Not an approver: refused, told why, nothing opened.
    await h.client.click({
      userId: PEOPLE.outsider,
      channelId: PEOPLE.alerts,
      ts: card.ts,
      action: 'Suppress similar',
    });
    await waitFor(
      () =>
        h.slack
          .ephemerals({ user: PEOPLE.outsider })
          .some((e) => /Suppress similar refused/.test(e.text ?? '')),
      {
        what: 'refusal',
      },
    );
    expect(h.slack.views()).toHaveLength(0);

    // Missing reason: Slack shows the error under the field; nothing is created.
    const before = h.slack.views().length;
    await h.client.click({
      userId: PEOPLE.approver,
      channelId: PEOPLE.alerts,
      ts: card.ts,
      action: 'Suppress similar',
    });
    const view = await waitFor(() => h.slack.views()[before], { what: 'the suppress modal' });
    const shown = collectTexts((view.view.blocks as unknown[]) ?? []).join('\n');
    expect(shown).toContain(FIELD.type);
    expect(shown).toContain(FIELD.cluster);
    expect(shown).toContain('prod-web');
    const bad = await h.client.submitView({
      userId: PEOPLE.approver,
      viewId: view.id,
      values: {
        'sup-scope': { scope: 'cluster' },
        'sup-expiry': { expiry: '7d' },
        'sup-reason': { reason: '' },
      },
    });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: { 'sup-reason': expect.any(String) },
    });
    expect(h.aws.calls({ operation: 'CreateFilter' })).toHaveLength(0);

    const ok = await h.client.submitView({
      userId: PEOPLE.approver,
      viewId: view.id,
      values: {
        'sup-scope': { scope: 'cluster' },
        'sup-expiry': { expiry: '7d' },
        'sup-reason': { reason: 'nightly vulnerability scanner <@U0EVIL>' },
      },
    });
    expect(ok.status).toBe(200);
    await waitFor(() => h.aws.calls({ operation: 'CreateFilter' }).length === 1, { what: 'CreateFilter' });
    const [filter] = [...filters().values()];
    expect(filter?.action).toBe('ARCHIVE');
    expect(filter?.name).toMatch(/^ecs-guard-/);
    expect(filter?.findingCriteria.criterion).toEqual({
      [FIELD.type]: { equals: [f.type] },
      [FIELD.account]: { equals: [f.accountId] },
      [FIELD.cluster]: { equals: ['prod-web'] },
    });
    expect(filter?.description).toContain('approved by alice');
    expect(filter?.description).toContain('nightly vulnerability scanner');
    const after = await waitFor(
      () => {
        const m = h.slack.message(PEOPLE.alerts, card.ts);
        return m && textOf(m).includes('Suppressed by') ? m : undefined;
      },
      { what: 'card says suppressed' },
    );
    expect(textOf(after)).toMatch(/until \d{4}-\d{2}-\d{2}T/);
    expect(textOf(after)).not.toContain('<@U0EVIL>');

    // A new matching finding posts nothing: GuardDuty (the emulator) archives it on arrival.
    const next = addFindingFor(h.aws.state, { type: f.type, task: web[1] as EcsTask, severity: 5 });
    expect(next.service.archived).toBe(true);
    await h.guard.ctx.poller.poll(REGION);
    // Another type on the same cluster still posts: the suppression is only as wide as shown.
    await cardFor('Execution:Runtime/ReverseShell', web[1] as EcsTask);
    expect(h.slack.messages(PEOPLE.alerts).some((m) => JSON.stringify(m.blocks).includes(next.id))).toBe(
      false,
    );
  });

  it('/ecs-guard suppressions lists it; Remove deletes the filter at once', async () => {
    const before = h.slack.ephemerals({ user: PEOPLE.approver }).length;
    await h.client.slashCommand({ userId: PEOPLE.approver, channelId: PEOPLE.alerts, text: 'suppressions' });
    const list = await waitFor(
      () =>
        h.slack
          .ephemerals({ user: PEOPLE.approver })
          .slice(before)
          .find((e) => /active suppression/.test(e.text ?? '')),
      {
        what: 'suppressions list',
        timeoutMs: 15_000,
      },
    );
    expect(textOf(list)).toContain('nightly vulnerability scanner');
    expect(JSON.stringify(list.blocks)).toContain('"Remove"');
    await h.client.click({
      userId: PEOPLE.approver,
      channelId: PEOPLE.alerts,
      ts: list.ts,
      action: 'Remove',
    });
    await waitFor(() => h.aws.calls({ operation: 'DeleteFilter' }).length === 1, { what: 'DeleteFilter' });
    await waitFor(() => filters().size === 0, { what: 'filter gone' });
    await waitFor(async () => (await activeSuppressions(h.guard.ctx)).length === 0, { what: 'list empty' });
    const audit = await waitFor(
      async () => {
        const list = await h.guard.ctx.audit.list({ limit: 200 });
        return list.some((r) => r.action === 'suppress' && r.event === 'restored') ? list : undefined;
      },
      { what: 'restored audit record' },
    ).catch(async () => h.guard.ctx.audit.list({ limit: 200 }));
    expect(audit.filter((r) => r.action === 'suppress').map((r) => r.event)).toContain('restored');
  });

  it('an expired suppression: the sweeper deletes its filter', async () => {
    const api = h.estate.services.api?.tasks ?? [];
    const { card } = await cardFor('Execution:Runtime/NewLibraryLoaded', api[0] as EcsTask);
    await suppressVia(card, { scope: 'image', expiry: '1d', reason: 'known plugin loader' });
    await waitFor(() => filters().size === 1, { what: 'second filter' });
    const [f] = [...filters().values()];
    expect(Object.keys(f?.findingCriteria.criterion ?? {})).toContain(FIELD.image);
    await waitFor(() => textOf(h.slack.message(PEOPLE.alerts, card.ts) ?? {}).includes('Suppressed by'), {
      what: 'second suppression done',
    });
    expect(await sweepSuppressions(h.guard.ctx, Date.now() + 3600_000)).toBe(0);
    expect(await sweepSuppressions(h.guard.ctx, Date.now() + 2 * 86_400_000)).toBe(1);
    // Once only, however often the sweeper runs (and on however many replicas).
    expect(await sweepSuppressions(h.guard.ctx, Date.now() + 2 * 86_400_000)).toBe(0);
    await waitFor(() => filters().size === 0, { what: 'expired filter deleted' });
  });
});
