import type { Button } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/model.js';
import { normaliseFinding } from '../../../src/findings/normalise.js';
import type { CardState } from '../../../src/slack/blocks/card-state.js';
import {
  buildFindingCard,
  buildFindingDetails,
  fitTotalText,
  type incidentContainedLine,
} from '../../../src/slack/blocks/finding-card.js';
import { fixture, SDK, sdkFixture, WIRE, WIRE_FIXTURES } from '../../findings/fixtures.js';
import { assertWithinBlockKitLimits, collectTexts } from '../../helpers/block-kit.js';
import { hostileFinding, untrustedSequences } from './hostile.js';

const opts = { consoleUrl: 'https://console.aws.amazon.com', now: Date.UTC(2025, 1, 3, 21, 0) };
const base = normaliseFinding(fixture(WIRE));
const fresh: CardState = { cardId: 'card_01' };

type Block = { type: string; block_id?: string; elements?: unknown[] };
const actionsOf = (blocks: unknown[]): Button[] =>
  ((blocks as Block[]).find((b) => b.type === 'actions')?.elements ?? []) as Button[];
const ids = (blocks: unknown[]) => actionsOf(blocks).map((b) => b.action_id);
const textOf = (blocks: unknown[]) => collectTexts(blocks).join('\n');

describe('buildFindingCard: content', () => {
  const card = buildFindingCard(base, fresh, opts);
  const text = textOf(card.blocks);

  it('shows what happened and where, in five seconds: header, one sentence, six fields, process, status', () => {
    expect(card.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    const header = (card.blocks[0] as { text: { text: string } }).text.text;
    expect(header).toBe(':large_yellow_circle: MEDIUM · Execution:Runtime/NewBinaryExecuted');
    expect((card.blocks as Block[]).map((b) => b.block_id?.replace(/-\w+$/, ''))).toEqual([
      'header',
      'summary',
      'where',
      'process',
      'status',
      'meta',
      'actions',
    ]);
    for (const s of [
      'prod-web',
      'webserver',
      '36ad4ef947bb470b89010d864574237e',
      '`web`',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/webserver:1.4.2',
      '123456789012 / us-east-1',
      '*Process* `xmr` · pid 1337',
      '*Status* OPEN · seen 1×',
    ]) {
      expect(text).toContain(s);
    }
    // The title is the one sentence; the description, lineage and task details are in Details.
    expect(text).toContain(`*${base.title}*`);
    if (base.description !== base.title) expect(text).not.toContain(base.description);
    for (const s of ['FARGATE', 'webserver:5', '`sh` (1336) ← `node` (512)']) expect(text).not.toContain(s);
    expect(text).not.toContain('SAMPLE');
    expect(card.text).toContain('Execution:Runtime/NewBinaryExecuted');
    expect(card.text).toContain('prod-web/webserver');
  });

  it('the Details reply carries what the card leaves out', () => {
    const d = textOf(buildFindingDetails(base).blocks);
    for (const s of ['FARGATE', 'webserver:5', '`/tmp/xmr`', '`sh` (1336) ← `node` (512)', '*Count*\n1']) {
      expect(d).toContain(s);
    }
    if (base.description !== base.title) expect(d).toContain('*Description*');
  });

  it('shows the blast-radius line and the incident link when given', () => {
    const c = buildFindingCard(base, fresh, {
      ...opts,
      blastRadius: '*Blast radius* 4 other tasks run this image digest',
      incident: {
        title: 'Compromised cluster <!channel>',
        url: 'https://slack.com/archives/C1/p1700000000000100',
      },
    });
    const t = textOf(c.blocks);
    expect(t).toContain('*Blast radius* 4 other tasks run this image digest');
    expect(t).toContain(
      '<https://slack.com/archives/C1/p1700000000000100|part of incident Compromised cluster &lt;!channel&gt;>',
    );
    expect(t).not.toContain('Contained with');
  });

  it("says when the incident's Contain covered this task, was restored, or failed", () => {
    const line = (contained: Parameters<typeof incidentContainedLine>[0]) =>
      textOf(buildFindingCard(base, fresh, { ...opts, incident: { title: 'X', contained } }).blocks);
    const at = Date.UTC(2026, 11, 2, 4, 0, 0);
    const done = line({ ok: true, at, approverId: 'UALICE001' });
    expect(done).toContain("Contained with the incident's plan <!date^");
    expect(done).toContain('approved by <@UALICE001>');
    expect(done).toContain('Restore is on the incident card');
    expect(line({ ok: true, restore: true, at })).toContain("The incident's containment was restored");
    expect(line({ ok: false, at })).toContain("The incident's Contain failed");
  });

  it('links to the finding in GuardDuty and the task in ECS, built from validated ids', () => {
    expect(text).toContain(
      '<https://console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?search=id%3De6c8f0b5a1d24c3f9b7a0c1d2e3f4a5b|Open in GuardDuty>',
    );
    expect(text).toContain(
      '<https://console.aws.amazon.com/ecs/v2/clusters/prod-web/tasks/36ad4ef947bb470b89010d864574237e/configuration?region=us-east-1|Open task in ECS>',
    );
  });

  it('renders the same card from the SDK object', () => {
    expect(buildFindingCard(normaliseFinding(sdkFixture(SDK)), fresh, opts)).toEqual(card);
  });

  it('marks sample findings clearly', () => {
    const s = buildFindingCard({ ...base, sample: true }, fresh, opts);
    expect(textOf(s.blocks)).toContain('SAMPLE FINDING');
    expect((s.blocks[0] as { text: { text: string } }).text.text).toContain('SAMPLE · MEDIUM');
    expect(s.text).toContain('[SAMPLE]');
  });

  it.each(WIRE_FIXTURES)('renders a valid card for %s', (name) => {
    const c = buildFindingCard(normaliseFinding(fixture(name)), fresh, opts);
    assertWithinBlockKitLimits(c.blocks, c.text);
    expect(c.text.length).toBeGreaterThan(0);
  });

  it('renders a minimal finding', () => {
    const f = normaliseFinding(
      { id: 'a1', type: 'T', accountId: '111111111111', region: 'us-east-1' },
      { now: 0 },
    );
    const c = buildFindingCard(f, fresh, opts);
    assertWithinBlockKitLimits(c.blocks, c.text);
    // No task: no ECS link; the GuardDuty link still works.
    expect(textOf(c.blocks)).not.toContain('Open task in ECS');
    expect(textOf(c.blocks)).toContain('Open in GuardDuty');
  });
});

describe('buildFindingCard: hostile finding text', () => {
  const f = hostileFinding();
  const states: CardState[] = [
    fresh,
    {
      cardId: 'card_01',
      pending: {
        requestId: 'req_1',
        action: 'stop-task',
        requesterId: 'U0REQ',
        approverMentions: ['U0APP', 'S0GRP'],
        expiresAt: opts.now + 30 * 60_000,
      },
    },
    {
      cardId: 'card_01',
      outcome: {
        requestId: 'req_1',
        action: 'stop-task',
        requesterId: 'U0REQ',
        approverId: 'U0APP',
        at: opts.now,
        ok: false,
        retryable: true,
        message: `AccessDenied <!channel> ${'x'.repeat(5000)}`,
      },
    },
    { cardId: 'card_01', archived: { byId: 'U0APP', at: opts.now }, updatedCount: 99 },
  ];

  it.each(states.map((s, i) => [i, s] as const))(
    'state %i stays within every Block Kit limit',
    (_i, state) => {
      const c = buildFindingCard(f, state, opts);
      assertWithinBlockKitLimits(c.blocks, c.text);
    },
  );

  it.each(states.map((s, i) => [i, s] as const))(
    'state %i lets no <! <@ <http sequence through from finding text',
    (_i, state) => {
      const c = buildFindingCard(f, state, opts);
      expect(untrustedSequences(c.blocks, c.text, ['U0REQ', 'U0APP', 'S0GRP'])).toEqual([]);
      const all = textOf(c.blocks) + c.text;
      expect(all).not.toMatch(/@(here|channel|everyone)/i);
      expect(all).not.toContain('<@U0EVIL>');
      expect(all).not.toContain('https://evil');
      // Bidi overrides are shown, not applied.
      expect(all).not.toContain('\u202E');
    },
  );

  it('truncates the 10,000-character command line (one line on the card, a block in Details) and lists 500 domains as "and N more"', () => {
    const c = buildFindingCard(f, fresh, opts);
    const sec = (blocks: unknown[], id: string) =>
      (blocks as { block_id?: string; text?: { text: string } }[]).find((b) => b.block_id === id)?.text?.text;
    expect(sec(c.blocks, 'process')).toMatch(/\*Command\* `[^`\n]*\[truncated \d+ chars\]`/);
    const d = buildFindingDetails(f);
    assertWithinBlockKitLimits(d.blocks, d.text);
    expect(untrustedSequences(d.blocks, d.text)).toEqual([]);
    expect(sec(d.blocks, 'd-process')).toMatch(/```[^`]*\[truncated \d+ chars\][^`]*```/);
    expect(sec(d.blocks, 'd-runtime')).toMatch(/and \d+ more/);
  });

  it('keeps the total text under the msg_blocks_too_long budget with every field at its maximum', () => {
    const big = 'Ω'.repeat(5000);
    const maxed: Finding = {
      ...f,
      sample: true,
      clusterName: big,
      service: big,
      taskId: big,
      taskDefinition: big,
      launchType: big,
      resourceType: big,
      accountId: big,
      container: { name: big, image: big },
      process: {
        ...f.process,
        lineage: f.process?.lineage ?? [],
        name: big,
        user: big,
        workingDirectory: big,
      },
      runtime: {
        ...f.runtime,
        other: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${big}${i}`, big])),
      },
    };
    const everything: CardState = {
      ...(states[1] as CardState),
      outcome: { ...(states[2] as CardState).outcome!, message: big },
      archived: { byId: 'U0APP', at: opts.now },
      expired: { requestId: 'r0', at: opts.now },
      updatedCount: 12,
    };
    everything.pending!.approverMentions = Array.from({ length: 40 }, (_, i) => `U${i}ABCDEFGH`);
    const c = buildFindingCard({ ...maxed, description: big, title: big, startedBy: big }, everything, opts);
    assertWithinBlockKitLimits(c.blocks, c.text);
    const total = collectTexts(c.blocks).reduce((n, t) => n + t.length, 0);
    expect(total).toBeLessThanOrEqual(11_000);
    const d = buildFindingDetails({ ...maxed, description: big, title: big, startedBy: big });
    assertWithinBlockKitLimits(d.blocks, d.text);
    expect(collectTexts(d.blocks).reduce((n, t) => n + t.length, 0)).toBeLessThanOrEqual(11_000);
  });

  it('does not link hostile ids or cluster names', () => {
    const evilIds: Finding = { ...base, id: 'abc|<x>', clusterName: 'prod web|x' };
    const c = buildFindingCard(evilIds, fresh, opts);
    expect(textOf(c.blocks)).not.toContain('Open in GuardDuty');
    expect(textOf(c.blocks)).not.toContain('Open task in ECS');
    assertWithinBlockKitLimits(c.blocks, c.text);
  });
});

