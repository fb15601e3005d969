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

  it('audit HMAC key: required in production, at least 32 characters, never echoed or serialised', () => {
    expect(fails({ ...base, NODE_ENV: 'production' })).toMatch(
      /ECS_GUARD_AUDIT_HMAC_KEY: is required in production/,
    );
    const short = fails({ ...base, ECS_GUARD_AUDIT_HMAC_KEY: 'short-KEY-value' });
    expect(short).toMatch(/ECS_GUARD_AUDIT_HMAC_KEY: must be at least 32 characters/);
    expect(short).not.toContain('short-KEY-value');
    expect(fails({ ...base, ECS_GUARD_AUDIT_HMAC_KEY: 'a'.repeat(40) })).toMatch(/too repetitive/);
    const key = 'k3y-0123456789abcdefghijklmnopqrstuv';
    const c = loadConfig({ ...base, NODE_ENV: 'production', ECS_GUARD_AUDIT_HMAC_KEY: key });
    expect(c.audit.hmacKey.reveal()).toBe(key);
    expect(c.audit.keyGenerated).toBe(false);
    expect(JSON.stringify(c)).not.toContain(key);
    expect(String(c.audit.hmacKey)).toBe('[redacted]');
    // Outside production a missing key becomes a random one per process (and a warning).
    const dev = loadConfig(base);
    expect(dev.audit.keyGenerated).toBe(true);
    expect(dev.audit.hmacKey.reveal()).toMatch(/^[0-9a-f]{64}$/);
    expect(loadConfig(base).audit.hmacKey.reveal()).not.toBe(dev.audit.hmacKey.reveal());
  });

  it('audit channel, anchor interval and retention', () => {
    const d = loadConfig(base);
    expect(d.audit).toMatchObject({ anchorSeconds: 300, retentionDays: 365 });
    expect(d.audit.channel).toBeUndefined();
    expect(d.retentionDays).toBe(90);
    const c = loadConfig({
      ...base,
      ECS_GUARD_AUDIT_CHANNEL: 'C0AUDIT01',
      ECS_GUARD_AUDIT_ANCHOR_SECONDS: '60',
      ECS_GUARD_AUDIT_RETENTION_DAYS: '30',
      ECS_GUARD_RETENTION_DAYS: '7',
    });
    expect(c.audit).toMatchObject({ channel: 'C0AUDIT01', anchorSeconds: 60, retentionDays: 30 });
    expect(c.retentionDays).toBe(7);
    expect(fails({ ...base, ECS_GUARD_AUDIT_CHANNEL: '#audit', ECS_GUARD_RETENTION_DAYS: '0' })).toMatch(
      /ECS_GUARD_AUDIT_CHANNEL: must be a Slack channel id[\s\S]*ECS_GUARD_RETENTION_DAYS: must be between 1 and 3650/,
    );
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

  it('disable needs a second person by default; archive and enable do not', () => {
    const c = loadConfig(base);
    expect(c.actions.disable).toMatchObject({ twoPerson: true, needsApproval: true });
    expect(c.actions.enable).toMatchObject({ twoPerson: false, needsApproval: true });
    expect(c.actions.archive).toMatchObject({ twoPerson: false, needsApproval: false });
  });

  it('twoPerson with needsApproval: false is a config error naming the settings', () => {
    const read = (yaml: string) => ({ '/p.yaml': yaml });
    const env = { ...base, ECS_GUARD_CONFIG: '/p.yaml' };
    const a = fails(env, read('actions:\n  archive: { twoPerson: true, needsApproval: false }\n'));
    expect(a).toContain('actions.archive.needsApproval: false contradicts actions.archive.twoPerson: true');
    // Four-eyes from a default is not silently dropped either.
    const b = fails(env, read('actions:\n  stop-task: { needsApproval: false }\n'));
    expect(b).toContain('actions.stop-task.needsApproval: false');
    expect(b).toContain('ECS_GUARD_TWO_PERSON');
    const d = fails(env, read('actions:\n  disable: { needsApproval: false }\n'));
    expect(d).toContain('twoPerson: true (the default for disable)');
    // Saying so explicitly is fine.
    const ok = loadConfig(
      env,
      (() => 'actions:\n  disable: { needsApproval: false, twoPerson: false }\n') as never,
    );
    expect(ok.actions.disable).toMatchObject({ twoPerson: false, needsApproval: false });
    expect(
      loadConfig(
        { ...env, ECS_GUARD_TWO_PERSON: 'false' },
        (() => 'actions:\n  stop-task: { needsApproval: false }\n') as never,
      ).actions['stop-task'].needsApproval,
    ).toBe(false);
  });

  it('viewers: the policy list, else every requester and approver, else anyone', () => {
    expect(loadConfig(base).viewers).toBeUndefined();
    const restricted = loadConfig({
      ...base,
      ECS_GUARD_REQUESTERS: 'U333',
      ECS_GUARD_APPROVERS: 'U111,S222',
    });
    expect(new Set(restricted.viewers)).toEqual(new Set(['U333', 'U111', 'S222']));
    const listed = loadConfig(
      { ...base, ECS_GUARD_CONFIG: '/p.yaml' },
      (() => 'viewers: [S0ONCALL01, U0AUDITOR1]\n') as never,
    );
    expect(listed.viewers).toEqual(['S0ONCALL01', 'U0AUDITOR1']);
    expect(fails({ ...base, ECS_GUARD_CONFIG: '/p.yaml' }, { '/p.yaml': 'viewers: [alice]\n' })).toMatch(
      /viewers\.0: must be a Slack user or user-group id/,
    );
  });

  it('ECS_GUARD_COVERAGE_CHANNEL defaults to the alert channel and must be a channel id', () => {
    expect(loadConfig(base).slack.coverageChannel).toBe('C0ALERTS');
    expect(loadConfig({ ...base, ECS_GUARD_COVERAGE_CHANNEL: 'C0COVER' }).slack.coverageChannel).toBe(
      'C0COVER',
    );
    expect(fails({ ...base, ECS_GUARD_COVERAGE_CHANNEL: '#coverage' })).toContain(
      'ECS_GUARD_COVERAGE_CHANNEL',
    );
  });

  it('containment.autoContain: off by default; a rule gets the 5:00 window by default; odd values are refused', () => {
    expect(loadConfig(base).containment.autoContain).toEqual([]);
    const read = (yaml: string) =>
      loadConfig({ ...base, ECS_GUARD_CONFIG: '/p.yaml' }, (() => yaml) as never).containment.autoContain;
    expect(
      read(
        'containment:\n  autoContain:\n    - { name: prod-shell, clusters: ["prod-*"], minSeverity: high }\n',
      ),
    ).toEqual([{ name: 'prod-shell', clusters: ['prod-*'], minSeverity: 'High', windowSeconds: 300 }]);
    expect(
      fails(
        { ...base, ECS_GUARD_CONFIG: '/p.yaml' },
        { '/p.yaml': 'containment:\n  autoContain:\n    - { name: x, windowSeconds: 1 }\n' },
      ),
    ).toContain('containment.autoContain.0.windowSeconds');
    expect(
      fails(
        { ...base, ECS_GUARD_CONFIG: '/p.yaml' },
        { '/p.yaml': 'containment:\n  autoContain:\n    - { clusters: [a] }\n' },
      ),
    ).toContain('containment.autoContain.0.name');
  });
});
