/**
 * Slack request signing, v0 (docs.slack.dev/authentication/verifying-requests-from-slack):
 * `v0=` + hex(HMAC-SHA256(signingSecret, `v0:${timestamp}:${rawBody}`)).
 */
import { createHmac } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** The two headers Slack puts on every request to the app. */
export function signedHeaders(secret: string, rawBody: string, timestamp: number): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(secret, timestamp, rawBody),
  };
}