describe('buildFindingCard: a title cannot fake a status line', () => {
  it('renders the title and description on one line each, markup and invisibles neutralised', () => {
    const title = 'Crypto miner\n\n:white_check_mark: *Stop task succeeded* · approved by @alice\u200B';
    const card = buildFindingCard({ ...base, title, description: 'x\n~gone~ `ok`' }, fresh, opts);
    const summary = (card.blocks as { block_id?: string; text?: { text: string } }[]).find(
      (b) => b.block_id === 'summary',
    )?.text?.text as string;
    const [titleLine, ...rest] = summary.split('\n');
    expect(rest).toEqual([]); // the description is in the Details reply, on its own line there
    const details = (
      buildFindingDetails({ ...base, title, description: 'x\n~gone~ `ok`' }).blocks as {
        block_id?: string;
        text?: { text: string };
      }[]
    ).find((b) => b.block_id === 'd-description')?.text?.text as string;
    const [label, descLine, ...more] = details.split('\n');
    expect(label).toBe('*Description*');
    expect(more).toEqual([]);
    expect(titleLine).toMatch(/^\*Crypto miner .*Stop task succeeded.*\[U\+200B\]\*$/);
    // The only bold is ours (the wrapping asterisks); no emoji code, strike or code can form.
    expect(titleLine?.slice(1, -1)).not.toMatch(/[*_~`]|:white_check_mark:/);
    expect(descLine).not.toMatch(/[*_~`]/);
  });
});

