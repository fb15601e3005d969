import { TagResourceCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  BadRequestException,
  CreateFilterCommand,
  DeleteFilterCommand,
  GetFilterCommand,
  ListCoverageCommand,
  ListFiltersCommand,
  paginateListFilters,
  UpdateDetectorCommand,
  UpdateFilterCommand,
} from '@aws-sdk/client-guardduty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCoverageHealth } from '../../../sandbox/aws/coverage-health.js';
import {
  type AwsEmulator,
  addFindingFor,
  addService,
  COVERAGE_ISSUES,
  detectorIdFor,
  type Estate,
  isSidecar,
  seedEstate,
  startAwsEmulator,
} from '../../../sandbox/aws/index.js';
import { sdkClients } from './clients.js';

const REGION = 'us-east-1';
let emu: AwsEmulator;
let estate: Estate;
let c: ReturnType<typeof sdkClients>;
let detectorId: string;

beforeAll(async () => {
  emu = await startAwsEmulator();
  estate = seedEstate(emu.state);
  c = sdkClients(emu, REGION);
  detectorId = detectorIdFor(emu.homeAccountId, REGION);
});
afterAll(async () => {
  c.destroy();
  await emu.close();
});

const webTask = () => {
  const t = estate.services.web?.tasks[0];
  if (!t) throw new Error('seed');
  return t;
};
const paymentsTask = () => {
  const t = estate.services.payments?.tasks[0];
  if (!t) throw new Error('seed');
  return t;
};

