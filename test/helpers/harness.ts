import { type AwsEmulator, type Estate, seedEstate, startAwsEmulator } from '../../sandbox/aws/index.js';
import { type BotProcess, startBotProcess as startBuiltBot } from '../../sandbox/bot-process.js';
import { emulatorEnv } from '../../sandbox/emulator-env.js';
import { type SlackEmulator, SlackTestClient, startSlackEmulator } from '../../sandbox/slack/index.js';
import { createEcsGuard, type EcsGuard, type EcsGuardOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { PEOPLE } from './people.js';
import { dropPrefix, type RedisMode, redisEnv, testPrefix, testRedis } from './redis.js';

export type { BotProcess } from '../../sandbox/bot-process.js';
export { freePort } from '../../sandbox/free-port.js';
export { PEOPLE } from './people.js';

export const INGEST_TOKEN = 'test-ingest-token-0123456789';

export interface Emulators {
  aws: AwsEmulator;
  slack: SlackEmulator;
  estate: Estate;
  prefix: string;
  /** Environment for the bot (in-process via loadConfig, or a child process). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the AWS and Slack emulators with a seeded estate and returns the bot's environment. */
export async function startEmulators(
  opts: { env?: Record<string, string>; region?: string; redis?: RedisMode } = {},
): Promise<Emulators> {
  const mode = opts.redis ?? 'standalone';
  const region = opts.region ?? 'us-east-1';
  const aws = await startAwsEmulator();
  const estate = seedEstate(aws.state, { regions: [region, 'eu-west-1'] });
  const slack = await startSlackEmulator({
    users: [
      { id: PEOPLE.requester, name: 'rita' },
      { id: PEOPLE.approver, name: 'alice' },
      { id: PEOPLE.groupApprover, name: 'gus' },
      { id: PEOPLE.outsider, name: 'oscar' },
    ],
    channels: [
      { id: PEOPLE.alerts, name: 'security-alerts' },
      { id: PEOPLE.prod, name: 'prod-security' },
    ],
    groups: [{ id: PEOPLE.approverGroup, handle: 'sec-approvers', users: [PEOPLE.groupApprover] }],
  });
  const prefix = testPrefix('h', mode);
  const env: Record<string, string> = {
    ...emulatorEnv({ slack, aws, estate }),
    SLACK_ALERT_CHANNEL: PEOPLE.alerts,
    ECS_GUARD_APPROVERS: `${PEOPLE.approver},${PEOPLE.approverGroup}`,
    ECS_GUARD_MIN_SEVERITY: 'low',
    ECS_GUARD_POLL_SECONDS: '0',
    ECS_GUARD_REGIONS: region,
    ECS_GUARD_INGEST_TOKEN: INGEST_TOKEN,
    ECS_GUARD_REDIS_PREFIX: prefix,
    ...redisEnv(mode),
    PORT: '0',
    LOG_LEVEL: 'silent',
    AWS_REGION: region,
    ...opts.env,
  };
  return {
    aws,
    slack,
    estate,
    prefix,
    env,
    async close() {
      await Promise.allSettled([aws.close(), slack.close()]);
      const r = testRedis(mode);
      await dropPrefix(r, prefix);
      await r.quit();
    },
  };
}

export interface Harness extends Emulators {
  guard: EcsGuard;
  port: number;
  baseUrl: string;
  client: SlackTestClient;
}

/** The bot in this process (fast, inspectable) against the emulators and real Redis. */
export async function startHarness(
  opts: { env?: Record<string, string>; region?: string; redis?: RedisMode; guard?: EcsGuardOptions } = {},
): Promise<Harness> {
  const emus = await startEmulators(opts);
  const config = loadConfig(emus.env);
  const guard = createEcsGuard(config, {
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    aws: { endpoint: emus.aws.url, credentials: emus.aws.credentials, maxAttempts: 3 },
    ...opts.guard,
  });
  const port = await guard.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  const client = new SlackTestClient({ eventsUrl: `${baseUrl}/slack/events`, emulator: emus.slack });
  return {
    ...emus,
    guard,
    port,
    baseUrl,
    client,
    async close() {
      await guard.stop();
      await emus.close();
    },
  };
}

/**
 * Runs the built bot (what `npm start` runs) as a child process and waits for /healthz. Its logs
 * are kept for `output()`: a LOG_LEVEL of `silent` (the in-process default) becomes `info`.
 */
export function startBotProcess(env: Record<string, string>, port = 0): Promise<BotProcess> {
  return startBuiltBot(
    { ...env, LOG_LEVEL: env.LOG_LEVEL === 'silent' ? 'info' : (env.LOG_LEVEL ?? 'info') },
    // Two cores shared by many processes: a cold start can take well over 20 s.
    { port, healthTimeoutMs: 60_000 },
  );
}
