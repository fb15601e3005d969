import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BotProcess,
  type Emulators,
  freePort,
  startBotProcess,
  startEmulators,
} from '../helpers/harness.js';

interface Ready {
  status: string;
  failing?: string[];
  checks: Record<string, { ok: boolean; error?: string }>;
}

async function readyz(bot: BotProcess): Promise<{ status: number; body: Ready }> {
  const res = await fetch(`${bot.baseUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Ready };
}

// /readyz of the built process against real dependencies: ready with Redis and both emulators
// up; 503 naming `aws` when AWS cannot be reached, `slack` when the bot token is refused.
// /healthz stays 200 throughout (the process is up). Needs `npx tsc` first.
describe('/readyz end to end (built process)', () => {
  let emus: Emulators;
  const bots: BotProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const b = await startBotProcess(env);
    bots.push(b);
    return b;
  };

  beforeAll(async () => {
    emus = await startEmulators();
  });

  afterAll(async () => {
    await Promise.allSettled(bots.map((b) => b.stop('SIGKILL')));
    await emus?.close();
  });

  it('200 with Redis, Slack and AWS up', async () => {
    const bot = await start(emus.env);
    const { status, body } = await readyz(bot);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['aws', 'redis', 'slack']);
    // It really asked: auth.test on Slack, GetCallerIdentity on STS.
    expect(emus.slack.calls('auth.test').length).toBeGreaterThan(0);
    expect(emus.aws.calls({ operation: 'GetCallerIdentity' }).length).toBeGreaterThan(0);
  });

  it('503 naming aws when AWS cannot be reached, while /healthz stays 200', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const bot = await start({ ...emus.env, AWS_ENDPOINT_URL: dead });
    expect((await fetch(`${bot.baseUrl}/healthz`)).status).toBe(200);
    const { status, body } = await readyz(bot);
    expect(status).toBe(503);
    expect(body.failing).toEqual(['aws']);
    expect(body.checks.aws?.error).toMatch(/GetCallerIdentity|ECONNREFUSED|connect/i);
    expect(JSON.stringify(body)).not.toContain(emus.aws.credentials.secretAccessKey);
  });

  it('503 naming slack when the bot token is refused, without echoing it', async () => {
    const wrong = 'xoxb-0000-0000-WRONGtokenForReadyz';
    const bot = await start({ ...emus.env, SLACK_BOT_TOKEN: wrong });
    const { status, body } = await readyz(bot);
    expect(status).toBe(503);
    expect(body.failing).toEqual(['slack']);
    expect(body.checks.slack?.error).toMatch(/invalid_auth/);
    expect(JSON.stringify(body)).not.toContain('WRONGtokenForReadyz');
    expect(bot.output()).not.toContain('WRONGtokenForReadyz');
  });
});
