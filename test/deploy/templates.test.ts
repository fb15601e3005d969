// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub syntax
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allowedActions } from './aws-usage.js';
import { type CfnTemplate, parseCfn, policyDocuments, readCfn, references } from './cfn-yaml.js';

const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url));
const templates = readdirSync(deploy).filter((f) => f.endsWith('.cfn.yml'));
const SECRET_NAME = /token|secret|password|externalid|apikey/i;

describe('CloudFormation short-tag parsing', () => {
  it('turns !Ref, !Sub, !GetAtt and nested short forms into long forms', () => {
    const t = parseCfn(
      'A: !Ref X\nB: !Sub "arn:${AWS::Partition}:x"\nC: !GetAtt R.Arn\nD: !Join ["", [!Ref A, "x"]]\nE: !Sub\n  - "${v}"\n  - v: !Ref Y\n',
    ) as unknown as Record<string, unknown>;
    expect(t).toEqual({
      A: { Ref: 'X' },
      B: { 'Fn::Sub': 'arn:${AWS::Partition}:x' },
      C: { 'Fn::GetAtt': ['R', 'Arn'] },
      D: { 'Fn::Join': ['', [{ Ref: 'A' }, 'x']] },
      E: { 'Fn::Sub': ['${v}', { v: { Ref: 'Y' } }] },
    });
    const r = references(t);
    expect(r.refs.sort()).toEqual(['A', 'AWS::Partition', 'X', 'Y']);
    expect(r.getAtts).toEqual(['R']);
  });
});

describe.each(templates)('deploy/%s', (file) => {
  const t: CfnTemplate = readCfn(`${deploy}${file}`);
  const params = t.Parameters ?? {};
  const resources = t.Resources ?? {};

  it('is a well-formed template', () => {
    expect(t.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(typeof t.Description).toBe('string');
    expect(Object.keys(resources).length).toBeGreaterThan(0);
    for (const [name, r] of Object.entries(resources)) {
      expect(name).toMatch(/^[A-Za-z0-9]+$/);
      expect(r.Type, name).toMatch(/^AWS::\w+::\w+$/);
    }
    for (const [name, p] of Object.entries(params)) {
      expect(name).toMatch(/^[A-Za-z0-9]+$/);
      expect(['String', 'Number', 'CommaDelimitedList'], name).toContain(p.Type);
    }
  });

  it('refers only to parameters, resources and pseudo parameters that exist', () => {
    const { refs, getAtts } = references([resources, t.Outputs ?? {}]);
    const known = new Set([...Object.keys(params), ...Object.keys(resources)]);
    expect(refs.filter((r) => !known.has(r) && !r.startsWith('AWS::'))).toEqual([]);
    expect(getAtts.filter((r) => !(r in resources))).toEqual([]);
    // Every parameter is used somewhere.
    expect(Object.keys(params).filter((p) => !refs.includes(p))).toEqual([]);
  });

  it('hides secrets: NoEcho parameters, never echoed in outputs', () => {
    const secrets = Object.keys(params).filter((p) => SECRET_NAME.test(p));
    for (const p of secrets) expect(params[p]?.NoEcho, p).toBe(true);
    for (const p of secrets) expect(params[p]?.Default, p).toBeUndefined();
    const outRefs = references(t.Outputs ?? {}).refs;
    expect(outRefs.filter((r) => params[r]?.NoEcho)).toEqual([]);
  });

  it('uses explicit IAM actions (no wildcards) in every policy', () => {
    for (const r of Object.values(resources)) {
      const docs = [...policyDocuments(r.Properties), r.Properties?.AssumeRolePolicyDocument].filter(Boolean);
      for (const d of docs) {
        for (const a of allowedActions(d as object)) expect(a).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z]+$/);
      }
    }
  });
});

