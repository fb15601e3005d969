import { describe, expect, it } from 'vitest';
import { packLines } from '../../../src/slack/blocks/pack-lines.js';

describe('packLines', () => {
  it('packLines never exceeds the block budget', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${i} ${'x'.repeat(500)}`);
    const p = packLines(lines, 'l', { maxBlocks: 5, maxText: 100_000 });
    expect(p.blocks.length).toBeLessThanOrEqual(6);
    expect(p.shown).toBeLessThan(1000);
  });
});