describe('GuardDuty filters as the service model says', () => {
  it('CreateFilter → GetFilter returns what was stored, with timestamps and version 1', async () => {
    const before = Date.now() / 1000;
    await c.gd.send(
      new CreateFilterCommand({
        DetectorId: detectorId,
        Name: 'ecs-guard.get-1',
        Description: 'Suppressed by U1 (expected scanner)',
        Action: 'ARCHIVE',
        Rank: 3,
        FindingCriteria: {
          Criterion: {
            type: { Equals: ['Execution:Runtime/NewBinaryExecuted'] },
            'resource.ecsClusterDetails.name': { Equals: ['prod-web'] },
            'service.runtimeDetails.process.executablePath': { Matches: ['/usr/bin/*'] },
          },
        },
        Tags: { 'ecs-guard': 'suppression' },
      }),
    );
    const f = await c.gd.send(
      new GetFilterCommand({ DetectorId: detectorId, FilterName: 'ecs-guard.get-1' }),
    );
    expect(f).toMatchObject({
      Name: 'ecs-guard.get-1',
      Description: 'Suppressed by U1 (expected scanner)',
      Action: 'ARCHIVE',
      Rank: 3,
      Version: 1,
      Tags: { 'ecs-guard': 'suppression' },
      FindingCriteria: {
        Criterion: {
          type: { Equals: ['Execution:Runtime/NewBinaryExecuted'] },
          'resource.ecsClusterDetails.name': { Equals: ['prod-web'] },
          'service.runtimeDetails.process.executablePath': { Matches: ['/usr/bin/*'] },
        },
      },
    });
    expect(f.CreatedAt).toBeInstanceOf(Date);
    expect((f.CreatedAt as Date).getTime() / 1000).toBeGreaterThanOrEqual(Math.floor(before));
    // The SDK parses createdAt only from epoch seconds (restJson1's default), so a Date proves the wire form.
  });

  it('the action defaults to NOOP; bad names, ranks, actions, descriptions and matches are refused', async () => {
    await c.gd.send(
      new CreateFilterCommand({
        DetectorId: detectorId,
        Name: 'noop-default',
        FindingCriteria: { Criterion: { severity: { Gte: 7 } } },
      }),
    );
    expect(
      (await c.gd.send(new GetFilterCommand({ DetectorId: detectorId, FilterName: 'noop-default' }))).Action,
    ).toBe('NOOP');
    const bad = [
      { Name: 'no', FindingCriteria: { Criterion: { severity: { Gte: 7 } } } },
      { Name: 'has space', FindingCriteria: { Criterion: { severity: { Gte: 7 } } } },
      { Name: 'x'.repeat(65), FindingCriteria: { Criterion: { severity: { Gte: 7 } } } },
      { Name: 'rank-0', Rank: 0, FindingCriteria: { Criterion: { severity: { Gte: 7 } } } },
      { Name: 'rank-101', Rank: 101, FindingCriteria: { Criterion: { severity: { Gte: 7 } } } },
      {
        Name: 'long-desc',
        Description: 'd'.repeat(513),
        FindingCriteria: { Criterion: { severity: { Gte: 7 } } },
      },
      { Name: 'bad-action', Action: 'DELETE', FindingCriteria: { Criterion: { severity: { Gte: 7 } } } },
      {
        Name: 'six-matches',
        FindingCriteria: { Criterion: { type: { Matches: ['a', 'b', 'c', 'd', 'e', 'f'] } } },
      },
      { Name: 'empty-cond', FindingCriteria: { Criterion: { type: {} } } },
    ];
    for (const input of bad) {
      await expect(
        c.gd.send(new CreateFilterCommand({ DetectorId: detectorId, ...input } as never)),
        input.Name,
      ).rejects.toBeInstanceOf(BadRequestException);
    }
  });

  it('CreateFilter with the same clientToken is idempotent; another token for the same name is refused', async () => {
    const input = {
      DetectorId: detectorId,
      Name: 'idem-1',
      Action: 'ARCHIVE' as const,
      ClientToken: 'tok-idem-1',
      FindingCriteria: { Criterion: { type: { Equals: ['Discovery:Runtime/SuspiciousCommand'] } } },
    };
    expect((await c.gd.send(new CreateFilterCommand(input))).Name).toBe('idem-1');
    expect((await c.gd.send(new CreateFilterCommand(input))).Name).toBe('idem-1');
    await expect(
      c.gd.send(new CreateFilterCommand({ ...input, ClientToken: 'tok-other' })),
    ).rejects.toBeInstanceOf(BadRequestException);
    await c.gd.send(new DeleteFilterCommand({ DetectorId: detectorId, FilterName: 'idem-1' }));
  });

  it('UpdateFilter changes what it is given and raises the version; ListFilters pages by rank', async () => {
    await c.gd.send(
      new UpdateFilterCommand({
        DetectorId: detectorId,
        FilterName: 'noop-default',
        Action: 'ARCHIVE',
        Rank: 1,
        Description: 'now archiving',
      }),
    );
    const f = await c.gd.send(new GetFilterCommand({ DetectorId: detectorId, FilterName: 'noop-default' }));
    expect(f).toMatchObject({ Action: 'ARCHIVE', Rank: 1, Description: 'now archiving', Version: 2 });
    expect(f.FindingCriteria?.Criterion).toEqual({ severity: { Gte: 7 } });
    await expect(
      c.gd.send(new UpdateFilterCommand({ DetectorId: detectorId, FilterName: 'missing', Action: 'NOOP' })),
    ).rejects.toBeInstanceOf(BadRequestException);

    const first = await c.gd.send(new ListFiltersCommand({ DetectorId: detectorId, MaxResults: 1 }));
    expect(first.FilterNames).toEqual(['noop-default']);
    expect(first.NextToken).toBeTruthy();
    const all: string[] = [];
    for await (const p of paginateListFilters({ client: c.gd, pageSize: 1 }, { DetectorId: detectorId }))
      all.push(...(p.FilterNames ?? []));
    expect(all).toEqual(['noop-default', 'ecs-guard.get-1']);
    await c.gd.send(new DeleteFilterCommand({ DetectorId: detectorId, FilterName: 'noop-default' }));
  });

  it("an ARCHIVE filter in the administrator account archives members' new findings and new occurrences, not old ones", async () => {
    const old = addFindingFor(emu.state, { type: 'Execution:Runtime/SuspiciousTool', task: paymentsTask() });
    await c.gd.send(
      new CreateFilterCommand({
        DetectorId: detectorId,
        Name: 'suppress-tool-payments',
        Action: 'ARCHIVE',
        FindingCriteria: {
          Criterion: {
            type: { Equals: ['Execution:Runtime/SuspiciousTool'] },
            'resource.ecsClusterDetails.name': { Equals: ['payments'] },
          },
        },
      }),
    );
    expect(old.service.archived).toBe(false);
    const fresh = addFindingFor(emu.state, {
      type: 'Execution:Runtime/SuspiciousTool',
      task: paymentsTask(),
    });
    const otherCluster = addFindingFor(emu.state, {
      type: 'Execution:Runtime/SuspiciousTool',
      task: webTask(),
    });
    expect(fresh.service.archived).toBe(true);
    expect(otherCluster.service.archived).toBe(false);
    emu.state.updateFinding(old.id);
    expect(old.service.archived).toBe(true);
    await c.gd.send(
      new DeleteFilterCommand({ DetectorId: detectorId, FilterName: 'suppress-tool-payments' }),
    );
    expect(
      addFindingFor(emu.state, { type: 'Execution:Runtime/SuspiciousTool', task: paymentsTask() }).service
        .archived,
    ).toBe(false);
  });
});

