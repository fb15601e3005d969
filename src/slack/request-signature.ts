/**
 * Slack request signing, v0 (docs.slack.dev/authentication/verifying-requests-from-slack),
 * checked the way Bolt's `verifySlackRequest` does it plus what Bolt leaves out: a timestamp more
 * than 5 minutes in the *future* is refused too. Pure: headers, raw body and an injected clock in;
 * a verdict out. What is done with a good signature (refusing a replay) is the HTTP guard's job.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from now, either way (Slack's documented 5 minutes). */
export const SLACK_REQUEST_WINDOW_S = 300;

export type SlackSignatureCheck =
  | { ok: true; timestamp: number; signature: string }
  | { ok: false; reason: string };

export interface SlackSignatureInput {
  signingSecret: string;
  /** `x-slack-request-timestamp` (unix seconds). */
  timestamp: string | undefined;
  /** `x-slack-signature` (`v0=<hex>`). */
  signature: string | undefined;
  rawBody: string;
  /** Epoch ms, from the caller's clock. */
  nowMs: number;
}

/**
 * The headers alone: present, and the timestamp within 5 minutes of now either way. Lets the
 * guard refuse before reading a body; `checkSlackSignature` runs it again.
 */
export function checkSlackHeaders(
  i: Pick<SlackSignatureInput, 'timestamp' | 'signature' | 'nowMs'>,
): { ok: true; timestamp: number } | { ok: false; reason: string } {
  if (!i.timestamp || !i.signature) return { ok: false, reason: 'missing signature headers' };
  if (!/^\d{1,12}$/.test(i.timestamp)) return { ok: false, reason: 'malformed timestamp' };
  const ts = Number(i.timestamp);
  const now = Math.floor(i.nowMs / 1000);
  if (ts < now - SLACK_REQUEST_WINDOW_S) return { ok: false, reason: 'timestamp more than 5 minutes old' };
  if (ts > now + SLACK_REQUEST_WINDOW_S)
    return { ok: false, reason: 'timestamp more than 5 minutes in the future' };
  return { ok: true, timestamp: ts };
}

export function checkSlackSignature(i: SlackSignatureInput): SlackSignatureCheck {
  if (!i.signingSecret) return { ok: false, reason: 'no signing secret configured' };
  const h = checkSlackHeaders(i);
  if (!h.ok) return h;
  const signature = i.signature ?? '';
  const m = /^v0=([0-9a-f]{64})$/.exec(signature);
  if (!m) return { ok: false, reason: 'malformed or unknown signature version' };
  const ours = createHmac('sha256', i.signingSecret).update(`v0:${i.timestamp}:${i.rawBody}`).digest();
  if (!timingSafeEqual(ours, Buffer.from(m[1] as string, 'hex')))
    return { ok: false, reason: 'signature mismatch' };
  return { ok: true, timestamp: h.timestamp, signature };
}

/** How long a signature must be remembered: until its timestamp falls out of the window (≥ 1 s). */
export function replayWindowMs(timestamp: number, nowMs: number): number {
  return Math.max(1000, (timestamp + SLACK_REQUEST_WINDOW_S) * 1000 - nowMs + 1000);
}
