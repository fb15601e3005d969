import { describe, expect, it } from 'vitest';
import { buildSuppressionList } from '../../commands/blocks/suppressions.js';
import { checkView } from '../../sandbox/slack/message-rules.js';
import { normaliseFinding } from '../../src/findings/normalise.js';
import { buildSuppressModal, readSuppressSubmission } from '../../src/slack/blocks/suppress-modal.js';
import {
  FIELD,
  filterDescription,
  filterNameFor,
  sanitiseDescription,
  scopeOptions,
} from '../../src/suppressions/criteria.js';
import { fixture, WIRE } from '../findings/fixtures.js';
import { assertWithinBlockKitLimits, collectTexts } from '../helpers/block-kit.js';
import { EVIL, hostileFinding } from '../slack/blocks/hostile.js';

const finding = () => normaliseFinding(fixture(WIRE));

describe('Suppress similar: criteria', () => {
  it('type + account + cluster, optionally + image or + process executable', () => {
    const f = finding();
    const opts = scopeOptions(f);
    expect(opts.map((o) => o.scope)).toEqual(['cluster', 'image', 'process']);
    expect(opts[0]?.criterion).toEqual({
      [FIELD.type]: { Equals: [f.type] },
      [FIELD.account]: { Equals: [f.accountId] },
      [FIELD.cluster]: { Equals: [f.clusterName] },
    });
    expect(opts[1]?.criterion[FIELD.image]).toEqual({ Equals: [f.container?.image] });
    expect(opts[2]?.criterion[FIELD.executable]).toEqual({ Equals: [f.process?.executablePath] });
  });

  it('no cluster, no suppression; values too long for GuardDuty are not offered', () => {
    expect(scopeOptions({ ...finding(), clusterName: undefined })).toEqual([]);
    const long = scopeOptions({ ...finding(), container: { image: 'x'.repeat(600) } });
    expect(long.map((o) => o.scope)).not.toContain('image');
  });

  it('filter names and descriptions stay within what GuardDuty accepts', () => {
    expect(filterNameFor('r0123456789abcdef')).toMatch(/^ecs-guard-[A-Za-z0-9_.-]{1,54}$/);
    expect(filterNameFor('x'.repeat(200)).length).toBeLessThanOrEqual(64);
    const d = filterDescription({
      approver: 'alice <@U1>',
      requester: 'rita',
      reason: `${EVIL} scanner runs nightly; see ticket #42 & "ops"`.repeat(20),
      expiresAt: Date.parse('2026-12-08T00:00:00Z'),
    });
    expect(d.length).toBeLessThanOrEqual(512);
    expect(d).toMatch(/^[A-Za-z0-9\s\-.:_(){}[\]/]*$/);
    expect(d).toContain('approved by alice');
    expect(d).toContain('2026-12-08T00:00:00.000Z');
    expect(sanitiseDescription('a<b>c&d')).toBe('a b c d');
  });
});

describe('Suppress similar: the modal', () => {
  it("shows each scope's criteria before confirming and is a view Slack accepts", () => {
    const f = finding();
    const view = buildSuppressModal(f, scopeOptions(f), {
      cardId: 'c'.padEnd(25, '0'),
      approvalNote: 'Approvers only.',
    });
    expect(checkView(view)).toBeNull();
    const t = collectTexts(view.blocks).join('\n');
    expect(t).toContain(FIELD.cluster);
    expect(t).toContain(String(f.clusterName));
    expect(t).toContain(FIELD.executable);
  });

  it('a hostile finding stays escaped and valid', () => {
    const f = hostileFinding();
    const view = buildSuppressModal(f, scopeOptions(f), { cardId: 'c'.padEnd(25, '0'), approvalNote: EVIL });
    expect(checkView(view)).toBeNull();
    expect(collectTexts(view.blocks).join('\n')).not.toMatch(/<!channel>|<@U0EVIL>/);
  });

  it('reads the submitted values', () => {
    expect(
      readSuppressSubmission({
        'sup-scope': { scope: { type: 'radio_buttons', selected_option: { value: 'image' } } },
        'sup-expiry': { expiry: { type: 'static_select', selected_option: { value: '7d' } } },
        'sup-reason': { reason: { type: 'plain_text_input', value: 'nightly scanner' } },
      }),
    ).toEqual({ scope: 'image', expiry: '7d', reason: 'nightly scanner' });
    expect(readSuppressSubmission({})).toEqual({});
  });
});

describe('/ecs-guard suppressions answer', () => {
  it('lists each with Remove, within Block Kit limits', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const list = Array.from({ length: 30 }, (_, i) => ({
      id: `r${String(i).padStart(8, '0')}`,
      filterName: `ecs-guard-r${i}`,
      accountId: '111122223333',
      region: 'us-east-1',
      cluster: 'prod-web',
      findingType: 'Execution:Runtime/NewBinaryExecuted',
      scope: 'cluster' as const,
      summary: `${EVIL} summary`,
      criterion: {},
      reason: EVIL.repeat(10),
      requesterId: 'UREQ',
      approverId: 'UAPP',
      createdAt: now,
      expiresAt: now + i * 1000,
    }));
    const r = buildSuppressionList(list, now);
    assertWithinBlockKitLimits(r.blocks ?? [], r.text);
    const removes = JSON.stringify(r.blocks).match(/"Remove"/g)?.length ?? 0;
    expect(removes).toBeGreaterThanOrEqual(5);
    expect(collectTexts(r.blocks ?? []).join('\n')).toContain(`…and ${30 - removes / 2} more`);
    expect(buildSuppressionList([], now).text).toContain('No active suppressions');
  });
});
