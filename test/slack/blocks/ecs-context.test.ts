import { describe, expect, it } from 'vitest';
import {
  buildEcsContextBlocks,
  type EcsContext,
  postureWarnings,
} from '../../../src/slack/blocks/ecs-context.js';
import { assertWithinBlockKitLimits, collectTexts } from '../../helpers/block-kit.js';
import { EVIL } from './hostile.js';

function ctx(over: Partial<EcsContext> = {}): EcsContext {
  return {
    accountId: '123456789012',
    region: 'us-east-1',
    cluster: 'prod-web',
    service: {
      name: 'webserver',
      desiredCount: 3,
      runningCount: 3,
      deploymentStatus: 'COMPLETED',
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
    },
    task: {
      taskId: '36ad4ef947bb470b89010d864574237e',
      lastStatus: 'RUNNING',
      startedAt: Date.UTC(2025, 1, 3, 20, 26, 53),
      startedBy: 'ecs-svc/1234567890123456789',
      availabilityZone: 'us-east-1a',
      cpu: '256',
      memory: '512',
      privateIp: '10.0.1.23',
      subnets: ['subnet-0abc'],
      securityGroups: ['sg-0abc'],
    },
    taskDefinition: {
      familyRevision: 'webserver:5',
      taskRoleArn: 'arn:aws:iam::123456789012:role/web-task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
      networkMode: 'awsvpc',
    },
    containers: [
      {
        name: 'web',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/webserver:1.4.2',
        user: '1000:1000',
        readonlyRootFilesystem: true,
        secretNames: ['DB_PASSWORD'],
        environmentNames: ['NODE_ENV', 'PORT'],
      },
    ],
    guardDutyAgentPresent: true,
    ...over,
  };
}

const textOf = (blocks: unknown[]) => collectTexts(blocks).join('\n');

describe('postureWarnings', () => {
  it('is empty for a hardened task', () => {
    expect(postureWarnings(ctx())).toEqual([]);
  });

  it('flags privileged, root, writable root fs, capabilities, host modes, public IP and no task role', () => {
    const w = postureWarnings(
      ctx({
        task: { taskId: 't', publicIp: '203.0.113.9' },
        taskDefinition: { familyRevision: 'x:1', networkMode: 'host', pidMode: 'host' },
        containers: [
          { name: 'a', privileged: true, addedCapabilities: ['SYS_ADMIN', 'NET_ADMIN'] },
          { name: 'b', user: 'root', readonlyRootFilesystem: true },
          { name: 'c', user: '0:0', readonlyRootFilesystem: true },
          { name: 'd', user: 'app', readonlyRootFilesystem: true },
        ],
        guardDutyAgentPresent: false,
      }),
    );
    expect(w).toEqual([
      'container a runs privileged',
      'container a runs as root (no user set)',
      'container a has a writable root filesystem',
      'container a adds capabilities: SYS_ADMIN, NET_ADMIN',
      'container b runs as root',
      'container c runs as root',
      'task uses host network mode',
      'task shares the host PID namespace',
      'task has a public IP (203.0.113.9)',
      'task has no task role',
      'GuardDuty runtime agent sidecar not found in the task',
    ]);
  });
  it('expects no sidecar on EC2, where the agent runs on the host', () => {
    const w = postureWarnings(
      ctx({ task: { taskId: 't', launchType: 'EC2' }, guardDutyAgentPresent: false }),
    );
    expect(w).not.toContain('GuardDuty runtime agent sidecar not found in the task');
  });
});

describe('buildEcsContextBlocks', () => {
  it('shows service, task, task definition and container settings, names only for secrets', () => {
    const c = buildEcsContextBlocks(ctx());
    assertWithinBlockKitLimits(c.blocks, c.text);
    const text = textOf(c.blocks);
    for (const s of [
      '3/3 running',
      '`COMPLETED`',
      '`FARGATE 1.4.0`',
      '`webserver:5`',
      'web-task',
      '`10.0.1.23`',
      '`subnet-0abc`',
      '`sg-0abc`',
      '`DB_PASSWORD`',
      '`NODE_ENV`',
      'read-only root fs',
      'GuardDuty agent: sidecar present',
      'nothing risky found',
    ]) {
      expect(text).toContain(s);
    }
    expect(c.text).toContain('0 posture warnings');
  });

  it('the type cannot carry secret or environment values', () => {
    const smuggled = {
      name: 'web',
      secretNames: ['DB_PASSWORD'],
      secrets: [{ name: 'DB_PASSWORD', valueFrom: 'arn:secret' }],
    };
    // @ts-expect-error values are not part of the type (excess property in a literal)
    const typed: EcsContainerContext = { name: 'web', environment: [{ name: 'A', value: 'x' }] };
    const withValues = ctx({ containers: [smuggled, typed] });
    // Even if a caller smuggled extra keys in, the builder never reads them.
    expect(textOf(buildEcsContextBlocks(withValues).blocks)).not.toContain('arn:secret');
  });

  it('stays within limits for many containers with hostile names and huge lists', () => {
    const containers = Array.from({ length: 40 }, (_, i) => ({
      name: `${EVIL}${i}`,
      image: EVIL.repeat(20),
      user: EVIL,
      privileged: true,
      addedCapabilities: Array.from({ length: 40 }, (_, j) => `CAP_${j}`),
      secretNames: Array.from({ length: 200 }, (_, j) => `${EVIL}_SECRET_${j}`),
      environmentNames: Array.from({ length: 200 }, (_, j) => `ENV_${j}`),
    }));
    const c = buildEcsContextBlocks(ctx({ containers, cluster: EVIL }));
    assertWithinBlockKitLimits(c.blocks, c.text);
    const text = textOf(c.blocks).replace(
      /<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[0-9TZ:.-]+>/g,
      '',
    );
    expect(text).not.toContain('<');
    expect(text).toContain('30 more containers not shown');
    expect(text).toMatch(/…and \d+ more/);
  });
});
