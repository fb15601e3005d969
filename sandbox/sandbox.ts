/**
 * `npm run sandbox` in one function: the AWS emulator with a seeded estate and a trickle of
 * findings, the Slack emulator with three people, the production bot (`createEcsGuard`, the same
 * code as `npm start`) pointed at both, and the web page. Tests start it in-process too.
 */
import { randomBytes } from 'node:crypto';
import { createEcsGuard, type EcsGuard } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger, type Logger } from '../src/log.js';
import { createRedis } from '../src/redis.js';
import { type AwsEmulator, type Estate, startAwsEmulator, type WireFinding } from './aws/index.js';
import { emulatorEnv } from './emulator-env.js';
import { FindingTrickle, SANDBOX_REGIONS, seedSandboxEstate, type TrickleOptions } from './estate.js';
import { ensureRedis, type LocalRedis } from './local-redis.js';
import { dropPrefix } from './redis-keys.js';
import { type SlackEmulator, SlackTestClient, startSlackEmulator } from './slack/index.js';
import { type SandboxPerson, type SandboxWebServer, startSandboxWeb } from './web/server.js';

/** The people on the user switcher, and the bot's policy for them. */
export const SANDBOX_PEOPLE = {
  requester: {
    id: 'URITA0001',
    name: 'rita',
    role: 'requester',
    note: 'on-call engineer: may request actions',
  },
  approver: { id: 'UALICE001', name: 'alice', role: 'approver', note: 'security lead: may approve' },
  outsider: { id: 'UOSCAR001', name: 'oscar', role: 'outsider', note: 'in the channel, no rights' },
} satisfies Record<string, SandboxPerson>;

/** A second approver, reached through the approvers' user group. */
export const GROUP_APPROVER = { id: 'UGUS00001', name: 'gus' };
export const APPROVER_GROUP = { id: 'SSECAPPRV', handle: 'sec-approvers' };

export const SANDBOX_CHANNELS = {
  alerts: { id: 'CSECALERTS', name: 'security-alerts', topic: 'GuardDuty runtime findings (default route)' },
  payments: { id: 'CPAYMENTS1', name: 'payments-oncall', topic: 'Findings from the payments account' },
};

export interface SandboxOptions {
  /** Web page port (0 = free port). */
  port?: number;
  /** The bot's HTTP port (0 = free port). */
  botPort?: number;
  /** Default: REDIS_URL, else redis://127.0.0.1:6379; a private redis-server when nothing answers. */
  redisUrl?: string;
  /** Key prefix for this run (default: `sandbox-<random>`); its keys are deleted on close. */
  redisPrefix?: string;
  /** The bot's poll interval (default 5 s). */
  pollSeconds?: number;
  /** Findings added before the bot starts (default 4). */
  initialFindings?: number;
  /** false = no trickle (tests add findings themselves). */
  trickle?: Partial<TrickleOptions> | false;
  /** Log level of the bot (default warn: the page shows what it does). */
  logLevel?: string;
  /** Progress lines for the console. */
  say?: (line: string) => void;
}

export interface Sandbox {
  url: string;
  botUrl: string;
  redisUrl: string;
  redisPrefix: string;
  aws: AwsEmulator;
  slack: SlackEmulator;
  estate: Estate;
  guard: EcsGuard;
  trickle: FindingTrickle;
  client: SlackTestClient;
  close(): Promise<void>;
}

export const DEFAULT_TRICKLE: TrickleOptions = {
  intervalMs: [20_000, 40_000],
  burstEveryMs: 4 * 60_000,
  burstSize: 30,
  repeatChance: 0.2,
};

/** The bot's policy: the member account's findings go to their own channel. */
export function sandboxPolicy(memberAccountId: string): string {
  return [
    `accounts: ["${memberAccountId}"]`,
    'contextVisibility: thread',
    // The sandbox shows the whole Contain plan, revoke included (off by default: it touches IAM).
    'containment:',
    '  revokeSessions: true',
    'routes:',
    `  - channel: ${SANDBOX_CHANNELS.payments.id}`,
    `    accounts: ["${memberAccountId}"]`,
    '',
  ].join('\n');
}

/** The environment the bot gets: what a real deployment sets, pointed at the emulators. */
export function sandboxEnv(p: {
  slack: SlackEmulator;
  aws: AwsEmulator;
  estate: Estate;
  redisUrl: string;
  redisPrefix: string;
  pollSeconds: number;
  botPort: number;
  logLevel: string;
}): Record<string, string> {
  const { requester, approver } = SANDBOX_PEOPLE;
  return {
    ...emulatorEnv(p),
    SLACK_ALERT_CHANNEL: SANDBOX_CHANNELS.alerts.id,
    ECS_GUARD_APPROVERS: `${approver.id},${APPROVER_GROUP.id}`,
    ECS_GUARD_REQUESTERS: `${requester.id},${approver.id},${APPROVER_GROUP.id}`,
    ECS_GUARD_TWO_PERSON: 'true',
    ECS_GUARD_MIN_SEVERITY: 'low',
    ECS_GUARD_POLL_SECONDS: String(p.pollSeconds),
    ECS_GUARD_REGIONS: SANDBOX_REGIONS.join(','),
    AWS_REGION: SANDBOX_REGIONS[0],
    ECS_GUARD_INGEST_TOKEN: randomBytes(16).toString('hex'),
    ECS_GUARD_REDIS_PREFIX: p.redisPrefix,
    ECS_GUARD_CONFIG: 'sandbox-policy.yaml',
    REDIS_URL: p.redisUrl,
    PORT: String(p.botPort),
    LOG_LEVEL: p.logLevel,
  };
}

