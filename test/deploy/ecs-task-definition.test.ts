import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const td = JSON.parse(readFileSync(`${root}deploy/ecs-task-definition.json`, 'utf8'));
const [container] = td.containerDefinitions as {
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
  healthCheck: { command: string[] };
  portMappings: { containerPort: number }[];
  stopTimeout: number;
  user: string;
  memory: number;
  memoryReservation?: number;
  readonlyRootFilesystem: boolean;
  linuxParameters: { initProcessEnabled?: boolean; capabilities?: { drop?: string[]; add?: string[] } };
}[];
const SECRET_VARS = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'ECS_GUARD_INGEST_TOKEN',
  'ECS_GUARD_EXTERNAL_ID',
  'ECS_GUARD_AUDIT_HMAC_KEY',
  // The URL carries the Redis password (MemoryDB/ElastiCache AUTH or an ACL user).
  'REDIS_URL',
];
// Plausible stand-ins for what Secrets Manager / SSM would inject.
const FAKE: Record<string, string> = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-fake',
  SLACK_SIGNING_SECRET: 'f'.repeat(32),
  SLACK_APP_TOKEN: 'xapp-1-fake',
  ECS_GUARD_INGEST_TOKEN: 'i'.repeat(32),
  ECS_GUARD_EXTERNAL_ID: 'ecs-guard-external-id',
  ECS_GUARD_AUDIT_HMAC_KEY: '0123456789abcdef0123456789abcdef',
  REDIS_URL: 'rediss://ecs-guard:redis-password@ecs-guard.abc123.memorydb.us-east-1.amazonaws.com:6379',
};

describe('deploy/ecs-task-definition.json', () => {
  it('is a configuration ecs-guard accepts once the secrets are injected', () => {
    const env: Record<string, string> = Object.fromEntries(
      container?.environment.map((e) => [e.name, e.value]) ?? [],
    );
    for (const s of container?.secrets ?? []) env[s.name] = FAKE[s.name] ?? 'x';
    // The image sets NODE_ENV=production: the audit key is then required, and present.
    const config = loadConfig({ ...env, NODE_ENV: 'production' });
    expect(config.audit.keyGenerated).toBe(false);
    expect(config.audit.channel).toMatch(/^C/);
    // Redis over TLS with a password.
    expect(config.redisUrl).toMatch(/^rediss:\/\/[^:@/]*:[^@]+@/);
    expect(config.port).toBe(container?.portMappings[0]?.containerPort);
    expect(config.memberRole).toContain('{accountId}');
    expect(config.externalId).toBe(FAKE.ECS_GUARD_EXTERNAL_ID);
  });

  it('takes every credential from Secrets Manager or SSM, never plain environment', () => {
    const plain = container?.environment.map((e) => e.name) ?? [];
    expect(plain.filter((n) => SECRET_VARS.includes(n))).toEqual([]);
    for (const s of container?.secrets ?? []) {
      expect(s.valueFrom).toMatch(/^arn:aws:(secretsmanager|ssm):/);
    }
  });

  it('runs as a numeric non-root user with no Linux capabilities, a read-only root and a memory limit', () => {
    expect(container?.user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(container?.linuxParameters.capabilities).toEqual({ drop: ['ALL'] });
    expect(container?.readonlyRootFilesystem).toBe(true);
    expect(container?.memory).toBeGreaterThan(0);
    expect(container?.memory).toBeLessThanOrEqual(Number(td.memory));
    // Room above the 160 MB heap limit of `npm start` (RSS stays under 200 MB in the bench).
    expect(container?.memoryReservation ?? container?.memory).toBeGreaterThanOrEqual(256);
  });

  it('runs on Fargate with a task role, health check on /healthz and time to drain', () => {
    expect(td.requiresCompatibilities).toEqual(['FARGATE']);
    expect(td.taskRoleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect(container?.healthCheck.command.join(' ')).toContain('/healthz');
    expect(container?.stopTimeout).toBeGreaterThanOrEqual(30);
    expect(container?.stopTimeout).toBeLessThanOrEqual(120);
  });
});
