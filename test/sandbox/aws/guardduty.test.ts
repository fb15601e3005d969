import {
  ArchiveFindingsCommand,
  BadRequestException,
  CreateFilterCommand,
  CreateSampleFindingsCommand,
  DeleteFilterCommand,
  GetCoverageStatisticsCommand,
  GetDetectorCommand,
  GetFindingsCommand,
  ListCoverageCommand,
  ListDetectorsCommand,
  ListFiltersCommand,
  ListFindingsCommand,
  ListMembersCommand,
  paginateListCoverage,
  paginateListDetectors,
  paginateListFindings,
  UnarchiveFindingsCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  addFindingFor,
  detectorIdFor,
  type Estate,
  seedEstate,
  startAwsEmulator,
} from '../../../sandbox/aws/index.js';
import { sdkClients } from './clients.js';

const REGION = 'us-east-1';
let emu: AwsEmulator;
let estate: Estate;
let c: ReturnType<typeof sdkClients>;
let detectorId: string;

async function memberClients() {
  const r = await c.sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${estate.memberAccountId}:role/${estate.roleName}`,
      RoleSessionName: 'ecs-guard',
      ExternalId: estate.externalId,
      SourceIdentity: 'ecs-guard',
    }),
  );
  const cr = r.Credentials;
  if (!cr?.AccessKeyId || !cr.SecretAccessKey || !cr.SessionToken) throw new Error('no credentials');
  return sdkClients(emu, REGION, {
    accessKeyId: cr.AccessKeyId,
    secretAccessKey: cr.SecretAccessKey,
    sessionToken: cr.SessionToken,
  });
}

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

beforeEach(() => {
  for (const f of emu.state.allFindings()) emu.state.removeFinding(f.id);
  emu.clearCalls();
});

const web = () => estate.services.web?.tasks ?? [];

describe('detectors', () => {
  it('lists the detector of the calling account and region (query params, paginator)', async () => {
    const r = await c.gd.send(new ListDetectorsCommand({ MaxResults: 5 }));
    expect(r.DetectorIds).toEqual([detectorId]);
    const ids: string[] = [];
    for await (const p of paginateListDetectors({ client: c.gd }, {})) ids.push(...(p.DetectorIds ?? []));
    expect(ids).toEqual([detectorId]);
    const eu = sdkClients(emu, 'eu-west-1');
    expect((await eu.gd.send(new ListDetectorsCommand({}))).DetectorIds).toEqual([
      detectorIdFor(emu.homeAccountId, 'eu-west-1'),
    ]);
    eu.destroy();
    const call = emu.calls({ operation: 'ListDetectors' })[0];
    expect(call).toMatchObject({
      service: 'guardduty',
      accountId: emu.homeAccountId,
      region: REGION,
      input: { maxResults: '5' },
    });
  });

  it('GetDetector returns Runtime Monitoring with the Fargate agent configuration, timestamps as the SDK expects', async () => {
    const d = await c.gd.send(new GetDetectorCommand({ DetectorId: detectorId }));
    expect(d.Status).toBe('ENABLED');
    expect(typeof d.CreatedAt).toBe('string');
    const rm = d.Features?.find((f) => f.Name === 'RUNTIME_MONITORING');
    expect(rm?.Status).toBe('ENABLED');
    expect(rm?.UpdatedAt).toBeInstanceOf(Date);
    const fg = rm?.AdditionalConfiguration?.find((a) => a.Name === 'ECS_FARGATE_AGENT_MANAGEMENT');
    expect(fg?.Status).toBe('ENABLED');
    expect(fg?.UpdatedAt).toBeInstanceOf(Date);
  });

  it('UpdateDetector changes features; both runtime features at once is a BadRequestException', async () => {
    await c.gd.send(
      new UpdateDetectorCommand({
        DetectorId: detectorId,
        FindingPublishingFrequency: 'FIFTEEN_MINUTES',
        Features: [
          {
            Name: 'RUNTIME_MONITORING',
            Status: 'ENABLED',
            AdditionalConfiguration: [{ Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'DISABLED' }],
          },
        ],
      }),
    );
    let d = await c.gd.send(new GetDetectorCommand({ DetectorId: detectorId }));
    expect(d.FindingPublishingFrequency).toBe('FIFTEEN_MINUTES');
    const cfg = () =>
      d.Features?.find((f) => f.Name === 'RUNTIME_MONITORING')?.AdditionalConfiguration?.find(
        (a) => a.Name === 'ECS_FARGATE_AGENT_MANAGEMENT',
      );
    expect(cfg()?.Status).toBe('DISABLED');
    await c.gd.send(
      new UpdateDetectorCommand({
        DetectorId: detectorId,
        Features: [
          {
            Name: 'RUNTIME_MONITORING',
            AdditionalConfiguration: [{ Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'ENABLED' }],
          },
        ],
      }),
    );
    d = await c.gd.send(new GetDetectorCommand({ DetectorId: detectorId }));
    expect(cfg()?.Status).toBe('ENABLED');
    await expect(
      c.gd.send(
        new UpdateDetectorCommand({
          DetectorId: detectorId,
          Features: [
            { Name: 'RUNTIME_MONITORING', Status: 'ENABLED' },
            { Name: 'EKS_RUNTIME_MONITORING', Status: 'ENABLED' },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
  });

  it('a detector id of another account is rejected as GuardDuty does', async () => {
    const err = await c.gd
      .send(new GetDetectorCommand({ DetectorId: detectorIdFor(estate.memberAccountId, REGION) }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestException);
    expect((err as BadRequestException).message).toMatch(/not owned by the current account/);
    expect((err as BadRequestException).$metadata.httpStatusCode).toBe(400);
    expect((err as { __type?: string }).__type).toBe('InvalidInputException');
  });
});

describe('findings', () => {
  it('GetFindings returns the wire finding deserialised: Dates, ISO strings, sidecar container', async () => {
    const task = web()[0];
    if (!task) throw new Error('seed');
    const f = addFindingFor(emu.state, { type: 'Execution:Runtime/ReverseShell', task, count: 3 });
    const r = await c.gd.send(
      new GetFindingsCommand({ DetectorId: detectorId, FindingIds: [f.id, 'does-not-exist'] }),
    );
    expect(r.Findings).toHaveLength(1);
    const got = r.Findings?.[0];
    expect(got?.Id).toBe(f.id);
    expect(got?.Type).toBe('Execution:Runtime/ReverseShell');
    expect(got?.Severity).toBe(8);
    expect(typeof got?.CreatedAt).toBe('string');
    expect(got?.Service?.Count).toBe(3);
    expect(got?.Service?.FeatureName).toBe('RuntimeMonitoring');
    expect(typeof got?.Service?.EventFirstSeen).toBe('string');
    const td = got?.Resource?.EcsClusterDetails?.TaskDetails;
    expect(got?.Resource?.ResourceType).toBe('ECSCluster');
    expect(got?.Resource?.EcsClusterDetails?.Name).toBe('prod-web');
    expect(td?.Arn).toBe(task.taskArn);
    expect(td?.TaskCreatedAt).toBeInstanceOf(Date);
    expect(td?.StartedAt).toBeInstanceOf(Date);
    expect(td?.Containers?.some((x) => x.Name?.startsWith('aws-guardduty-agent-'))).toBe(true);
    expect(td?.Containers?.some((x) => x.Image?.includes('/web:1.4.2'))).toBe(true);
    const proc = got?.Service?.RuntimeDetails?.Process;
    expect(proc?.StartTime).toBeInstanceOf(Date);
    expect(proc?.Lineage?.length).toBeGreaterThan(0);
    expect(proc?.Lineage?.[0]?.StartTime).toBeInstanceOf(Date);
    expect(got?.Service?.Action?.NetworkConnectionAction?.RemotePortDetails?.Port).toBe(4444);
  });

  it('GetFindings with more than 50 ids is a BadRequestException', async () => {
    const ids = Array.from({ length: 51 }, (_, i) => `id${i}`);
    await expect(
      c.gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: ids })),
    ).rejects.toBeInstanceOf(BadRequestException);
  });

  it('ListFindings filters on type, severity, updatedAt, account, region, resource type, archived, feature, cluster', async () => {
    const [t1, t2] = web();
    const pay = estate.services.payments?.tasks[0];
    if (!t1 || !t2 || !pay) throw new Error('seed');
    const now = emu.state.now();
    const a = addFindingFor(emu.state, {
      type: 'Execution:Runtime/ReverseShell',
      task: t1,
      at: now - 60_000,
    });
    const b = addFindingFor(emu.state, {
      type: 'Execution:Runtime/NewBinaryExecuted',
      task: t2,
      at: now - 3_600_000,
    });
    const m = addFindingFor(emu.state, { type: 'Impact:Runtime/CryptoMinerExecuted', task: pay, at: now });
    const lo = addFindingFor(emu.state, {
      type: 'Discovery:Runtime/SuspiciousCommand',
      task: t1,
      at: now,
      archived: true,
    });
    const ids = async (criterion: Record<string, object>) =>
      (
        await c.gd.send(
          new ListFindingsCommand({ DetectorId: detectorId, FindingCriteria: { Criterion: criterion } }),
        )
      ).FindingIds?.sort();
    const sorted = (...x: string[]) => x.sort();
    expect(await ids({})).toEqual(sorted(a.id, b.id, m.id, lo.id));
    expect(await ids({ type: { Equals: ['Execution:Runtime/ReverseShell'] } })).toEqual([a.id]);
    expect(await ids({ severity: { GreaterThanOrEqual: 7 } })).toEqual(sorted(a.id, m.id));
    expect(await ids({ severity: { Gte: 4, Lt: 7 } })).toEqual([b.id]);
    expect(await ids({ severity: { Eq: ['1', '2', '3'] } })).toEqual([lo.id]);
    expect(await ids({ updatedAt: { GreaterThan: now - 120_000 } })).toEqual(sorted(a.id, m.id, lo.id));
    expect(await ids({ updatedAt: { LessThanOrEqual: now - 3_600_000 } })).toEqual([b.id]);
    expect(await ids({ accountId: { Equals: [estate.memberAccountId] } })).toEqual([m.id]);
    expect(await ids({ accountId: { NotEquals: [estate.memberAccountId] } })).toEqual(
      sorted(a.id, b.id, lo.id),
    );
    expect(await ids({ region: { Equals: ['eu-west-1'] } })).toEqual([]);
    expect(
      await ids({
        'resource.resourceType': { Equals: ['ECSCluster'] },
        'service.featureName': { Equals: ['RuntimeMonitoring'] },
      }),
    ).toHaveLength(4);
    expect(await ids({ 'service.archived': { Equals: ['false'] } })).toEqual(sorted(a.id, b.id, m.id));
    expect(await ids({ 'service.archived': { Equals: ['true'] } })).toEqual([lo.id]);
    expect(await ids({ 'resource.ecsClusterDetails.name': { Equals: ['payments'] } })).toEqual([m.id]);
    expect(await ids({ 'resource.ecsClusterDetails.taskDetails.arn': { Equals: [t2.taskArn] } })).toEqual([
      b.id,
    ]);
    const call = emu.calls({ operation: 'ListFindings' }).at(-1);
    expect(call?.input).toMatchObject({
      findingCriteria: {
        criterion: { 'resource.ecsClusterDetails.taskDetails.arn': { equals: [t2.taskArn] } },
      },
    });
  });

  it('ListFindings sorts, rejects MaxResults over 50, and pages with paginateListFindings', async () => {
    const task = web()[0];
    if (!task) throw new Error('seed');
    const made = Array.from({ length: 23 }, (_, i) =>
      addFindingFor(emu.state, {
        type: 'Execution:Runtime/NewBinaryExecuted',
        task,
        severity: 1 + (i % 9),
        at: emu.state.now() - i * 1000,
      }),
    );
    await expect(
      c.gd.send(new ListFindingsCommand({ DetectorId: detectorId, MaxResults: 51 })),
    ).rejects.toBeInstanceOf(BadRequestException);
    const first = await c.gd.send(
      new ListFindingsCommand({
        DetectorId: detectorId,
        MaxResults: 5,
        SortCriteria: { AttributeName: 'severity', OrderBy: 'DESC' },
      }),
    );
    const sevs = first.FindingIds?.map((id) => emu.state.getFinding(id)?.severity);
    expect(sevs).toEqual([9, 9, 8, 8, 7]);
    expect(first.NextToken).toBeTruthy();
    const pages: string[][] = [];
    for await (const p of paginateListFindings(
      { client: c.gd, pageSize: 7 },
      { DetectorId: detectorId, SortCriteria: { AttributeName: 'updatedAt', OrderBy: 'ASC' } },
    ))
      pages.push(p.FindingIds ?? []);
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 2]);
    expect(pages.flat()).toEqual([...made].reverse().map((f) => f.id));
    await expect(
      c.gd.send(new ListFindingsCommand({ DetectorId: detectorId, NextToken: 'bogus' })),
    ).rejects.toBeInstanceOf(BadRequestException);
  });

  it('continuation pages reuse the first page’s result until a finding changes', async () => {
    const task = web()[0];
    if (!task) throw new Error('seed');
    const at = emu.state.now() - 100_000;
    const made = Array.from({ length: 6 }, (_, i) =>
      addFindingFor(emu.state, { type: 'Execution:Runtime/NewBinaryExecuted', task, at: at + i * 1000 }),
    );
    const list = (NextToken?: string) =>
      c.gd.send(
        new ListFindingsCommand({
          DetectorId: detectorId,
          MaxResults: 3,
          SortCriteria: { AttributeName: 'updatedAt', OrderBy: 'ASC' },
          ...(NextToken ? { NextToken } : {}),
        }),
      );
    const first = await list();
    expect(first.FindingIds).toEqual(made.slice(0, 3).map((f) => f.id));
    // A change through the emulator (here: GuardDuty seeing the first finding again) is visible
    // to the next page: the result is read afresh, as a store without snapshots would.
    emu.state.updateFinding(made[0]!.id, { at: emu.state.now() });
    const second = await list(first.NextToken);
    expect(second.FindingIds).toEqual([made[4]!.id, made[5]!.id, made[0]!.id]);
    // Unchanged: the same continuation answers the same page from the kept result.
    expect((await list(first.NextToken)).FindingIds).toEqual(second.FindingIds);
  });

  it('handles 10,000 findings', async () => {
    const task = web()[0];
    if (!task) throw new Error('seed');
    for (let i = 0; i < 10_000; i++)
      addFindingFor(emu.state, {
        type: i % 10 === 0 ? 'Execution:Runtime/ReverseShell' : 'Execution:Runtime/NewBinaryExecuted',
        task,
      });
    let n = 0;
    for await (const p of paginateListFindings(
      { client: c.gd, pageSize: 50 },
      {
        DetectorId: detectorId,
        FindingCriteria: { Criterion: { type: { Equals: ['Execution:Runtime/ReverseShell'] } } },
      },
    ))
      n += p.FindingIds?.length ?? 0;
    expect(n).toBe(1000);
  });

  it('archives and unarchives; a member account may not archive', async () => {
    const task = web()[0];
    if (!task) throw new Error('seed');
    const f = addFindingFor(emu.state, { type: 'Execution:Runtime/ReverseShell', task });
    await c.gd.send(new ArchiveFindingsCommand({ DetectorId: detectorId, FindingIds: [f.id] }));
    expect(emu.state.getFinding(f.id)?.service.archived).toBe(true);
    const r = await c.gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: [f.id] }));
    expect(r.Findings?.[0]?.Service?.Archived).toBe(true);
    await c.gd.send(new UnarchiveFindingsCommand({ DetectorId: detectorId, FindingIds: [f.id] }));
    expect(emu.state.getFinding(f.id)?.service.archived).toBe(false);

    const member = await memberClients();
    const memberDetector = detectorIdFor(estate.memberAccountId, REGION);
    await expect(
      member.gd.send(new ArchiveFindingsCommand({ DetectorId: memberDetector, FindingIds: [f.id] })),
    ).rejects.toBeInstanceOf(BadRequestException);
    member.destroy();
  });

  it('the administrator sees member findings; a member sees only its own', async () => {
    const own = web()[0];
    const pay = estate.services.payments?.tasks[0];
    if (!own || !pay) throw new Error('seed');
    const a = addFindingFor(emu.state, { type: 'Execution:Runtime/ReverseShell', task: own });
    const m = addFindingFor(emu.state, { type: 'Execution:Runtime/ReverseShell', task: pay });
    const member = await memberClients();
    const memberDetector = detectorIdFor(estate.memberAccountId, REGION);
    const r = await member.gd.send(new ListFindingsCommand({ DetectorId: memberDetector }));
    expect(r.FindingIds).toEqual([m.id]);
    const g = await member.gd.send(
      new GetFindingsCommand({ DetectorId: memberDetector, FindingIds: [a.id, m.id] }),
    );
    expect(g.Findings?.map((f) => f.Id)).toEqual([m.id]);
    expect(emu.calls({ operation: 'ListFindings', accountId: estate.memberAccountId })).toHaveLength(1);
    member.destroy();
  });

  it('CreateSampleFindings makes samples of the requested types on a task of the account', async () => {
    await c.gd.send(
      new CreateSampleFindingsCommand({
        DetectorId: detectorId,
        FindingTypes: ['Execution:Runtime/ReverseShell', 'Impact:Runtime/CryptoMinerExecuted'],
      }),
    );
    const ids = (await c.gd.send(new ListFindingsCommand({ DetectorId: detectorId }))).FindingIds ?? [];
    expect(ids).toHaveLength(2);
    const r = await c.gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: ids }));
    expect(r.Findings?.map((f) => f.Type).sort()).toEqual([
      'Execution:Runtime/ReverseShell',
      'Impact:Runtime/CryptoMinerExecuted',
    ]);
    for (const f of r.Findings ?? []) {
      expect(JSON.parse(f.Service?.AdditionalInfo?.Value ?? '{}').sample).toBe(true);
      expect(f.AccountId).toBe(emu.homeAccountId);
      const taskArn = f.Resource?.EcsClusterDetails?.TaskDetails?.Arn ?? '';
      expect(emu.state.findTask(taskArn, emu.homeAccountId, REGION)).toBeDefined();
    }
  });
});

describe('coverage', () => {
  it('ListCoverage filters by cluster name, status, resource type, account and management type', async () => {
    const names = async (
      criteria: { CriterionKey: string; FilterCondition: { Equals?: string[]; NotEquals?: string[] } }[],
    ) =>
      (
        await c.gd.send(
          new ListCoverageCommand({
            DetectorId: detectorId,
            FilterCriteria: { FilterCriterion: criteria as never },
          }),
        )
      ).Resources?.map((r) => r.ResourceDetails?.EcsClusterDetails?.ClusterName).sort();
    expect(await names([])).toEqual(['batch-jobs', 'legacy-ec2', 'payments', 'prod-web']);
    expect(
      await names([{ CriterionKey: 'ECS_CLUSTER_NAME', FilterCondition: { Equals: ['prod-web'] } }]),
    ).toEqual(['prod-web']);
    expect(
      await names([{ CriterionKey: 'COVERAGE_STATUS', FilterCondition: { Equals: ['UNHEALTHY'] } }]),
    ).toEqual(['batch-jobs']);
    expect(await names([{ CriterionKey: 'RESOURCE_TYPE', FilterCondition: { Equals: ['EKS'] } }])).toEqual(
      [],
    );
    expect(
      await names([{ CriterionKey: 'ACCOUNT_ID', FilterCondition: { Equals: [estate.memberAccountId] } }]),
    ).toEqual(['payments']);
    expect(
      await names([{ CriterionKey: 'MANAGEMENT_TYPE', FilterCondition: { NotEquals: ['AUTO_MANAGED'] } }]),
    ).toEqual(['legacy-ec2']);
    const r = await c.gd.send(
      new ListCoverageCommand({
        DetectorId: detectorId,
        FilterCriteria: {
          FilterCriterion: [
            { CriterionKey: 'ECS_CLUSTER_NAME', FilterCondition: { Equals: ['batch-jobs'] } },
          ],
        },
      }),
    );
    const res = r.Resources?.[0];
    expect(res?.CoverageStatus).toBe('UNHEALTHY');
    expect(res?.Issue).toBe('Agent not provisioned');
    expect(res?.UpdatedAt).toBeInstanceOf(Date);
    expect(res?.ResourceDetails?.ResourceType).toBe('ECS');
    expect(res?.ResourceDetails?.EcsClusterDetails?.FargateDetails?.Issues?.[0]).toMatch(
      /^Tasks started before enabling Runtime Monitoring require a relaunch/,
    );
  });

  it('ListCoverage sorts and pages with paginateListCoverage', async () => {
    const names: string[] = [];
    for await (const p of paginateListCoverage(
      { client: c.gd, pageSize: 3 },
      { DetectorId: detectorId, SortCriteria: { AttributeName: 'ECS_CLUSTER_NAME', OrderBy: 'DESC' } },
    ))
      names.push(...(p.Resources ?? []).map((r) => r.ResourceDetails?.EcsClusterDetails?.ClusterName ?? ''));
    expect(names).toEqual(['prod-web', 'payments', 'legacy-ec2', 'batch-jobs']);
    await expect(
      c.gd.send(new ListCoverageCommand({ DetectorId: detectorId, MaxResults: 100 })),
    ).rejects.toBeInstanceOf(BadRequestException);
  });

  it('GetCoverageStatistics counts by status and resource type', async () => {
    const r = await c.gd.send(
      new GetCoverageStatisticsCommand({
        DetectorId: detectorId,
        StatisticsType: ['COUNT_BY_COVERAGE_STATUS', 'COUNT_BY_RESOURCE_TYPE'],
      }),
    );
    expect(r.CoverageStatistics?.CountByCoverageStatus).toEqual({ HEALTHY: 3, UNHEALTHY: 1 });
    expect(r.CoverageStatistics?.CountByResourceType).toEqual({ ECS: 4 });
    const own = await c.gd.send(
      new GetCoverageStatisticsCommand({
        DetectorId: detectorId,
        StatisticsType: ['COUNT_BY_COVERAGE_STATUS'],
        FilterCriteria: {
          FilterCriterion: [
            { CriterionKey: 'ACCOUNT_ID', FilterCondition: { Equals: [estate.memberAccountId] } },
          ],
        },
      }),
    );
    expect(own.CoverageStatistics?.CountByCoverageStatus).toEqual({ HEALTHY: 1 });
  });
});

describe('filters', () => {
  it('creates, lists and deletes filters; ARCHIVE filters suppress new findings', async () => {
    const r = await c.gd.send(
      new CreateFilterCommand({
        DetectorId: detectorId,
        Name: 'suppress-discovery',
        Action: 'ARCHIVE',
        Rank: 1,
        FindingCriteria: { Criterion: { type: { Equals: ['Discovery:Runtime/SuspiciousCommand'] } } },
      }),
    );
    expect(r.Name).toBe('suppress-discovery');
    const call = emu.calls({ operation: 'CreateFilter' })[0];
    expect(typeof call?.input.clientToken).toBe('string');
    await expect(
      c.gd.send(
        new CreateFilterCommand({
          DetectorId: detectorId,
          Name: 'suppress-discovery',
          FindingCriteria: { Criterion: { severity: { Gte: 1 } } },
        }),
      ),
    ).rejects.toBeInstanceOf(BadRequestException);
    expect((await c.gd.send(new ListFiltersCommand({ DetectorId: detectorId }))).FilterNames).toEqual([
      'suppress-discovery',
    ]);

    const task = web()[0];
    if (!task) throw new Error('seed');
    const suppressed = addFindingFor(emu.state, { type: 'Discovery:Runtime/SuspiciousCommand', task });
    const kept = addFindingFor(emu.state, { type: 'Execution:Runtime/ReverseShell', task });
    expect(suppressed.service.archived).toBe(true);
    expect(kept.service.archived).toBe(false);

    await c.gd.send(new DeleteFilterCommand({ DetectorId: detectorId, FilterName: 'suppress-discovery' }));
    expect((await c.gd.send(new ListFiltersCommand({ DetectorId: detectorId }))).FilterNames).toEqual([]);
    await expect(
      c.gd.send(new DeleteFilterCommand({ DetectorId: detectorId, FilterName: 'suppress-discovery' })),
    ).rejects.toBeInstanceOf(BadRequestException);
  });
});

describe('authentication', () => {
  it('an unknown access key gets UnrecognizedClientException', async () => {
    const bad = sdkClients(emu, REGION, { accessKeyId: 'AKIANOTKNOWN0000000', secretAccessKey: 'x' });
    const err = await bad.gd.send(new ListDetectorsCommand({})).catch((e: unknown) => e);
    expect((err as Error).name).toBe('UnrecognizedClientException');
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
    expect(emu.calls({ accessKeyId: 'AKIANOTKNOWN0000000' })[0]).toMatchObject({
      status: 403,
      errorCode: 'UnrecognizedClientException',
      accountId: undefined,
    });
    bad.destroy();
  });
});

describe('ListMembers', () => {
  it("lists the administrator's associated members with their detectors, paged; a member sees none", async () => {
    const res = await c.gd.send(new ListMembersCommand({ DetectorId: detectorId, OnlyAssociated: 'true' }));
    expect(res.Members?.map((m) => m.AccountId)).toEqual([estate.memberAccountId]);
    expect(res.Members?.[0]).toMatchObject({
      DetectorId: detectorIdFor(estate.memberAccountId, REGION),
      MasterId: emu.homeAccountId,
      RelationshipStatus: 'Enabled',
    });
    await expect(c.gd.send(new ListMembersCommand({ DetectorId: 'nope' }))).rejects.toBeInstanceOf(
      BadRequestException,
    );
    const m = await memberClients();
    const own = await m.gd.send(new ListDetectorsCommand({}));
    const mine = await m.gd.send(new ListMembersCommand({ DetectorId: own.DetectorIds?.[0] as string }));
    expect(mine.Members).toEqual([]);
    m.destroy();
  });
});
