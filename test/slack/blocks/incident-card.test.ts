import { describe, expect, it } from 'vitest';
import { makeAttackSequence } from '../../../sandbox/aws/attack-sequence.js';
import { normaliseFinding } from '../../../src/findings/normalise.js';
import { buildIncidentCard } from '../../../src/slack/blocks/incident-card.js';
import { fixture, WIRE } from '../../findings/fixtures.js';
import { assertWithinBlockKitLimits, collectTexts } from '../../helpers/block-kit.js';
import { EVIL } from './hostile.js';

const opts = { consoleUrl: 'https://console.aws.amazon.com', now: Date.UTC(2025, 1, 3, 21, 0) };
const state = { cardId: 'c0123456789abcdef01234567' };
const runtime = fixture(WIRE) as never;

describe('buildIncidentCard', () => {
  it('normalises a sequence: signals citing findings, clusters, tactics, endpoints', () => {
    const f = normaliseFinding(makeAttackSequence({ cites: [runtime] }));
    expect(f.type).toBe('AttackSequence:ECS/CompromisedCluster');
    expect(f.severityLabel).toBe('Critical');
    expect(f.clusterName).toBe('prod-web');
    const seq = f.sequence!;
    expect(seq.signals[0]?.findingId).toBe((runtime as { id: string }).id);
    expect(seq.tactics).toContain('Execution');
    expect(seq.resources.map((r) => r.type)).toEqual(
      expect.arrayContaining(['ECS_CLUSTER', 'ECS_TASK', 'CONTAINER']),
    );
    const c = buildIncidentCard(f, state, { ...opts, cited: new Map() });
    assertWithinBlockKitLimits(c.blocks, c.text);
    const t = collectTexts(c.blocks).join('\n');
    expect(t).toContain('*Signals* (1');
    expect(t).toContain('MITRE ATT&CK tactics');
  });

  it('a hostile sequence (100 signals, 400 resources, 400 endpoints) stays escaped and within limits', () => {
    const raw = makeAttackSequence({ cites: [runtime], extraSignals: 99 }) as Record<string, any>;
    const seq = raw.service.detection.sequence;
    raw.title = EVIL.repeat(10);
    seq.description = EVIL.repeat(100);
    for (const s of seq.signals) s.name = `${EVIL} <https://evil.example|x>`;
    seq.resources = Array.from({ length: 400 }, (_, i) => ({
      uid: `arn:aws:ecs:us-east-1:111122223333:task/${EVIL}${i}/t${i}`,
      name: `${EVIL}${i}`,
      resourceType: i % 3 === 0 ? 'ECS_CLUSTER' : i % 3 === 1 ? 'ECS_TASK' : 'CONTAINER',
      tags: [{ key: 'aws:ecs:serviceName', value: `<!channel>${i}` }],
      data: { container: { image: `${EVIL}/img:${i}` } },
    }));
    seq.endpoints = Array.from({ length: 400 }, (_, i) => ({
      id: `e${i}`,
      domain: `${EVIL}.example`,
      ip: `<@U0EVIL>${i}`,
    }));
    seq.sequenceIndicators = [
      { key: 'ATTACK_TACTIC', values: Array.from({ length: 400 }, (_, i) => `${EVIL}${i}`), title: 't' },
    ];
    const f = normaliseFinding(raw);
    expect(f.sequence?.signals).toHaveLength(100);
    const cited = new Map(
      f.sequence!.signals.map((s, i) => [
        s.findingId ?? `x${i}`,
        `https://slack.com/archives/C0ALERTS/p17670000000${String(i).padStart(5, '0')}`,
      ]),
    );
    const c = buildIncidentCard(f, state, { ...opts, cited });
    assertWithinBlockKitLimits(c.blocks, c.text);
    const all = [...collectTexts(c.blocks), c.text]
      .join('\n')
      .replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '')
      .replace(/<https:\/\/(slack\.com\/archives|console\.aws\.amazon\.com)\/[^\s|<>]+\|[^<>]*>/g, '');
    expect(all.match(/<[^\n]{0,20}/g) ?? []).toEqual([]);
    expect(all).not.toMatch(/(?<!\u200D)@(here|channel|everyone)/);
    expect(all).toMatch(/…and \d+ more signals/);
    expect(all).not.toContain('\u202E');
  });
});
