import { detectorIdFor, randomHex } from './ids.js';
import type { AwsState } from './state.js';
import type { WireFinding } from './wire-types.js';

/**
 * An `AttackSequence:ECS/CompromisedCluster` finding in wire shape (camelCase; timestamps inside
 * the sequence as epoch seconds, as restJson1 sends `timestamp` members), built from the runtime
 * findings it cites: one FINDING signal per finding (uid = the finding's ARN), the clusters, tasks
 * and containers as ResourceV2, the remote IPs and domains as endpoints, and MITRE indicators.
 * Shape: guardduty-finding-shapes.txt `Detection.Sequence`.
 */
export interface MakeSequenceOptions {
  /** The runtime findings the sequence cites (all in one account and region). */
  cites: WireFinding[];
  id?: string;
  /** epoch ms */
  at?: number;
  severity?: number;
  sample?: boolean;
  /** Extra signals beyond the cited findings (e.g. CloudTrail activity), for large sequences. */
  extraSignals?: number;
  count?: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});

export const ECS_SEQUENCE_TYPE = 'AttackSequence:ECS/CompromisedCluster';

const TACTICS: Record<string, string> = {
  Execution: 'Execution',
  Impact: 'Impact',
  PrivilegeEscalation: 'Privilege Escalation',
  Persistence: 'Persistence',
  DefenseEvasion: 'Defense Evasion',
  Discovery: 'Discovery',
  CredentialAccess: 'Credential Access',
  Backdoor: 'Command and Control',
  CryptoCurrency: 'Impact',
  Trojan: 'Command and Control',
  UnauthorizedAccess: 'Initial Access',
};