describe('buildFindingCard: card states and buttons', () => {
  it('a fresh card has Stop task (danger, confirm), Archive (confirm), Suppress similar and ECS context, valued with the card id', () => {
    const c = buildFindingCard(base, fresh, opts);
    const [stop, archive, , suppress, ctx] = actionsOf(c.blocks);
    expect(suppress).toMatchObject({ text: { text: 'Suppress similar' }, value: 'card_01' });
    expect(ids(c.blocks)).toEqual(['stop_task', 'archive', 'contain', 'suppress_similar', 'ecs_context']);
    expect(stop).toMatchObject({ text: { text: 'Stop task' }, style: 'danger', value: 'card_01' });
    expect(stop?.confirm?.title?.text).toBeTruthy();
    expect(archive).toMatchObject({ text: { text: 'Archive' }, value: 'card_01' });
    expect(archive?.confirm).toBeDefined();
    expect(ctx).toMatchObject({ text: { text: 'ECS context' }, value: 'card_01' });
  });

  it('a pending request shows requester and approvers with Approve/Reject valued with the request id', () => {
    const c = buildFindingCard(
      base,
      {
        cardId: 'card_01',
        pending: {
          requestId: 'req_9',
          action: 'stop-task',
          requesterId: 'U0REQ',
          approverMentions: ['U0APP', 'S0GRP', '<!channel>'],
          expiresAt: opts.now + 30 * 60_000,
        },
      },
      opts,
    );
    const text = textOf(c.blocks);
    expect(text).toContain('Stop task requested* by <@U0REQ>');
    expect(text).toContain('*Approvers:* <@U0APP>, <!subteam^S0GRP>');
    expect(text).toContain('30 min left');
    // An invalid id in stored state renders inert, never as a mention.
    expect(text).not.toContain('<!channel>');
    expect(ids(c.blocks)).toEqual(['approve', 'reject', 'ecs_context']);
    const [approve, reject, ctx] = actionsOf(c.blocks);
    expect(approve).toMatchObject({ value: 'req_9', text: { text: 'Approve' } });
    expect(reject).toMatchObject({ value: 'req_9', text: { text: 'Reject' } });
    expect(approve?.confirm).toBeDefined();
    expect(reject?.confirm).toBeDefined();
    expect(ctx?.value).toBe('card_01');
    expect(c.text).toContain('approval pending');
  });

  it('an outcome shows who requested and approved, when and the result; no action buttons', () => {
    const c = buildFindingCard(
      base,
      {
        cardId: 'card_01',
        outcome: {
          requestId: 'req_9',
          action: 'stop-task',
          requesterId: 'U0REQ',
          approverId: 'U0APP',
          at: opts.now,
          ok: true,
          retryable: false,
          message: 'Task stopped <@U0EVIL>',
        },
      },
      opts,
    );
    const text = textOf(c.blocks);
    expect(text).toContain('Stop task succeeded');
    expect(text).toContain('requested by <@U0REQ>, approved by <@U0APP>');
    expect(text).toContain(`<!date^${Math.floor(opts.now / 1000)}^`);
    expect(text).toContain('Task stopped &lt;@U0EVIL&gt;');
    expect(ids(c.blocks)).toEqual(['ecs_context']);
  });

  it('a retryable failure shows Retry valued with the request id; a final failure does not', () => {
    const outcome = {
      requestId: 'req_9',
      action: 'archive' as const,
      requesterId: 'U0REQ',
      at: opts.now,
      ok: false,
      retryable: true,
      message: 'ThrottlingException',
    };
    const retry = buildFindingCard(base, { cardId: 'card_01', outcome }, opts);
    expect(ids(retry.blocks)).toEqual(['retry', 'ecs_context']);
    expect(actionsOf(retry.blocks)[0]?.value).toBe('req_9');
    expect(textOf(retry.blocks)).toContain('Archive failed (can be retried)');
    const final = buildFindingCard(
      base,
      { cardId: 'card_01', outcome: { ...outcome, retryable: false } },
      opts,
    );
    expect(ids(final.blocks)).toEqual(['ecs_context']);
  });

  it('archived: by a user, or in GuardDuty; no Stop/Archive buttons', () => {
    const byUser = buildFindingCard(
      base,
      { cardId: 'card_01', archived: { byId: 'U0APP', at: opts.now } },
      opts,
    );
    expect(textOf(byUser.blocks)).toContain('*Archived* by <@U0APP>');
    expect(ids(byUser.blocks)).toEqual(['ecs_context']);
    const inGd = buildFindingCard(base, { cardId: 'card_01', archived: { at: opts.now } }, opts);
    expect(textOf(inGd.blocks)).toContain('Archived in GuardDuty');
    expect(ids(inGd.blocks)).toEqual(['ecs_context']);
    const flagged = buildFindingCard({ ...base, archived: true }, fresh, opts);
    expect(textOf(flagged.blocks)).toContain('Archived in GuardDuty');
    expect(ids(flagged.blocks)).toEqual(['ecs_context']);
  });

  it('a running (approved, queued) action shows who approved and no action buttons', () => {
    const c = buildFindingCard(
      base,
      {
        cardId: 'card_01',
        running: {
          requestId: 'req_9',
          action: 'stop-task',
          requesterId: 'U0REQ',
          approverId: 'U0APP',
          at: opts.now,
        },
      },
      opts,
    );
    expect(textOf(c.blocks)).toContain('requested by <@U0REQ>, approved by <@U0APP>');
    expect(textOf(c.blocks)).toContain('running');
    expect(ids(c.blocks)).toEqual(['ecs_context']);
    expect(c.text).toContain('[running]');
  });

  it('an expired request shows a note and brings the normal buttons back', () => {
    const c = buildFindingCard(
      base,
      { cardId: 'card_01', expired: { requestId: 'req_9', at: opts.now } },
      opts,
    );
    expect(textOf(c.blocks)).toContain('Request expired');
    expect(ids(c.blocks)).toEqual(['stop_task', 'archive', 'contain', 'suppress_similar', 'ecs_context']);
  });

  it('the status line starts with the state as a word', () => {
    const word = (st: CardState, f: Finding = base) =>
      /\*Status\* ([A-Z ]+) ·/.exec(textOf(buildFindingCard(f, st, opts).blocks))?.[1];
    expect(word(fresh)).toBe('OPEN');
    expect(word({ ...fresh, archived: { at: 1 } })).toBe('ARCHIVED');
    expect(word(fresh, { ...base, archived: true })).toBe('ARCHIVED');
    expect(
      word({ ...fresh, running: { requestId: 'r', action: 'stop-task', approverId: 'U0APP', at: 1 } }),
    ).toBe('RUNNING');
    const outcome = { requestId: 'r', action: 'stop-task' as const, at: 1, message: '', retryable: false };
    expect(word({ ...fresh, outcome: { ...outcome, ok: true } })).toBe('DONE');
    expect(word({ ...fresh, outcome: { ...outcome, ok: false } })).toBe('FAILED');
  });

  it('shows the update count', () => {
    const c = buildFindingCard({ ...base, count: 7 }, { cardId: 'card_01', updatedCount: 3 }, opts);
    expect(textOf(c.blocks)).toContain('seen 7×');
    expect(textOf(c.blocks)).toContain('updated 3×');
  });

  it('uses a new actions block_id whenever the state changes', () => {
    const a = buildFindingCard(base, fresh, opts).blocks as Block[];
    const b = buildFindingCard(base, { ...fresh, expired: { requestId: 'r', at: 1 } }, opts)
      .blocks as Block[];
    const idA = a.find((x) => x.type === 'actions')?.block_id;
    const idB = b.find((x) => x.type === 'actions')?.block_id;
    expect(idA).toBeTruthy();
    expect(idA).not.toBe(idB);
  });
});

describe('fitTotalText', () => {
  it('cuts the runtime, then process, then summary sections until the total fits', () => {
    const sec = (id: string, n: number) => ({
      type: 'section' as const,
      block_id: id,
      text: { type: 'mrkdwn' as const, text: 'x'.repeat(n), verbatim: true },
    });
    const blocks = fitTotalText([
      sec('summary', 3000),
      sec('where', 3000),
      sec('process', 3000),
      sec('runtime', 3000),
    ]);
    const total = blocks.reduce((n, b) => n + JSON.stringify(b).length, 0);
    expect(total).toBeLessThanOrEqual(11_000);
    const len = (id: string) =>
      (blocks.find((b) => b.block_id === id) as { text: { text: string } }).text.text.length;
    expect(len('where')).toBe(3000);
    expect(len('summary')).toBe(3000);
    expect(len('runtime')).toBeLessThan(3000);
    expect(len('process')).toBeLessThanOrEqual(3000);
    assertWithinBlockKitLimits(blocks);
  });
});
