import { describe, expect, it } from 'vitest';
import { blockKitViolations } from './block-kit.js';

// The assertion every card test leans on must be able to fail.
describe('blockKitViolations', () => {
  const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });
  it('passes a valid message and names each violation', () => {
    expect(blockKitViolations([header('ok')], 'fallback')).toEqual([]);
    expect(blockKitViolations([header('x'.repeat(151))]).join()).toMatch(/blocks\/0\/text/);
    expect(blockKitViolations([header('\uD83D')]).join()).toMatch(/lone surrogate/);
    const big = Array.from({ length: 5 }, (_, i) => ({
      type: 'section',
      block_id: `b${i}`,
      text: { type: 'mrkdwn', text: 'y'.repeat(2900) },
    }));
    expect(blockKitViolations(big).join()).toMatch(/msg_blocks_too_long/);
    expect(blockKitViolations([header('ok')], '').join()).toMatch(/fallback text must be set/);
  });
});
