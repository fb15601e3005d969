import { randomBytes } from 'node:crypto';
import type { AwsEmulator, Estate } from './aws/index.js';
import type { SlackEmulator } from './slack/index.js';

/**
 * The part of the bot's environment that points it at the emulators: the Slack emulator's token,
 * signing secret and API, the AWS emulator's endpoint and credentials, and the estate's member
 * role, and a fresh audit HMAC key. Policy (channels, approvers, regions, Redis prefix) is the caller's.
 */
export function emulatorEnv(p: {
  slack: SlackEmulator;
  aws: AwsEmulator;
  estate: Estate;
}): Record<string, string> {
  return {
    // A fresh audit/request HMAC key per run (the bot requires one in production).
    ECS_GUARD_AUDIT_HMAC_KEY: randomBytes(32).toString('hex'),
    SLACK_BOT_TOKEN: p.slack.botToken,
    SLACK_SIGNING_SECRET: p.slack.signingSecret,
    SLACK_API_URL: p.slack.apiUrl,
    ECS_GUARD_MEMBER_ROLE: `arn:aws:iam::{accountId}:role/${p.estate.roleName}`,
    ECS_GUARD_EXTERNAL_ID: p.estate.externalId,
    AWS_ACCESS_KEY_ID: p.aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: p.aws.credentials.secretAccessKey,
    AWS_ENDPOINT_URL: p.aws.url,
  };
}
