import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { groupKeyOf } from '../../src/findings/group-key.js';
import type { Finding, SequenceResource } from '../../src/findings/model.js';
import { normaliseFinding } from '../../src/findings/normalise.js';
import { globMatch, routeFinding, routeIncident } from '../../src/findings/route.js';
import { severityLabel } from '../../src/findings/severity.js';
import { fixture, WIRE } from './fixtures.js';

const base = normaliseFinding(fixture(WIRE));
const finding = (over: Partial<Finding>): Finding => {
  const f = { ...base, ...over };
  return { ...f, severityLabel: severityLabel(f.severity) };
};

const config = (routes: Config['routes'], minSeverity: Config['minSeverity'] = 'Medium') => ({
  routes,
  minSeverity,
  slack: {
    alertChannel: 'CDEFAULT',
    coverageChannel: 'CDEFAULT',
    botToken: 'xoxb-x',
    signingSecret: 'secret!!',
  },
});

describe('globMatch', () => {
  it.each([
    ['prod-*', 'prod-web', true],
    ['prod-*', 'staging-web', false],
    ['prod-?eb', 'prod-web', true],
    ['prod-?eb', 'prod-wweb', false],
    ['*', '', true],
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['(x)+', '(x)+', true],
    ['web', 'prod-web', false],
  ])('%s ~ %s = %s', (p, v, expected) => {
    expect(globMatch(p, v)).toBe(expected);
  });
});

describe('routeFinding', () => {
  it('sends everything to the alert channel without rules', () => {
    expect(routeFinding(base, config([]))).toBe('CDEFAULT');
  });

  it('drops findings below the global minimum severity', () => {
    expect(routeFinding(finding({ severity: 2 }), config([]))).toBeNull();
    expect(routeFinding(finding({ severity: 5 }), config([], 'High'))).toBeNull();
    expect(routeFinding(finding({ severity: 7 }), config([], 'High'))).toBe('CDEFAULT');
    expect(routeFinding(finding({ severity: 2 }), config([], 'Low'))).toBe('CDEFAULT');
  });

  it('matches on account, region, cluster glob, severity and type prefix; first rule wins', () => {
    const rules: Config['routes'] = [
      { channel: 'CACCOUNT', accounts: ['999999999999'] },
      { channel: 'CEU', regions: ['eu-west-1'] },
      { channel: 'CCRIT', clusters: ['prod-*'], minSeverity: 'Critical' },
      { channel: 'CSHELL', types: ['Execution:Runtime/ReverseShell', 'Backdoor:'] },
      { channel: 'CPROD', clusters: ['prod-?eb', 'payments'] },
      { channel: 'CNEVER', clusters: ['prod-*'] },
    ];
    const c = config(rules);
    expect(routeFinding(finding({ accountId: '999999999999', region: 'eu-west-1' }), c)).toBe('CACCOUNT');
    expect(routeFinding(finding({ region: 'eu-west-1' }), c)).toBe('CEU');
    expect(routeFinding(finding({ severity: 9.5 }), c)).toBe('CCRIT');
    expect(routeFinding(finding({ type: 'Backdoor:Runtime/C&CActivity.B' }), c)).toBe('CSHELL');
    expect(routeFinding(finding({}), c)).toBe('CPROD');
    expect(routeFinding(finding({ clusterName: 'payments' }), c)).toBe('CPROD');
    expect(routeFinding(finding({ clusterName: 'staging' }), c)).toBe('CDEFAULT');
    // A cluster rule never matches a finding without a cluster.
    expect(routeFinding(finding({ clusterName: undefined }), c)).toBe('CDEFAULT');
  });

  it('a rule minSeverity only narrows that rule; the global minimum still applies first', () => {
    const c = config([{ channel: 'CLOW', minSeverity: 'Low' }], 'High');
    expect(routeFinding(finding({ severity: 5 }), c)).toBeNull();
    expect(routeFinding(finding({ severity: 8 }), c)).toBe('CLOW');
  });
});

