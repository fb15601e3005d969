import type { Task } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { CoverageRow } from '../../../src/aws/coverage.js';
import { uncoveredTasks } from '../../../src/aws/running-tasks.js';
import { healthHint } from '../../../src/coverage/health-events.js';
import type { CoverageCardData } from '../../../src/coverage/model.js';
import { diffCoverage } from '../../../src/coverage/watch.js';
import { buildCoverageCard } from '../../../src/slack/blocks/coverage-card.js';
import { assertWithinBlockKitLimits, collectTexts } from '../../helpers/block-kit.js';
import { EVIL } from './hostile.js';

const base: CoverageCardData = {
  accountId: '111122223333',
  region: 'us-east-1',
  cluster: 'prod-web',
  status: 'UNHEALTHY',
  issue: 'Agent not provisioned',
  issues: ["Tasks started before enabling Runtime Monitoring require a relaunch. Impacted task ID(s): 'abc'"],
  managementType: 'AUTO_MANAGED',
  since: Date.parse('2026-12-01T03:00:00Z'),
  source: 'poll',
  uncovered: { services: [{ service: 'web', taskIds: ['abc', 'def'] }], standalone: [], checkedAt: 1 },
};

describe('coverage card', () => {
  it('says the status in words, the issue with its hint, and the uncovered tasks per service', () => {
    const m = buildCoverageCard(base);
    assertWithinBlockKitLimits(m.blocks, m.text);
    const t = collectTexts(m.blocks).join('\n');
    expect(t).toContain('*UNHEALTHY*');
    expect(t).toContain('redeploy the services (UpdateService forceNewDeployment)');
    expect(t).toContain('service *web*: 2 tasks without the agent: `abc`, `def`');
    expect(m.text).toContain('prod-web');
  });

  it('recovered: the same card says HEALTHY again and keeps when the gap opened', () => {
    const m = buildCoverageCard({
      ...base,
      status: 'HEALTHY',
      issues: [],
      recoveredAt: base.since + 3600_000,
      uncovered: undefined,
    });
    const t = collectTexts(m.blocks).join('\n');
    expect(t).toContain('Coverage restored: prod-web');
    expect(t).toContain('*HEALTHY* again since');
    expect(t).toContain('It was UNHEALTHY from');
    expect(t).not.toContain('Running without');
  });

  it('hostile names and huge lists stay escaped and inside Block Kit limits', () => {
    const m = buildCoverageCard({
      ...base,
      cluster: EVIL.repeat(10),
      issue: EVIL.repeat(10),
      issues: Array.from({ length: 50 }, () => EVIL.repeat(20)),
      managementType: EVIL,
      uncovered: {
        services: Array.from({ length: 200 }, (_, i) => ({
          service: `${EVIL}${i}`.repeat(5),
          taskIds: Array.from({ length: 100 }, (_, j) => `${EVIL}${j}`),
        })),
        standalone: Array.from({ length: 500 }, (_, j) => `t${j}`),
        checkedAt: 2,
      },
      uncoveredError: EVIL.repeat(50),
    });
    assertWithinBlockKitLimits(m.blocks, m.text);
    const t = `${m.text}\n${collectTexts(m.blocks).join('\n')}`;
    expect(t).not.toMatch(/<!channel>|<@U0EVIL>|<https:\/\/evil/);
    expect(t).toContain('…and 190 more services');
  });
});

