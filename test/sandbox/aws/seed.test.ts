import { GetFindingsCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  addFindingFor,
  detectorIdFor,
  type Estate,
  isSidecar,
  makeFinding,
  RUNTIME_FINDING_TYPES,
  seedEstate,
  startAwsEmulator,
} from '../../../sandbox/aws/index.js';
import { sdkClients } from './clients.js';

const REGION = 'us-east-1';
let emu: AwsEmulator;
let estate: Estate;
let c: ReturnType<typeof sdkClients>;

beforeAll(async () => {
  emu = await startAwsEmulator();
  estate = seedEstate(emu.state);
  c = sdkClients(emu, REGION);
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

describe('seed estate', () => {
  it('Fargate tasks carry the GuardDuty sidecar; tasks started before enablement do not', () => {
    expect(webTask().containers.filter((x) => isSidecar(x.name))).toHaveLength(1);
    expect(webTask().containers.find((x) => isSidecar(x.name))?.image).toMatch(
      /aws-guardduty-agent-fargate:v[\d.]+-Fg_x86_64$/,
    );
    expect(estate.services.worker?.tasks[0]?.containers.some((x) => isSidecar(x.name))).toBe(false);
  });
});

describe('makeFinding', () => {
  it('builds the wire shape of the synthetic fixture', () => {
    const f = makeFinding({
      type: 'Execution:Runtime/NewBinaryExecuted',
      task: webTask(),
      at: Date.parse('2025-02-03T20:41:12.345Z'),
    });
    expect(f).toMatchObject({
      schemaVersion: '2.0',
      accountId: emu.homeAccountId,
      region: REGION,
      type: 'Execution:Runtime/NewBinaryExecuted',
      severity: 5,
      createdAt: '2025-02-03T20:41:12.345Z',
      updatedAt: '2025-02-03T20:41:12.345Z',
      resource: {
        resourceType: 'ECSCluster',
        ecsClusterDetails: {
          name: 'prod-web',
          taskDetails: { arn: webTask().taskArn, group: 'service:web' },
        },
      },
      service: {
        featureName: 'RuntimeMonitoring',
        serviceName: 'guardduty',
        archived: false,
        count: 1,
        detectorId: detectorIdFor(emu.homeAccountId, REGION),
      },
    });
    expect(f.arn).toBe(
      `arn:aws:guardduty:${REGION}:${emu.homeAccountId}:detector/${detectorIdFor(emu.homeAccountId, REGION)}/finding/${f.id}`,
    );
    expect(JSON.parse((f.service.additionalInfo as { value: string }).value).sample).toBeUndefined();
  });

  it('every runtime type round-trips through GetFindings with a context that fits the type', async () => {
    const made = RUNTIME_FINDING_TYPES.map((t) =>
      addFindingFor(emu.state, { type: t.type, task: webTask() }),
    );
    const detectorId = detectorIdFor(emu.homeAccountId, REGION);
    const got = [];
    for (let i = 0; i < made.length; i += 50) {
      const r = await c.gd.send(
        new GetFindingsCommand({
          DetectorId: detectorId,
          FindingIds: made.slice(i, i + 50).map((f) => f.id),
        }),
      );
      got.push(...(r.Findings ?? []));
    }
    expect(got).toHaveLength(RUNTIME_FINDING_TYPES.length);
    const byType = new Map(got.map((f) => [f.Type, f]));
    const ctx = (type: string) => byType.get(type)?.Service?.RuntimeDetails?.Context;
    expect(ctx('PrivilegeEscalation:Runtime/DockerSocketAccessed')?.SocketPath).toBe('/var/run/docker.sock');
    expect(ctx('PrivilegeEscalation:Runtime/RuncContainerEscape')?.RuncBinaryPath).toBeTruthy();
    expect(ctx('PrivilegeEscalation:Runtime/ContainerMountsHostDirectory')?.MountTarget).toBe('/mnt/host');
    expect(ctx('Execution:Runtime/NewLibraryLoaded')?.ModifiedAt).toBeInstanceOf(Date);
    expect(ctx('Execution:Runtime/SuspiciousTool')?.ToolName).toBe('nmap');
    expect(ctx('Persistence:Runtime/SensitiveFileModified')?.FilePath).toBe('/etc/passwd');
    expect(ctx('DefenseEvasion:Runtime/ProcessInjection.Proc')?.TargetProcess?.Name).toBe('node');
    const dns = byType.get('Backdoor:Runtime/C&CActivity.B!DNS');
    expect(dns?.Service?.Action?.DnsRequestAction?.Domain).toBeTruthy();
    expect(dns?.Service?.Evidence?.ThreatIntelligenceDetails?.[0]?.ThreatListName).toBeTruthy();
    for (const f of got) {
      expect(f.Service?.RuntimeDetails?.Process?.StartTime).toBeInstanceOf(Date);
      expect(f.Resource?.EcsClusterDetails?.TaskDetails?.Containers?.length).toBe(2);
    }
  });

  it('updateFinding bumps count, updatedAt and eventLastSeen', () => {
    const f = addFindingFor(emu.state, {
      type: 'Execution:Runtime/ReverseShell',
      task: webTask(),
      at: Date.now() - 60_000,
    });
    const before = f.updatedAt;
    const u = emu.state.updateFinding(f.id, { countBy: 4 });
    expect(u.service.count).toBe(5);
    expect(Date.parse(u.updatedAt)).toBeGreaterThan(Date.parse(before));
    expect(u.service.eventLastSeen).toBe(u.updatedAt);
    expect(u.createdAt).toBe(f.createdAt);
  });
});

describe('AWS_ENDPOINT_URL', () => {
  it('an SDK client without an explicit endpoint reaches the emulator through the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, emu.env(REGION));
    try {
      const gd = new GuardDutyClient({});
      const r = await gd.send(new ListDetectorsCommand({}));
      expect(r.DetectorIds).toEqual([detectorIdFor(emu.homeAccountId, REGION)]);
      gd.destroy();
    } finally {
      for (const k of Object.keys(emu.env(REGION))) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});