describe('deploy/eventbridge.cfn.yml', () => {
  const t = readCfn(`${deploy}eventbridge.cfn.yml`);
  const res = t.Resources ?? {};
  /** The one resource of `type` (fails when there is none). */
  const one = (type: string): { name: string; props: Record<string, unknown> } => {
    const found = Object.entries(res).find(([, r]) => r.Type === type);
    if (!found) throw new Error(`no ${type} in the template`);
    return { name: found[0], props: found[1].Properties ?? {} };
  };
  const getAttOf = (v: unknown): string => (v as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] as string;
  const rule = one('AWS::Events::Rule');
  const targets = rule.props.Targets as Record<string, unknown>[];

  it('matches GuardDuty Runtime Monitoring findings on ECS clusters', () => {
    // Same pattern as shared/fixtures/guardduty/eventbridge-pattern-ecs-runtime.toku-shun.json.
    expect(rule.props.EventPattern).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { resource: { resourceType: ['ECSCluster'] }, service: { featureName: ['RuntimeMonitoring'] } },
    });
    expect(rule.props.State).toBe('ENABLED');
  });

  it('a rule sends ECS attack sequences (AttackSequence:ECS/*) to the same destination', () => {
    const seq = res.AttackSequenceRule;
    expect(seq?.Type).toBe('AWS::Events::Rule');
    const props = seq?.Properties ?? {};
    expect(props.EventPattern).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { type: [{ prefix: 'AttackSequence:ECS/' }] },
    });
    const t = (props.Targets as Record<string, unknown>[])[0];
    expect(getAttOf(t?.Arn)).toBe(getAttOf(targets[0]?.Arn));
  });

  it('a second rule sends ECS Runtime Protection health changes to the same destination', () => {
    const health = res.CoverageHealthRule;
    expect(health?.Type).toBe('AWS::Events::Rule');
    const props = health?.Properties ?? {};
    expect(props.EventPattern).toEqual({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Runtime Protection Unhealthy', 'GuardDuty Runtime Protection Healthy'],
      detail: { resourceDetails: { resourceType: ['ECS'] } },
    });
    expect((props.Targets as Record<string, unknown>[])[0]).toEqual(targets[0]);
  });

  it('POSTs to /events/guardduty with "Authorization: Bearer <token>" from a NoEcho parameter', () => {
    const conn = one('AWS::Events::Connection');
    expect(conn.props.AuthorizationType).toBe('API_KEY');
    const key = (conn.props.AuthParameters as { ApiKeyAuthParameters: Record<string, unknown> })
      .ApiKeyAuthParameters;
    expect(key.ApiKeyName).toBe('Authorization');
    expect(key.ApiKeyValue).toEqual({ 'Fn::Sub': 'Bearer ${IngestToken}' });
    expect(t.Parameters?.IngestToken?.NoEcho).toBe(true);

    const dest = one('AWS::Events::ApiDestination');
    expect(dest.props.HttpMethod).toBe('POST');
    expect(getAttOf(dest.props.ConnectionArn)).toBe(conn.name);
    expect(dest.props.InvocationEndpoint).toEqual({ Ref: 'EcsGuardEndpoint' });
    const pattern = new RegExp(String(t.Parameters?.EcsGuardEndpoint?.AllowedPattern));
    expect(pattern.test('https://ecs-guard.example.com/events/guardduty')).toBe(true);
    expect(pattern.test('https://ecs-guard.example.com/slack/events')).toBe(false);
    expect(pattern.test('http://ecs-guard.example.com/events/guardduty')).toBe(false);

    expect(targets).toHaveLength(1);
    expect(getAttOf(targets[0]?.Arn)).toBe(dest.name);
  });

  it('invokes through a role allowed only to call that destination, with retries and a DLQ', () => {
    const target = targets[0] ?? {};
    const role = res[getAttOf(target.RoleArn)];
    expect(role?.Type).toBe('AWS::IAM::Role');
    const trust = role?.Properties?.AssumeRolePolicyDocument as {
      Statement: { Principal: unknown }[];
    };
    expect(trust.Statement.map((s) => s.Principal)).toEqual([{ Service: 'events.amazonaws.com' }]);
    const docs = policyDocuments(role?.Properties);
    expect(docs.flatMap((d) => allowedActions(d as object))).toEqual(['events:InvokeApiDestination']);

    const dlqName = getAttOf((target.DeadLetterConfig as { Arn: unknown }).Arn);
    expect(res[dlqName]?.Type).toBe('AWS::SQS::Queue');
    const queuePolicy = one('AWS::SQS::QueuePolicy');
    expect(queuePolicy.props.Queues).toEqual([{ Ref: dlqName }]);
    expect(JSON.stringify(queuePolicy.props.PolicyDocument)).toContain('sqs:SendMessage');
    expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: expect.any(Number) });
  });

  it('the DLQ takes no redrives from other queues and an alarm fires on its first message', () => {
    const dlq = one('AWS::SQS::Queue');
    expect(dlq.props.RedriveAllowPolicy).toEqual({ redrivePermission: 'denyAll' });
    const alarm = one('AWS::CloudWatch::Alarm').props;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
    expect(alarm.Dimensions).toEqual([
      { Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq.name, 'QueueName'] } },
    ]);
    expect(JSON.stringify(alarm.AlarmActions)).toContain('AlarmTopicArn');
  });
});

describe('deploy/log-group.cfn.yml and the task definition', () => {
  const t = readCfn(`${deploy}log-group.cfn.yml`);
  const td = JSON.parse(readFileSync(`${deploy}ecs-task-definition.json`, 'utf8'));
  const logOptions = td.containerDefinitions[0].logConfiguration.options as Record<string, string>;

  it('creates the log group with a retention; the task definition does not create it', () => {
    const group = t.Resources?.LogGroup;
    expect(group?.Type).toBe('AWS::Logs::LogGroup');
    expect(group?.Properties).toEqual({
      LogGroupName: { Ref: 'LogGroupName' },
      RetentionInDays: { Ref: 'RetentionInDays' },
    });
    expect(t.Parameters?.LogGroupName?.Default).toBe(logOptions['awslogs-group']);
    expect(t.Parameters?.RetentionInDays?.Default).toBeGreaterThanOrEqual(365);
    // awslogs-create-group needs logs:CreateLogGroup, which the execution role does not have.
    expect(logOptions['awslogs-create-group']).toBeUndefined();
  });
});