describe('Runtime Protection health events', () => {
  const ev = (over: Record<string, unknown> = {}, detail: Record<string, unknown> = {}) => ({
    'detail-type': 'GuardDuty Runtime Protection Unhealthy',
    source: 'aws.guardduty',
    account: '111122223333',
    region: 'us-east-1',
    ...over,
    detail: {
      schemaVersion: '1.0',
      resourceAccountId: '444455556666',
      currentStatus: 'UNHEALTHY',
      previousStatus: 'HEALTHY',
      resourceDetails: { resourceType: 'ECS', ecsClusterDetails: { clusterName: 'payments' } },
      ...detail,
    },
  });
  it('names the cluster, the resource account and the region', () => {
    expect(healthHint(ev())).toEqual({ accountId: '444455556666', region: 'us-east-1', cluster: 'payments' });
  });
  it('ignores, with a reason, what is not an ECS cluster it can name', () => {
    expect(healthHint(ev({}, { resourceDetails: { resourceType: 'EC2' } }))).toEqual({
      ignore: expect.stringContaining('not ECS'),
    });
    expect(healthHint(ev({ region: 'mars' }))).toEqual({ ignore: expect.stringContaining('region') });
    expect(
      healthHint(
        ev({}, { resourceDetails: { resourceType: 'ECS', ecsClusterDetails: { clusterName: EVIL } } }),
      ),
    ).toEqual({ ignore: expect.stringContaining('cluster name') });
    expect(healthHint(ev({ source: 'evil.source' }))).toEqual({
      ignore: expect.stringContaining('aws.guardduty'),
    });
    expect(healthHint({ 'detail-type': 'GuardDuty Runtime Protection Healthy' })).toEqual({
      ignore: expect.stringContaining('detail'),
    });
  });
});

describe('poll diff', () => {
  const row = (cluster: string, status: string, issue?: string): CoverageRow => ({
    accountId: '111122223333',
    region: 'us-east-1',
    cluster,
    status,
    ...(issue ? { issue } : {}),
    issues: issue ? [issue] : [],
    managementType: 'AUTO_MANAGED',
    coveredInstances: 0,
    compatibleInstances: 0,
  });
  it('returns new and changed clusters and the ones gone; same coverage is no change', () => {
    const seen = {
      '111122223333/a': JSON.stringify({ status: 'HEALTHY', issues: [], managementType: 'AUTO_MANAGED' }),
      '111122223333/b': JSON.stringify({ status: 'HEALTHY', issues: [], managementType: 'AUTO_MANAGED' }),
      '111122223333/gone': JSON.stringify({ status: 'HEALTHY', issues: [] }),
      '111122223333/bad': '{not json',
    };
    const d = diffCoverage(seen, [
      row('a', 'HEALTHY'),
      row('b', 'UNHEALTHY', 'Agent exited'),
      row('new', 'HEALTHY'),
      row('bad', 'HEALTHY'),
    ]);
    expect(d.changed.map((r) => r.cluster)).toEqual(['b', 'new', 'bad']);
    expect(d.gone).toEqual(['111122223333/gone']);
  });
});

describe('uncoveredTasks', () => {
  const t = (
    arn: string,
    group: string,
    containers: Task['containers'],
    launchType: Task['launchType'] = 'FARGATE',
  ): Task => ({
    taskArn: `arn:aws:ecs:us-east-1:1:task/c/${arn}`,
    group,
    launchType,
    lastStatus: 'RUNNING',
    containers,
  });
  it('uses the one agent check (the AWS-owned image, not the name) and groups by service', () => {
    const u = uncoveredTasks([
      // A container a task definition names like the agent, from its own registry: no agent.
      t('1', 'service:web', [
        { name: 'app' },
        {
          name: 'aws-guardduty-agent-x1',
          image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/aws-guardduty-agent-fargate:v1',
        },
      ]),
      // Agent recognised by its image even under another container name.
      t('2', 'service:web', [
        { name: 'app' },
        {
          name: 'sidecar',
          image: '593207742271.dkr.ecr.us-east-1.amazonaws.com/aws-guardduty-agent-fargate:v1.5.0',
        },
      ]),
      t('4', 'service:web', [{ name: 'app' }]),
      t('3', 'service:web', [{ name: 'app' }]),
      t('5', 'family:cron', [{ name: 'job' }]),
      t('6', 'service:ec2', [{ name: 'app' }], 'EC2'),
    ]);
    expect(u).toEqual({ services: [{ service: 'web', taskIds: ['1', '3', '4'] }], standalone: ['5'] });
  });
});
