import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { slackSignature } from '../../sandbox/slack/signing.js';
import {
  checkSlackHeaders,
  checkSlackSignature,
  replayWindowMs,
  SLACK_REQUEST_WINDOW_S,
} from '../../src/slack/request-signature.js';

const secret = 'test-signing-secret';
const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
const now = Date.parse('2026-12-01T12:00:00Z');
const nowS = now / 1000;
const signed = (ts: number, b = body, s = secret) => ({
  signingSecret: secret,
  timestamp: String(ts),
  signature: slackSignature(s, ts, b),
  rawBody: b,
  nowMs: now,
});

describe('checkSlackSignature (pure, injected clock)', () => {
  it('accepts a request Slack signed within the window, either side of now', () => {
    for (const ts of [nowS, nowS - SLACK_REQUEST_WINDOW_S, nowS + SLACK_REQUEST_WINDOW_S, nowS + 60]) {
      const r = checkSlackSignature(signed(ts));
      expect(r, String(ts - nowS)).toMatchObject({ ok: true, timestamp: ts });
    }
  });

  it('refuses a timestamp more than 5 minutes in the future (Bolt accepts it)', () => {
    const future = signed(nowS + SLACK_REQUEST_WINDOW_S + 1);
    expect(checkSlackSignature(future)).toEqual({
      ok: false,
      reason: 'timestamp more than 5 minutes in the future',
    });
    // The gap this closes: Bolt's own check lets a far-future timestamp through.
    const farFuture = signed(nowS + 86_400);
    expect(() =>
      verifySlackRequest({
        signingSecret: secret,
        body: farFuture.rawBody,
        headers: {
          'x-slack-request-timestamp': Number(farFuture.timestamp),
          'x-slack-signature': farFuture.signature,
        },
        nowMilliseconds: now,
      }),
    ).not.toThrow();
    expect(checkSlackSignature(farFuture).ok).toBe(false);
  });

  it('refuses stale, unsigned, malformed and wrongly signed requests', () => {
    expect(checkSlackSignature(signed(nowS - SLACK_REQUEST_WINDOW_S - 1))).toMatchObject({
      ok: false,
      reason: 'timestamp more than 5 minutes old',
    });
    expect(checkSlackSignature({ ...signed(nowS), signature: undefined }).ok).toBe(false);
    expect(checkSlackSignature({ ...signed(nowS), timestamp: '12e9' }).ok).toBe(false);
    expect(checkSlackSignature({ ...signed(nowS), signature: 'v1=abc' })).toMatchObject({
      reason: 'malformed or unknown signature version',
    });
    expect(checkSlackSignature(signed(nowS, body, 'another-secret'))).toMatchObject({
      reason: 'signature mismatch',
    });
    expect(checkSlackSignature({ ...signed(nowS), rawBody: `${body}&x=1` })).toMatchObject({
      reason: 'signature mismatch',
    });
    expect(checkSlackSignature({ ...signed(nowS), signingSecret: '' }).ok).toBe(false);
    expect(checkSlackHeaders({ timestamp: String(nowS), signature: 'v0=00', nowMs: now }).ok).toBe(true);
  });

  it('remembers a signature until its timestamp leaves the window', () => {
    expect(replayWindowMs(nowS, now)).toBe((SLACK_REQUEST_WINDOW_S + 1) * 1000);
    expect(replayWindowMs(nowS + SLACK_REQUEST_WINDOW_S, now)).toBe((2 * SLACK_REQUEST_WINDOW_S + 1) * 1000);
    expect(replayWindowMs(nowS - SLACK_REQUEST_WINDOW_S, now)).toBe(1000);
  });
});