describe('routeIncident', () => {
  // An incident seen from the administrator account whose resources are in a member account.
  const incident = (resources: SequenceResource[], severity = 9): Finding =>
    finding({
      type: 'AttackSequence:ECS/CompromisedCluster',
      resourceType: 'AttackSequence',
      accountId: '111111111111',
      region: 'us-east-1',
      clusterName: undefined,
      severity,
      sequence: {
        uid: 'seq',
        description: '',
        signals: [],
        resources,
        endpoints: [],
        actors: [],
        tactics: [],
        techniques: [],
        indicators: [],
        additionalTypes: [],
      },
    });
  const task = (accountId: string, region: string, cluster: string): SequenceResource => ({
    uid: `arn:aws:ecs:${region}:${accountId}:task/${cluster}/0123456789abcdef`,
    type: 'ECS_TASK',
    accountId,
    region,
    cluster,
  });

  it('matches any account, region and cluster the sequence touches, with its type and severity', () => {
    const f = incident([
      task('111111111111', 'us-east-1', 'staging-a'),
      task('222222222222', 'eu-west-1', 'prod-pay'),
    ]);
    expect(routeIncident(f, config([{ channel: 'CMEMBER', accounts: ['222222222222'] }]))).toBe('CMEMBER');
    expect(routeIncident(f, config([{ channel: 'CEU', regions: ['eu-west-1'] }]))).toBe('CEU');
    expect(routeIncident(f, config([{ channel: 'CPROD', clusters: ['prod-*'] }]))).toBe('CPROD');
    expect(routeIncident(f, config([{ channel: 'CSEQ', types: ['AttackSequence:ECS/'] }]))).toBe('CSEQ');
    expect(
      routeIncident(f, config([{ channel: 'CCRIT', clusters: ['prod-*'], minSeverity: 'Critical' }])),
    ).toBe('CCRIT');
    // First match wins; a rule none of its places match is skipped.
    expect(
      routeIncident(
        f,
        config([
          { channel: 'CNONE', clusters: ['dev-*'] },
          { channel: 'CFIRST', clusters: ['staging-*'] },
          { channel: 'CSECOND', accounts: ['222222222222'] },
        ]),
      ),
    ).toBe('CFIRST');
    // A rule whose account and cluster are in different places of the sequence needs both in one place.
    expect(
      routeIncident(f, config([{ channel: 'CMIXED', accounts: ['111111111111'], clusters: ['prod-*'] }])),
    ).toBe('CDEFAULT');
  });

  it('by severity: a rule minSeverity narrows it, the global minimum drops it', () => {
    const f = incident([task('222222222222', 'us-east-1', 'prod-pay')], 7);
    expect(
      routeIncident(f, config([{ channel: 'CCRIT', clusters: ['prod-*'], minSeverity: 'Critical' }])),
    ).toBe('CDEFAULT');
    expect(routeIncident(f, config([], 'Critical'))).toBeNull();
  });
});

describe('groupKeyOf', () => {
  it('is account|region|cluster|service|type', () => {
    expect(groupKeyOf(base)).toBe(
      '123456789012|us-east-1|prod-web|webserver|Execution:Runtime/NewBinaryExecuted',
    );
  });

  it('falls back to the task family when there is no service', () => {
    expect(groupKeyOf(finding({ service: undefined }))).toBe(
      '123456789012|us-east-1|prod-web|family:webserver|Execution:Runtime/NewBinaryExecuted',
    );
  });

  it('differs by type and by service, and not by task', () => {
    expect(groupKeyOf(finding({ type: 'Execution:Runtime/ReverseShell' }))).not.toBe(groupKeyOf(base));
    expect(groupKeyOf(finding({ service: 'api' }))).not.toBe(groupKeyOf(base));
    expect(groupKeyOf(finding({ taskId: 'other', taskArn: 'x' }))).toBe(groupKeyOf(base));
  });
});
