import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/model.js';
import { normaliseFinding } from '../../../src/findings/normalise.js';
import type { CardState } from '../../../src/slack/blocks/card-state.js';
import {
  buildFindingCard,
  buildFindingDetails,
  CARD_BUDGET,
} from '../../../src/slack/blocks/finding-card.js';
import { fixture } from '../../findings/fixtures.js';
import { assertWithinBlockKitLimits, collectTexts } from '../../helpers/block-kit.js';
import { hostileFinding } from './hostile.js';

// The posted card is read in five seconds: every fixture's card stays within the documented
// budget (blocks and characters of text) and says nothing twice; the rest is in Details.
const opts = { consoleUrl: 'https://console.aws.amazon.com', now: Date.UTC(2025, 1, 3, 21, 0) };
const fresh: CardState = { cardId: 'c0123456789abcdef01234567' };
const pending: CardState = {
  ...fresh,
  pending: {
    requestId: 'r1',
    action: 'stop-task',
    requesterId: 'U0REQ',
    approverMentions: Array.from({ length: 30 }, (_, i) => `U0APP${i}`),
    expiresAt: opts.now + 60_000,
  },
};

const fixtureNames = readdirSync(new URL('../../findings/fixtures/', import.meta.url)).filter((n) =>
  n.endsWith('.json'),
);

/** Fixtures that are findings (the others, e.g. an EventBridge detail without an id, are skipped by name). */
const findings: [string, Finding][] = fixtureNames.flatMap((n) => {
  try {
    return [[n, normaliseFinding(fixture(n))] as [string, Finding]];
  } catch {
    return [];
  }
});

const textLength = (blocks: unknown[]) => collectTexts(blocks).reduce((n, t) => n + t.length, 0);

/** The card's sentences as a reader sees them: markup and link targets stripped, 4+ words each. */
function sentences(blocks: unknown[]): string[] {
  return collectTexts(blocks)
    .join('\n')
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<[^|>]*\|([^>]*)>/g, '$1')
    .replace(/[*_`~]/g, '')
    .split(/\n|(?<=[.!?])\s+| · /)
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.split(/\s+/).length >= 4);
}

describe('the posted card stays within its budget', () => {
  it('covers every fixture file that is a finding', () => {
    expect(findings.length).toBeGreaterThanOrEqual(8);
  });

  it.each(findings)('%s: ≤ CARD_BUDGET blocks and characters, no sentence twice', (_name, f) => {
    for (const state of [fresh, pending]) {
      const c = buildFindingCard(f, state, opts);
      assertWithinBlockKitLimits(c.blocks, c.text);
      expect(c.blocks.length).toBeLessThanOrEqual(CARD_BUDGET.blocks);
      expect(textLength(c.blocks)).toBeLessThanOrEqual(CARD_BUDGET.text);
      const said = sentences(c.blocks);
      expect(said.filter((s, i) => said.indexOf(s) !== i)).toEqual([]);
      // The posted message itself still names the type, cluster, task, container and image.
      const all = collectTexts(c.blocks).join('\n');
      for (const v of [f.type, f.clusterName, f.taskId, f.container?.name, f.container?.image]) {
        if (v) expect(all).toContain(v.slice(0, 30)); // the start (long ones are cut, URLs defanged)
      }
      // Details are not repeated on the card.
      if (f.description && f.description !== f.title) expect(all).not.toContain(f.description);
      for (const l of f.process?.lineage ?? [])
        if (l.name && l.name !== f.process?.name) expect(all).not.toContain(`\`${l.name}\``);
    }
  });

  it.each(findings)('%s: the Details reply is valid and does not repeat the card', (_name, f) => {
    const d = buildFindingDetails(f);
    assertWithinBlockKitLimits(d.blocks, d.text);
    const card = new Set(sentences(buildFindingCard(f, fresh, opts).blocks));
    expect(sentences(d.blocks).filter((s) => card.has(s))).toEqual([]);
    expect(JSON.stringify(d.blocks)).not.toContain(f.id);
  });

  it('a hostile, oversized finding too (every field at its maximum)', () => {
    const f = hostileFinding();
    const big = 'Ω'.repeat(5000);
    const maxed: Finding = {
      ...f,
      sample: true,
      title: big,
      clusterName: big,
      service: big,
      taskId: big,
      accountId: big,
      container: { name: big, image: big },
    };
    const everything: CardState = {
      ...pending,
      outcome: {
        requestId: 'r0',
        action: 'archive',
        at: opts.now,
        ok: false,
        retryable: true,
        message: big,
        requesterId: 'U0REQ',
        approverId: 'U0APP',
      },
      archived: { byId: 'U0APP', at: opts.now },
      expired: { requestId: 'r0', at: opts.now },
      updatedCount: 12,
    };
    const c = buildFindingCard(maxed, everything, {
      ...opts,
      blastRadius: big,
      incident: { title: big, url: 'https://slack.com/archives/C1/p1' },
    });
    assertWithinBlockKitLimits(c.blocks, c.text);
    expect(c.blocks.length).toBeLessThanOrEqual(CARD_BUDGET.blocks);
    expect(textLength(c.blocks)).toBeLessThanOrEqual(CARD_BUDGET.text);
    const d = buildFindingDetails(maxed);
    assertWithinBlockKitLimits(d.blocks, d.text);
  });
});
