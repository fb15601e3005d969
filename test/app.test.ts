import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackTestClient } from '../sandbox/slack/index.js';
import { createEcsGuard } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { type Emulators, PEOPLE, startEmulators } from './helpers/harness.js';
import { waitFor } from './helpers/wait.js';

// createEcsGuard's lifecycle in this process: start/stop, idempotent stop, stop without start,
// and a refused bot token that must not crash the process (it did: Bolt's constructor auth.test).
describe('createEcsGuard lifecycle', () => {
  let emus: Emulators;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    emus = await startEmulators();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await emus?.close();
  });

  const make = (env: Record<string, string> = {}) =>
    createEcsGuard(loadConfig({ ...emus.env, ...env }), {
      log: createLogger({ level: 'silent' }),
      aws: { endpoint: emus.aws.url, credentials: emus.aws.credentials, maxAttempts: 1 },
      shutdownTimeoutMs: 5_000,
    });

  it('starts on a free port, stops once however often asked, and frees the port', async () => {
    const guard = make();
    const port = await guard.start();
    expect(port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const a = guard.stop();
    const b = guard.stop();
    expect(a).toBe(b);
    await a;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    await waitFor(() => guard.ctx.redis.status === 'end', { what: 'Redis connection closed' });
  });

  it('stop() without start() resolves (main.ts calls it after a failed start)', async () => {
    const guard = make();
    await expect(guard.stop()).resolves.toBeUndefined();
  });

  it('a refused bot token does not crash the process; /readyz names slack and no listener runs', async () => {
    const guard = make({ SLACK_BOT_TOKEN: 'xoxb-refused-token-for-app-test' });
    const port = await guard.start();
    const base = `http://127.0.0.1:${port}`;
    try {
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { failing: string[] }).failing).toEqual(['slack']);
      const client = new SlackTestClient({ eventsUrl: `${base}/slack/events`, emulator: emus.slack });
      const help = { userId: PEOPLE.requester, channelId: PEOPLE.alerts, text: 'help' };
      await client.slashCommand(help);
      // Bolt runs no listener without an authorization: no help reply, and no crash.
      expect(emus.slack.ephemerals({ user: PEOPLE.requester })).toEqual([]);
      // A failed authorization is not cached: the next request asks Slack again.
      const before = emus.slack.calls('auth.test').length;
      await client.slashCommand(help);
      expect(emus.slack.calls('auth.test').length).toBeGreaterThan(before);
      expect(unhandled).toEqual([]);
    } finally {
      await guard.stop();
    }
  });
});