async function dropKeys(url: string, prefix: string): Promise<void> {
  const r = createRedis({ redisUrl: url }, { name: 'ecs-guard-sandbox-cleanup' });
  r.on('error', () => {});
  try {
    await dropPrefix(r, prefix);
  } finally {
    await r.quit().catch(() => r.disconnect());
  }
}

const where = (f: WireFinding) => {
  const cluster = f.resource.ecsClusterDetails as { name?: string } | undefined;
  return `${cluster?.name ?? 'a cluster'} (${f.accountId} ${f.region})`;
};

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const say = opts.say ?? (() => {});
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    cleanups.length = 0;
  };
  try {
    const redis: LocalRedis = await ensureRedis(
      opts.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    );
    cleanups.push(() => redis.close());
    if (redis.private) say(`started a private redis-server at ${redis.url} (removed on exit)`);
    const redisPrefix = opts.redisPrefix ?? `sandbox-${randomBytes(4).toString('hex')}`;
    cleanups.push(() => dropKeys(redis.url, redisPrefix));

    const aws = await startAwsEmulator();
    cleanups.push(() => aws.close());
    const estate = seedSandboxEstate(aws.state);

    const { requester, approver, outsider } = SANDBOX_PEOPLE;
    const slack = await startSlackEmulator({
      users: [requester, approver, outsider, GROUP_APPROVER].map((p) => ({ id: p.id, name: p.name })),
      channels: Object.values(SANDBOX_CHANNELS).map((c) => ({ id: c.id, name: c.name })),
      groups: [{ ...APPROVER_GROUP, users: [approver.id, GROUP_APPROVER.id] }],
    });
    cleanups.push(() => slack.close());

    const trickle = new FindingTrickle(aws.state, {
      ...DEFAULT_TRICKLE,
      ...(opts.trickle || {}),
      onFindings: (kind, fs) => {
        const first = fs[0];
        if (!first) return;
        say(
          kind === 'burst'
            ? `burst: ${fs.length} × ${first.type} on ${where(first)}`
            : `${kind === 'repeat' ? 'repeated' : 'new'} finding: ${first.type} on ${where(first)}`,
        );
      },
    });
    const initial = opts.initialFindings ?? 4;
    const seedTypes = [
      'Execution:Runtime/ReverseShell',
      'Impact:Runtime/CryptoMinerExecuted',
      'PrivilegeEscalation:Runtime/DockerSocketAccessed',
      'Execution:Runtime/NewBinaryExecuted',
    ];
    for (let i = 0; i < initial; i++) trickle.one(seedTypes[i % seedTypes.length]);

    const env = sandboxEnv({
      slack,
      aws,
      estate,
      redisUrl: redis.url,
      redisPrefix,
      pollSeconds: opts.pollSeconds ?? 5,
      botPort: opts.botPort ?? 0,
      logLevel: opts.logLevel ?? 'warn',
    });
    const policy = sandboxPolicy(estate.memberAccountId);
    // The policy file is in memory: loadConfig reads it through this function, not from disk.
    const readPolicy = (() => policy) as unknown as Parameters<typeof loadConfig>[1];
    const config = loadConfig(env, readPolicy);
    const log: Logger = createLogger({ level: env.LOG_LEVEL });
    const guard = createEcsGuard(config, {
      log,
      aws: { endpoint: aws.url, credentials: aws.credentials },
      shutdownTimeoutMs: 5_000,
    });
    cleanups.push(() => guard.stop());
    const botPort = await guard.start();
    const botUrl = `http://127.0.0.1:${botPort}`;
    const client = new SlackTestClient({ eventsUrl: `${botUrl}/slack/events`, emulator: slack });

    const web: SandboxWebServer = await startSandboxWeb({
      slack,
      aws,
      client,
      audit: guard.ctx.audit,
      people: Object.values(SANDBOX_PEOPLE),
      channels: Object.values(SANDBOX_CHANNELS),
      info: {
        bot: `ecs-guard ${guard.ctx.version} at ${botUrl}`,
        aws: `AWS emulator at ${aws.url}: accounts ${estate.homeAccountId} (admin) and ${estate.memberAccountId}, ${SANDBOX_REGIONS.join(' + ')}`,
        slack: `Slack emulator at ${slack.url}`,
        redis: `${redis.url} prefix ${redisPrefix}`,
        policy: `approvers: @alice and @${APPROVER_GROUP.handle}; requesters: @rita, @alice, @${APPROVER_GROUP.handle}; Stop task needs a second person`,
      },
      port: opts.port ?? 0,
      onError: (what, err) => log.warn({ err: (err as Error)?.message, what }, 'sandbox page request failed'),
    });
    cleanups.push(() => web.close());
    if (opts.trickle !== false) {
      trickle.start();
      cleanups.push(async () => trickle.stop());
    }

    let closing: Promise<void> | undefined;
    return {
      url: web.url,
      botUrl,
      redisUrl: redis.url,
      redisPrefix,
      aws,
      slack,
      estate,
      guard,
      trickle,
      client,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
