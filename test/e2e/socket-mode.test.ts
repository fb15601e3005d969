import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFinding } from '../../sandbox/aws/index.js';
import {
  type BotProcess,
  type Emulators,
  PEOPLE,
  startBotProcess,
  startEmulators,
} from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';
import { blockActionsPayload, cardRecorded, cardsMentioning, pushFindings } from './flows.js';
import { type SocketModeServer, startSocketModeServer } from './socket-mode-server.js';

// The built bot with SLACK_APP_TOKEN: it asks apps.connections.open for a WebSocket URL (with the
// app token), connects, and runs the same command and button handlers over the socket, acking each
// envelope. Health, metrics and the EventBridge endpoint still listen on PORT. Needs `npx tsc` first.
const APP_TOKEN = 'xapp-1-A0ECSGUARD-1234-socketmodetestsecret';

describe('Socket Mode (built process)', () => {
  let emus: Emulators;
  let sm: SocketModeServer;
  let bot: BotProcess;

  beforeAll(async () => {
    emus = await startEmulators();
    sm = await startSocketModeServer({ slackApiUrl: emus.slack.apiUrl, appToken: APP_TOKEN });
    const { SLACK_SIGNING_SECRET: _unused, ...env } = emus.env;
    bot = await startBotProcess({ ...env, SLACK_API_URL: sm.apiUrl, SLACK_APP_TOKEN: APP_TOKEN });
  }, 30_000);

  afterAll(async () => {
    await bot?.stop('SIGKILL');
    await sm?.close();
    await emus?.close();
  });

  it('opens the connection with the app token and keeps health, metrics and ingest on PORT', async () => {
    expect(sm.openCalls).toEqual([`Bearer ${APP_TOKEN}`]);
    await waitFor(() => sm.connections() === 1, { what: 'one socket connection' });
    expect(bot.output()).toMatch(/"mode":"socket"/);
    expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${bot.baseUrl}/readyz`);
    expect(ready.status, await ready.clone().text()).toBe(200);
    expect((await fetch(`${bot.baseUrl}/metrics`)).status).toBe(200);
    // No HTTP receiver in Socket Mode: Slack requests over HTTP are not served.
    expect((await fetch(`${bot.baseUrl}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('acks a slash command envelope with the usage error in the ack payload', async () => {
    sm.send({
      envelope_id: 'env-cmd-1',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        token: 'legacy',
        team_id: 'T0ECSGUARD',
        channel_id: PEOPLE.alerts,
        channel_name: 'security-alerts',
        user_id: PEOPLE.requester,
        user_name: 'rita',
        command: '/ecs-guard',
        text: 'frobnicate',
        api_app_id: 'A0ECSGUARD',
        response_url: emus.slack.createResponseUrl({ channel: PEOPLE.alerts, user: PEOPLE.requester }),
        trigger_id: emus.slack.createTriggerId(PEOPLE.requester),
      },
    });
    const ack = await waitFor(() => sm.received.find((m) => m.envelope_id === 'env-cmd-1'), {
      what: 'ack of env-cmd-1',
    });
    expect(JSON.stringify(ack.payload)).toContain('unknown subcommand');
  });

  it('runs /ecs-guard help over the socket and answers through the response_url', async () => {
    const responseUrl = emus.slack.createResponseUrl({ channel: PEOPLE.alerts, user: PEOPLE.requester });
    sm.send({
      envelope_id: 'env-cmd-2',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        team_id: 'T0ECSGUARD',
        channel_id: PEOPLE.alerts,
        user_id: PEOPLE.requester,
        command: '/ecs-guard',
        text: 'help',
        api_app_id: 'A0ECSGUARD',
        response_url: responseUrl,
        trigger_id: emus.slack.createTriggerId(PEOPLE.requester),
      },
    });
    await waitFor(() => sm.received.some((m) => m.envelope_id === 'env-cmd-2'), { what: 'ack of env-cmd-2' });
    const help = await waitFor(
      () => emus.slack.ephemerals({ user: PEOPLE.requester }).find((e) => /ecs-guard/.test(e.text ?? '')),
      { what: 'help reply via response_url' },
    );
    expect(help.channel).toBe(PEOPLE.alerts);
  });

  it('a card pushed on PORT gets an ECS context click over the socket: acked, answered in the thread', async () => {
    const task = emus.estate.services.web?.tasks[0];
    if (!task) throw new Error('no web task');
    const f = emus.aws.state.addFinding(
      makeFinding({ type: 'Execution:Runtime/ReverseShell', task, severity: 8 }),
    );
    expect((await pushFindings(bot.baseUrl, [f])).status).toBe(202);
    const card = await waitFor(() => cardsMentioning(emus.slack, PEOPLE.alerts, f.id)[0], { what: 'card' });
    await cardRecorded(() => bot.output(), card.ts);
    sm.send({
      envelope_id: 'env-click-1',
      type: 'interactive',
      accepts_response_payload: false,
      payload: blockActionsPayload(emus.slack, {
        channel: PEOPLE.alerts,
        ts: card.ts,
        user: PEOPLE.outsider,
        actionId: 'ecs_context',
      }),
    });
    await waitFor(() => sm.received.some((m) => m.envelope_id === 'env-click-1'), {
      what: 'ack of the click',
    });
    const reply = await waitFor(
      // The card's thread also holds its Details reply; the click's answer is the ECS context one.
      () =>
        emus.slack
          .thread(PEOPLE.alerts, card.ts)
          .find((m) => m.ts !== card.ts && JSON.stringify(m.blocks ?? []).includes('ECS context')),
      { what: 'ECS context in the card thread' },
    ).catch((err: Error) => {
      // Say what the bot and Slack saw, so a failure here can be told apart from a slow run.
      const calls = emus.slack
        .calls()
        .slice(-8)
        .map((c) => `${c.method}:${c.ok ? 'ok' : c.error}`);
      throw new Error(`${err.message}\nslack calls: ${calls.join(', ')}\nbot: ${bot.output().slice(-2000)}`);
    });
    expect(reply.thread_ts).toBe(card.ts);
    expect(JSON.stringify(reply.blocks)).toContain('ECS context · task');
  });

  it('SIGTERM closes the socket and exits 0', async () => {
    const code = await bot.stop('SIGTERM');
    expect(code).toBe(0);
    await waitFor(() => sm.connections() === 0, { what: 'socket closed' });
    // The app token travelled in a header on every reconnect; it must never be logged.
    expect(bot.output()).not.toContain(APP_TOKEN);
    expect(bot.output()).not.toContain('socketmodetestsecret');
  });
});
