import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  type AwsEmulator,
  addService,
  type Estate,
  type SeededService,
  seedEstate,
  startAwsEmulator,
} from '../sandbox/aws/index.js';
import { emulatorEnv } from '../sandbox/emulator-env.js';
import { AWS_LATENCY, parseLatency, SLACK_LATENCY } from '../sandbox/latency.js';
import { dropPrefix } from '../sandbox/redis-keys.js';
import { type SlackEmulator, startSlackEmulator } from '../sandbox/slack/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const REGION = 'us-east-1';

/**
 * Per-call latency of the emulators in the bench (on by default, unlike the tests): AWS 50–200 ms,
 * Slack 100–300 ms (sandbox/latency.ts); BENCH_AWS_LATENCY / BENCH_SLACK_LATENCY = MIN-MAX ms, or 0.
 */
export const BENCH_LATENCY = {
  aws: parseLatency(process.env.BENCH_AWS_LATENCY, AWS_LATENCY),
  slack: parseLatency(process.env.BENCH_SLACK_LATENCY, SLACK_LATENCY),
};

/** Slack people and channels of every bench run (same ids as the test harness). */
export const PEOPLE = {
  requester: 'UREQUESTER',
  approver: 'UAPPROVER1',
  outsider: 'UOUTSIDER1',
  alerts: 'CALERTS001',
  prod: 'CPRODSEC01',
};

export interface BenchEnv {
  aws: AwsEmulator;
  slack: SlackEmulator;
  estate: Estate;
  /** Every service the burst spreads findings over (several clusters, two accounts). */
  services: SeededService[];
  prefix: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface BenchEnvOptions {
  /** false turns the Slack emulator's per-channel pacing off (only where posting is not measured). */
  slackPacing?: boolean;
  /** Extra policy-file fields (YAML lines appended). */
  policyExtra?: string;
  env?: Record<string, string>;
}

/**
 * AWS and Slack emulators with an estate of several clusters in two accounts, a policy file that
 * routes to two channels, a unique Redis prefix (dropped on close) and the bot's environment.
 */
export async function startBenchEnv(opts: BenchEnvOptions = {}): Promise<BenchEnv> {
  const aws = await startAwsEmulator({ latency: BENCH_LATENCY.aws });
  const estate = seedEstate(aws.state, { regions: [REGION, 'eu-west-1'] });
  const member = estate.memberAccountId;
  const extra = [
    addService(aws.state, {
      accountId: member,
      region: REGION,
      cluster: 'checkout',
      service: 'cart',
      image: `${member}.dkr.ecr.${REGION}.amazonaws.com/cart:5.0.0`,
      taskCount: 4,
    }),
    addService(aws.state, {
      accountId: estate.homeAccountId,
      region: REGION,
      cluster: 'prod-data',
      service: 'etl',
      image: `${estate.homeAccountId}.dkr.ecr.${REGION}.amazonaws.com/etl:1.0.0`,
      taskCount: 4,
    }),
  ];
  const services = [
    ...Object.values(estate.services).filter((s) => s.tasks[0]?.taskArn.includes(REGION)),
    ...extra,
  ];
  const slack = await startSlackEmulator({
    latency: BENCH_LATENCY.slack,
    users: [
      { id: PEOPLE.requester, name: 'rita' },
      { id: PEOPLE.approver, name: 'alice' },
      { id: PEOPLE.outsider, name: 'oscar' },
    ],
    channels: [
      { id: PEOPLE.alerts, name: 'security-alerts' },
      { id: PEOPLE.prod, name: 'prod-security' },
    ],
    ...(opts.slackPacing === false ? { pacing: { enabled: false } } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), 'ecs-guard-bench-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(
    policy,
    [
      'routes:',
      `  - channel: ${PEOPLE.prod}`,
      `    accounts: ["${member}"]`,
      `  - channel: ${PEOPLE.prod}`,
      '    clusters: ["prod-*"]',
      opts.policyExtra ?? '',
    ].join('\n'),
  );
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const env: Record<string, string> = {
    ...emulatorEnv({ slack, aws, estate }),
    SLACK_ALERT_CHANNEL: PEOPLE.alerts,
    ECS_GUARD_APPROVERS: PEOPLE.approver,
    ECS_GUARD_MIN_SEVERITY: 'low',
    ECS_GUARD_POLL_SECONDS: '0',
    ECS_GUARD_REGIONS: REGION,
    ECS_GUARD_INGEST_TOKEN: 'bench-ingest-token-0123456789',
    ECS_GUARD_REDIS_PREFIX: prefix,
    ECS_GUARD_CONFIG: policy,
    REDIS_URL,
    LOG_LEVEL: 'warn',
    AWS_REGION: REGION,
    ...opts.env,
  };
  return {
    aws,
    slack,
    estate,
    services,
    prefix,
    env,
    async close() {
      await Promise.allSettled([aws.close(), slack.close()]);
      const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
      await dropPrefix(r, prefix);
      await r.quit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