export function makeAttackSequence(opts: MakeSequenceOptions): WireFinding {
  const first = opts.cites[0];
  if (!first) throw new Error('an attack sequence cites at least one finding');
  const { accountId, region } = first;
  const at = opts.at ?? Date.now();
  const sec = at / 1000;
  const id = opts.id ?? randomHex(16);
  const detectorId = detectorIdFor(accountId, region);
  const iso = new Date(at).toISOString();
  const resources = new Map<string, Obj>();
  const endpoints = new Map<string, Obj>();
  const tactics = new Set<string>();
  const signals: Obj[] = opts.cites.map((f) => {
    const cluster = obj(obj(f.resource).ecsClusterDetails);
    const task = obj(cluster.taskDetails);
    const clusterArn = String(cluster.arn ?? '');
    const taskArn = String(task.arn ?? '');
    const group = String(task.group ?? '');
    const uids: string[] = [];
    if (clusterArn) {
      resources.set(clusterArn, {
        uid: clusterArn,
        name: cluster.name,
        accountId,
        region,
        resourceType: 'ECS_CLUSTER',
        service: 'ecs',
        cloudPartition: 'aws',
        data: { ecsCluster: { status: 'ACTIVE' } },
      });
      uids.push(clusterArn);
    }
    const containers = (Array.isArray(task.containers) ? task.containers : []).map(obj);
    const app = containers.filter((c) => !String(c.name ?? '').startsWith('aws-guardduty-agent'));
    if (taskArn) {
      resources.set(taskArn, {
        uid: taskArn,
        name: taskArn.split('/').pop(),
        accountId,
        region,
        resourceType: 'ECS_TASK',
        service: 'ecs',
        cloudPartition: 'aws',
        tags: group.startsWith('service:') ? [{ key: 'aws:ecs:serviceName', value: group.slice(8) }] : [],
        data: {
          ecsTask: {
            createdAt: task.createdAt,
            taskDefinitionArn: task.definitionArn,
            launchType: task.launchType,
            containerUids: app.map((c) => c.id),
          },
        },
      });
      uids.push(taskArn);
    }
    for (const c of app) {
      const uid = String(c.id ?? `${taskArn}/${c.name}`);
      resources.set(uid, {
        uid,
        name: c.name,
        accountId,
        region,
        resourceType: 'CONTAINER',
        data: { container: { image: c.image, imageUid: `sha256:${randomHex(32)}` } },
      });
      uids.push(uid);
    }
    const action = obj(obj(f.service).action);
    const ip = obj(obj(action.networkConnectionAction).remoteIpDetails).ipAddressV4;
    const domain = obj(action.dnsRequestAction).domain;
    const endpointIds: string[] = [];
    if (typeof ip === 'string' || typeof domain === 'string') {
      const eid = `endpoint-${endpoints.size + 1}`;
      endpoints.set(eid, {
        id: eid,
        ...(typeof ip === 'string' ? { ip } : {}),
        ...(typeof domain === 'string' ? { domain } : {}),
        port: 443,
        location: { city: 'Ashburn', country: 'United States', lat: 39.04, lon: -77.49 },
        autonomousSystem: { name: 'EXAMPLE-AS', number: 64_500 },
        connection: { direction: 'OUTBOUND' },
      });
      endpointIds.push(eid);
    }
    const tactic = TACTICS[f.type.split(':')[0] ?? ''];
    if (tactic) tactics.add(tactic);
    const fs = Date.parse(String(obj(f.service).eventFirstSeen ?? f.createdAt)) / 1000;
    const ls = Date.parse(String(obj(f.service).eventLastSeen ?? f.updatedAt)) / 1000;
    return {
      uid: f.arn,
      type: 'FINDING',
      name: f.type,
      description: f.title,
      createdAt: fs,
      updatedAt: ls,
      firstSeenAt: fs,
      lastSeenAt: ls,
      severity: f.severity,
      count: Number(obj(f.service).count ?? 1),
      resourceUids: uids,
      endpointIds,
      signalIndicators: tactic
        ? [{ key: 'ATTACK_TACTIC', values: [tactic], title: 'MITRE ATT&CK tactic' }]
        : [],
    };
  });
  for (let i = 0; i < (opts.extraSignals ?? 0); i++) {
    signals.push({
      uid: `cloudtrail-${randomHex(8)}`,
      type: 'CLOUD_TRAIL',
      name: i % 2 ? 'ecs:ExecuteCommand' : 'ecs:RunTask',
      description: 'API activity observed from the task role.',
      createdAt: sec - 600 + i,
      updatedAt: sec - 600 + i,
      firstSeenAt: sec - 600 + i,
      lastSeenAt: sec - 600 + i,
      count: 1,
      resourceUids: [],
      endpointIds: [],
    });
  }
  const clusters = [...resources.values()].filter((r) => r.resourceType === 'ECS_CLUSTER').map((r) => r.name);
  const description = `A sequence of ${signals.length} signals indicating a possible compromise was observed in ECS cluster(s) ${clusters.join(', ')} in account ${accountId}.`;
  return {
    schemaVersion: '2.0',
    accountId,
    region,
    partition: 'aws',
    id,
    arn: `arn:aws:guardduty:${region}:${accountId}:detector/${detectorId}/finding/${id}`,
    type: ECS_SEQUENCE_TYPE,
    resource: { resourceType: 'AttackSequence' },
    service: {
      serviceName: 'guardduty',
      detectorId,
      featureName: 'Correlation',
      resourceRole: 'TARGET',
      additionalInfo: { value: JSON.stringify(opts.sample ? { sample: true } : {}), type: 'default' },
      eventFirstSeen: iso,
      eventLastSeen: iso,
      archived: false,
      count: opts.count ?? 1,
      detection: {
        sequence: {
          uid: `sequence-${id}`,
          description,
          actors: [{ id: 'actor-1', process: { name: 'sh', path: '/bin/sh', sha256: randomHex(32) } }],
          resources: [...resources.values()],
          endpoints: [...endpoints.values()],
          signals,
          sequenceIndicators: [
            { key: 'ATTACK_TACTIC', values: [...tactics], title: 'MITRE ATT&CK tactics' },
            {
              key: 'ATTACK_TECHNIQUE',
              values: ['T1059 - Command and Scripting Interpreter', 'T1496 - Resource Hijacking'],
              title: 'MITRE ATT&CK techniques',
            },
            { key: 'SUSPICIOUS_PROCESS', values: ['/bin/sh'], title: 'Suspicious process' },
          ],
        },
      },
    },
    severity: opts.severity ?? 9.2,
    createdAt: iso,
    updatedAt: iso,
    title: `Potential compromise of ECS cluster(s) ${clusters.join(', ')} indicated by a sequence of actions.`,
    description,
  };
}

/**
 * Stores an attack sequence citing `cites` (already stored), and marks each cited finding with
 * `associatedAttackSequenceArn` as GuardDuty does.
 */
export function addAttackSequence(state: AwsState, opts: MakeSequenceOptions): WireFinding {
  const seq = state.addFinding(makeAttackSequence({ at: state.now(), ...opts }));
  for (const f of opts.cites) {
    const stored = state.getFinding(f.id);
    if (stored) stored.associatedAttackSequenceArn = seq.arn;
  }
  return seq;
}
