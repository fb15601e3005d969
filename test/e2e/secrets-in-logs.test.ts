import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  addFindingFor,
  type Estate,
  seedEstate,
  startAwsEmulator,
} from '../../sandbox/aws/index.js';
import { type SlackEmulator, SlackTestClient, startSlackEmulator } from '../../sandbox/slack/index.js';
import { type BotProcess, PEOPLE, startBotProcess } from '../helpers/harness.js';
import { dropPrefix, REDIS_URL, testPrefix, testRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';
import { buttonsOf, cardRecorded, cardsMentioning, pushFindings } from './flows.js';

// The built bot at LOG_LEVEL=trace, with distinctive secret values, driven through start-up, a
// rejected EventBridge call, polling, a member-account AssumeRole (ECS context and an approved
// Stop task), Slack failures and shutdown. No secret may appear anywhere in what it prints.
const SECRET = {
  botToken: 'xoxb-9000-9001-BOTTOKENsecretZq81',
  signingSecret: 'SIGNINGsecret-7c1e0f2b9d',
  ingestToken: 'INGESTtoken-5b3f6a7c8d9e0f1a',
  externalId: 'EXTERNALid-31d4a9c2e8',
  secretAccessKey: 'HOMEsecretACCESSkey/8Yf3kQ+2mXb7LpWzR1',
  auditKey: 'AUDIThmacKEY-4f9c2a7e1b3d5f7a9c0e2b4d6f8a1c3e',
};

describe('no secret in the logs (built process, LOG_LEVEL=trace)', () => {
  let aws: AwsEmulator;
  let slack: SlackEmulator;
  let estate: Estate;
  let bot: BotProcess;
  const prefix = testPrefix('logs');
  const sessions: { secretAccessKey: string; sessionToken?: string }[] = [];

  beforeAll(async () => {
    aws = await startAwsEmulator({
      accessKeyId: 'AKIALOGTEST000000001',
      secretAccessKey: SECRET.secretAccessKey,
    });
    estate = seedEstate(aws.state, { externalId: SECRET.externalId });
    // Remember every temporary credential the STS emulator hands out, to look for it later.
    const issue = aws.state.issueSession.bind(aws.state);
    aws.state.issueSession = (role, session) => {
      const p = issue(role, session);
      sessions.push({
        secretAccessKey: p.secretAccessKey,
        ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}),
      });
      return p;
    };
    slack = await startSlackEmulator({
      botToken: SECRET.botToken,
      signingSecret: SECRET.signingSecret,
      users: [
        { id: PEOPLE.requester, name: 'rita' },
        { id: PEOPLE.approver, name: 'alice' },
      ],
      channels: [{ id: PEOPLE.alerts, name: 'security-alerts' }],
    });
    bot = await startBotProcess({
      SLACK_BOT_TOKEN: SECRET.botToken,
      SLACK_SIGNING_SECRET: SECRET.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      SLACK_ALERT_CHANNEL: PEOPLE.alerts,
      ECS_GUARD_APPROVERS: PEOPLE.approver,
      ECS_GUARD_MIN_SEVERITY: 'low',
      ECS_GUARD_POLL_SECONDS: '1',
      ECS_GUARD_REGIONS: 'us-east-1',
      ECS_GUARD_MEMBER_ROLE: `arn:aws:iam::{accountId}:role/${estate.roleName}`,
      ECS_GUARD_EXTERNAL_ID: SECRET.externalId,
      ECS_GUARD_INGEST_TOKEN: SECRET.ingestToken,
      ECS_GUARD_AUDIT_HMAC_KEY: SECRET.auditKey,
      ECS_GUARD_REDIS_PREFIX: prefix,
      REDIS_URL,
      LOG_LEVEL: 'trace',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SECRET.secretAccessKey,
      AWS_ENDPOINT_URL: aws.url,
    });
  }, 30_000);

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await Promise.allSettled([aws?.close(), slack?.close()]);
    const r = testRedis();
    await dropPrefix(r, prefix);
    await r.quit();
  });

  it('drives the flows that touch every secret', async () => {
    const client = new SlackTestClient({ eventsUrl: `${bot.baseUrl}/slack/events`, emulator: slack });
    // EventBridge: a wrong bearer, a right bearer with bad JSON.
    expect((await pushFindings(bot.baseUrl, [], 'WRONGtoken-not-the-ingest-token')).status).toBe(401);
    const bad = await fetch(`${bot.baseUrl}/events/guardduty`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET.ingestToken}` },
      body: '{oops',
    });
    expect(bad.status).toBe(400);
    // Slack: a forged request (wrong secret) is refused.
    const forged = await client.slashCommand({
      userId: PEOPLE.requester,
      channelId: PEOPLE.alerts,
      text: 'help',
      secret: 'not-the-signing-secret',
    });
    expect(forged.status).toBe(401);

    // Poll: a finding in the member account becomes a card.
    const task = estate.services.payments?.tasks[0];
    if (!task) throw new Error('no member task');
    const f = addFindingFor(aws.state, { type: 'Execution:Runtime/ReverseShell', task, severity: 8 });
    const card = await waitFor(() => cardsMentioning(slack, PEOPLE.alerts, f.id)[0], {
      what: 'member-account card',
      timeoutMs: 15_000,
    });
    await cardRecorded(() => bot.output(), card.ts);

    // ECS context: AssumeRole into the member account with the external id.
    await client.click({
      userId: PEOPLE.requester,
      channelId: PEOPLE.alerts,
      ts: card.ts,
      action: 'ecs_context',
    });
    // The thread also holds the card's Details reply; wait for the ECS context one.
    await waitFor(
      () =>
        slack
          .thread(PEOPLE.alerts, card.ts)
          .some((m) => m.ts !== card.ts && JSON.stringify(m.blocks ?? []).includes('ECS context')),
      {
        what: 'ECS context reply',
      },
    );
    expect(aws.state.assumedRoles.some((s) => s.externalId === SECRET.externalId)).toBe(true);

    // Stop task: requested, approved, run in the member account with the assumed role.
    await client.click({
      userId: PEOPLE.requester,
      channelId: PEOPLE.alerts,
      ts: card.ts,
      action: 'stop_task',
    });
    await waitFor(
      () => buttonsOf(slack.message(PEOPLE.alerts, card.ts)?.blocks).some((b) => b.action_id === 'approve'),
      {
        what: 'Approve button on the card',
      },
    );
    await client.click({ userId: PEOPLE.approver, channelId: PEOPLE.alerts, ts: card.ts, action: 'approve' });
    await waitFor(() => aws.calls({ operation: 'StopTask', accountId: estate.memberAccountId }).length > 0, {
      what: 'StopTask in the member account',
      timeoutMs: 15_000,
    });

    // Slack rejecting the token for a while: the errors get logged, the token must not be.
    slack.faults.inject({ method: 'chat.postMessage', kind: 'invalid_auth', times: 2 });
    await pushFindings(bot.baseUrl, [
      addFindingFor(aws.state, { type: 'Execution:Runtime/NewBinaryExecuted', task, severity: 5 }),
    ]);
    await waitFor(() => slack.calls('chat.postMessage').some((c) => c.error === 'invalid_auth'), {
      what: 'an invalid_auth answer',
    });
    expect(sessions.length).toBeGreaterThan(0);
  });

  it('exits 0 on SIGTERM, and nothing it printed contains a secret', async () => {
    expect(await bot.stop('SIGTERM')).toBe(0);
    const out = bot.output();
    // The run was really logged (trace level, JSON lines), so an absence means something.
    const lines = out.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((l) => l.startsWith('{')).every((l) => JSON.parse(l).service === 'ecs-guard')).toBe(
      true,
    );
    expect(out).toContain('ecs-guard started');
    const secrets: [string, string][] = [
      ...Object.entries(SECRET),
      ...sessions.flatMap((s, i): [string, string][] => [
        [`session ${i} secret key`, s.secretAccessKey],
        ...(s.sessionToken ? ([[`session ${i} token`, s.sessionToken]] as [string, string][]) : []),
      ]),
    ];
    for (const [name, value] of secrets) {
      expect(out.includes(value), `${name} appears in the output`).toBe(false);
      // A long enough fragment (someone logging a prefix or a slice) counts too.
      expect(out.includes(value.slice(-12)), `the end of ${name} appears in the output`).toBe(false);
    }
  });
});