describe('coverage whose health changes', () => {
  const coverageOf = async (cluster: string) =>
    (
      await c.gd.send(
        new ListCoverageCommand({
          DetectorId: detectorId,
          FilterCriteria: {
            FilterCriterion: [{ CriterionKey: 'ECS_CLUSTER_NAME', FilterCondition: { Equals: [cluster] } }],
          },
        }),
      )
    ).Resources?.[0];

  it('a cluster breaks (UNHEALTHY with its issue) and heals, and ListCoverage shows it', async () => {
    const t0 = (await coverageOf('prod-web'))?.UpdatedAt?.getTime() ?? 0;
    setCoverageHealth(emu.state, {
      accountId: emu.homeAccountId,
      region: REGION,
      cluster: 'prod-web',
      issue: COVERAGE_ISSUES.agentExited(),
    });
    const broken = await coverageOf('prod-web');
    expect(broken?.CoverageStatus).toBe('UNHEALTHY');
    expect(broken?.Issue).toBe('Agent exited');
    expect(broken?.ResourceDetails?.EcsClusterDetails?.FargateDetails?.Issues?.[0]).toMatch(
      /CannotPullContainerError/,
    );
    expect(broken?.UpdatedAt?.getTime() ?? 0).toBeGreaterThanOrEqual(t0);
    setCoverageHealth(emu.state, { accountId: emu.homeAccountId, region: REGION, cluster: 'prod-web' });
    const healed = await coverageOf('prod-web');
    expect(healed?.CoverageStatus).toBe('HEALTHY');
    expect(healed?.Issue).toBeUndefined();
    expect(healed?.ResourceDetails?.EcsClusterDetails?.FargateDetails?.Issues).toEqual([]);
  });

  it('turning monitoring on leaves running Fargate tasks without the agent: UNHEALTHY naming them, until a redeploy', async () => {
    // A cluster whose tasks started while monitoring was excluded by tag.
    emu.state.addCluster(emu.homeAccountId, REGION, 'late-cluster', {
      tags: [{ key: 'GuardDutyManaged', value: 'false' }],
    });
    const seeded = addService(emu.state, {
      accountId: emu.homeAccountId,
      region: REGION,
      cluster: 'late-cluster',
      service: 'late',
      image: `${emu.homeAccountId}.dkr.ecr.${REGION}.amazonaws.com/late:1`,
      taskCount: 2,
      sidecar: false,
    });
    setCoverageHealth(emu.state, { accountId: emu.homeAccountId, region: REGION, cluster: 'late-cluster' });
    await c.ecs.send(
      new TagResourceCommand({
        resourceArn: seeded.cluster.clusterArn,
        tags: [{ key: 'GuardDutyManaged', value: 'true' }],
      }),
    );
    const cov = await coverageOf('late-cluster');
    expect(cov?.CoverageStatus).toBe('UNHEALTHY');
    expect(cov?.Issue).toBe('Agent not provisioned');
    const ids = seeded.tasks.map((t) => t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1));
    for (const id of ids)
      expect(cov?.ResourceDetails?.EcsClusterDetails?.FargateDetails?.Issues?.[0]).toContain(id);

    await c.ecs.send(
      new UpdateServiceCommand({ cluster: 'late-cluster', service: 'late', forceNewDeployment: true }),
    );
    expect((await coverageOf('late-cluster'))?.CoverageStatus).toBe('HEALTHY');
    const running = [...emu.state.store(emu.homeAccountId, REGION).tasks.values()].filter(
      (t) => t.clusterArn === seeded.cluster.clusterArn && t.lastStatus === 'RUNNING',
    );
    expect(running).toHaveLength(2);
    for (const t of running) expect(t.containers.some((x) => isSidecar(x.name))).toBe(true);
  });

  it('enabling automated agent configuration marks clusters with agent-less running tasks UNHEALTHY', async () => {
    const member = estate.memberAccountId;
    // The member's detector: automated Fargate agent off, a service running without the agent.
    const d = emu.state.store(member, REGION).detector;
    const rm = d?.features.find((f) => f.name === 'RUNTIME_MONITORING');
    const fg = rm?.additionalConfiguration?.find((a) => a.name === 'ECS_FARGATE_AGENT_MANAGEMENT');
    if (!fg) throw new Error('seed');
    fg.status = 'DISABLED';
    addService(emu.state, {
      accountId: member,
      region: REGION,
      cluster: 'payments',
      service: 'ledger',
      image: `${member}.dkr.ecr.${REGION}.amazonaws.com/ledger:1`,
      taskCount: 1,
      sidecar: false,
    });
    const memberClients = sdkClients(emu, REGION, emu.state.addAccessKey(member));
    try {
      await memberClients.gd.send(
        new UpdateDetectorCommand({
          DetectorId: detectorIdFor(member, REGION),
          Features: [
            {
              Name: 'RUNTIME_MONITORING',
              Status: 'ENABLED',
              AdditionalConfiguration: [{ Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'ENABLED' }],
            },
          ],
        }),
      );
    } finally {
      memberClients.destroy();
    }
    const cov = emu.state.store(member, REGION).coverage.get('payments');
    expect(cov?.coverageStatus).toBe('UNHEALTHY');
    expect(cov?.resourceDetails.ecsClusterDetails?.fargateDetails?.issues[0]).toMatch(/require a relaunch/);
  });
});
