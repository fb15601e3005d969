import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { METHOD_SCOPES, scanSlackUsage, slackMethodsIn } from './slack-usage.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// The sandbox is the Slack emulator (it serves the API); bench is not shipped.
const methods = scanSlackUsage(root, ['src', 'commands'], ['sandbox', 'bench']);

interface Manifest {
  display_information: { name: string };
  features: {
    bot_user?: { display_name: string };
    slash_commands?: { command: string; url?: string; description: string }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    interactivity?: { is_enabled: boolean; request_url?: string };
    event_subscriptions?: unknown;
    socket_mode_enabled?: boolean;
  };
}
const read = (f: string) => parse(readFileSync(`${root}${f}`, 'utf8'), { strict: true }) as Manifest;
const http = read('manifest.yml');
const socket = read('manifest.socket-mode.yml');

describe('slackMethodsIn (how the manifest test reads the code)', () => {
  it('finds client calls, apiCall and say(), not comments', () => {
    const src = `
      await client.chat.postEphemeral({ channel, user, text });
      await this.slack.usergroups.users.list({ usergroup });
      await web.apiCall('users.info', { user });
      await say('hi');
      // await client.conversations.info({ channel })
    `;
    expect([...slackMethodsIn(src)].sort()).toEqual([
      'chat.postEphemeral',
      'chat.postMessage',
      'usergroups.users.list',
      'users.info',
    ]);
  });
});

describe('Slack app manifests', () => {
  it('have a scope decision for every Slack method the code calls', () => {
    const unknown = [...methods.keys()].filter((m) => !(m in METHOD_SCOPES));
    expect(unknown, 'add these to METHOD_SCOPES in test/deploy/slack-usage.ts').toEqual([]);
  });

  it.each([
    ['manifest.yml', http],
    ['manifest.socket-mode.yml', socket],
  ])('%s asks for exactly the bot scopes the code needs', (_file, m) => {
    const needed = new Set(['commands', ...[...methods.keys()].flatMap((k) => METHOD_SCOPES[k] ?? [])]);
    const asked = m.oauth_config.scopes.bot;
    const missing = [...needed].filter((s) => !asked.includes(s));
    const extra = asked.filter((s) => !needed.has(s));
    const callers = (scope: string) =>
      [...methods]
        .filter(([k]) => METHOD_SCOPES[k]?.includes(scope))
        .map(([k, files]) => `${k} in ${[...files].join(', ')}`);
    expect(
      missing.map((s) => `${s} (${callers(s).join('; ')})`),
      'scopes the code needs',
    ).toEqual([]);
    expect(extra, 'scopes no code uses').toEqual([]);
    expect(new Set(asked).size).toBe(asked.length);
    expect(m.oauth_config.scopes.user).toBeUndefined();
  });

  it('register /ecs-guard and interactivity, with no event subscriptions', () => {
    for (const m of [http, socket]) {
      expect(m.features.slash_commands?.map((c) => c.command)).toEqual(['/ecs-guard']);
      expect(m.settings.interactivity?.is_enabled).toBe(true);
      expect(m.settings.event_subscriptions).toBeUndefined();
      expect(m.features.bot_user?.display_name).toBe('ecs-guard');
    }
  });

  it('HTTP mode sends commands and clicks to /slack/events', () => {
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(http.features.slash_commands?.[0]?.url).toBe('https://YOUR-HOST/slack/events');
    expect(http.settings.interactivity?.request_url).toBe('https://YOUR-HOST/slack/events');
  });

  it('Socket Mode has no request URLs', () => {
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.features.slash_commands?.[0]?.url).toBeUndefined();
    expect(socket.settings.interactivity?.request_url).toBeUndefined();
    expect(JSON.stringify(socket)).not.toContain('YOUR-HOST');
  });
});
