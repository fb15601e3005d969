import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ErrorCode, isEcsGuardError } from '../src/errors.js';

const base = {
  SLACK_BOT_TOKEN: 'xoxb-123-456-abcdef',
  SLACK_SIGNING_SECRET: 'topsecretsigningsecret',
  SLACK_ALERT_CHANNEL: 'C0ALERTS',
  AWS_REGION: 'us-east-1',
};

const fails = (env: Record<string, string>, files: Record<string, string> = {}): string => {
  try {
    loadConfig(env, ((p: string) => {
      if (p in files) return files[p];
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    }) as never);
  } catch (err) {
    expect(isEcsGuardError(err, ErrorCode.ConfigError)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to fail');
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c.minSeverity).toBe('Medium');
    expect(c.pollSeconds).toBe(60);
    expect(c.regions).toEqual(['us-east-1']);
    expect(c.port).toBe(3000);
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.approvalTtlSeconds).toBe(1800);
    expect(c.actions['stop-task']).toMatchObject({
      twoPerson: true,
      needsApproval: true,
      requesters: undefined,
    });
  });

  it('parses lists, booleans and durations', () => {
    const c = loadConfig({
      ...base,
      ECS_GUARD_APPROVERS: 'U111, S222',
      ECS_GUARD_REQUESTERS: 'U333',
      ECS_GUARD_TWO_PERSON: 'false',
      ECS_GUARD_REGIONS: 'eu-west-1,us-east-1',
      ECS_GUARD_APPROVAL_TTL: '5m',
      ECS_GUARD_MIN_SEVERITY: 'HIGH',
    });
    expect(c.actions['stop-task']).toMatchObject({
      approvers: ['U111', 'S222'],
      requesters: ['U333'],
      twoPerson: false,
    });
    expect(c.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(c.approvalTtlSeconds).toBe(300);
    expect(c.minSeverity).toBe('High');
  });

  it('names every bad variable in one message and never echoes a value', () => {
    const msg = fails({
      SLACK_BOT_TOKEN: 'not-a-token-SECRETVALUE',
      ECS_GUARD_MIN_SEVERITY: 'urgent',
      ECS_GUARD_POLL_SECONDS: 'soon',
      ECS_GUARD_APPROVERS: 'alice',
      PORT: '99999',
    });
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_ALERT_CHANNEL',
      'ECS_GUARD_MIN_SEVERITY',
      'ECS_GUARD_POLL_SECONDS',
      'ECS_GUARD_APPROVERS',
      'PORT',
    ]) {
      expect(msg).toContain(name);
    }
    expect(msg).not.toContain('SECRETVALUE');
  });

  it('requires a signing secret in HTTP mode but not in Socket Mode', () => {
    const { SLACK_SIGNING_SECRET: _, ...noSecret } = base;
    expect(fails(noSecret)).toContain('SLACK_SIGNING_SECRET');
    expect(loadConfig({ ...noSecret, SLACK_APP_TOKEN: 'xapp-1-abc' }).slack.appToken).toBe('xapp-1-abc');
  });

  it('reads a YAML policy file and reports its problems by path', () => {
    const yaml = `
routes:
  - channel: C0PROD
    accounts: ["111111111111"]
    clusters: ["prod-*"]
    minSeverity: high
actions:
  archive: { twoPerson: true }
`;
    const c = loadConfig({ ...base, ECS_GUARD_CONFIG: '/p.yaml' }, ((p: string) => {
      if (p === '/p.yaml') return yaml;
      throw new Error('unexpected');
    }) as never);
    expect(c.routes[0]).toMatchObject({ channel: 'C0PROD', clusters: ['prod-*'], minSeverity: 'High' });
    expect(c.actions.archive).toMatchObject({ twoPerson: true, needsApproval: true });

    const msg = fails(
      { ...base, ECS_GUARD_CONFIG: '/bad.yaml' },
      { '/bad.yaml': 'routes:\n  - channel: general\n' },
    );
    expect(msg).toMatch(/ECS_GUARD_CONFIG \(\/bad.yaml\) routes\.0\.channel/);
    expect(fails({ ...base, ECS_GUARD_CONFIG: '/missing.yaml' })).toContain('file not found');
  });
});
