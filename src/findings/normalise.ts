import { isGuardDutyAgentContainer } from '../aws/guardduty-agent.js';
import { EcsGuardError, ErrorCode } from '../errors.js';
import type {
  AttackSequence,
  ContainerInfo,
  Finding,
  ProcessInfo,
  RuntimeContextInfo,
  SequenceResource,
} from './model.js';
import { severityLabel } from './severity.js';

export { severityAtLeast, severityLabel } from './severity.js';

type Obj = Record<string, unknown>;

/** Deeper than any real finding; stops hostile input from blowing the stack. */
const MAX_DEPTH = 24;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * SDK v3 objects use PascalCase member names, the wire/EventBridge JSON camelCase. Lower-casing the
 * first letter of every key turns the first into the second except for the few members whose wire
 * name differs (guardduty.md §2.1); the one we read, `TaskCreatedAt` ↔ `createdAt`, is mapped here.
 * Dates are kept as Dates; nulls (real exports carry them) become undefined.
 */
function camelise(v: unknown, depth = 0): unknown {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v;
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(v)) return v.map((x) => camelise(x, depth + 1));
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    const key = k === 'TaskCreatedAt' ? 'createdAt' : k.charAt(0).toLowerCase() + k.slice(1);
    const c = camelise(val, depth + 1);
    if (c !== undefined && !(key in out && k.charAt(0) === k.charAt(0).toUpperCase())) out[key] = c;
  }
  return out;
}

const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/**
 * Timestamps arrive as Dates (SDK), epoch-second numbers (wire, possibly `1.63900583E9`), or ISO
 * strings. Returns ISO-8601 or undefined.
 */
export function toIso(v: unknown): string | undefined {
  let d: Date | undefined;
  if (v instanceof Date) d = v;
  else if (typeof v === 'number' && Number.isFinite(v)) d = new Date(v * 1000);
  else if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    d = Number.isFinite(n) ? new Date(n * 1000) : new Date(v);
  }
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;
}

/** Last path segment of an ARN resource (`task/cluster/ID` → `ID`). */
const lastSegment = (arn: string | undefined): string | undefined =>
  arn ? (arn.split('/').pop() ?? undefined) || undefined : undefined;

function container(raw: Obj): ContainerInfo {
  const image = str(raw.image);
  const digest = image ? /@(sha256:[a-f0-9]{64})$/i.exec(image)?.[1] : undefined;
  return {
    name: str(raw.name),
    image,
    imageDigest: digest ?? str(raw.imageUid)?.match(/^sha256:[a-f0-9]{64}$/i)?.[0],
    id: str(raw.id),
    privileged: bool(obj(raw.securityContext).privileged),
  };
}

/** The application container: the first one that is not the GuardDuty agent sidecar. */
function pickContainer(candidates: unknown[]): ContainerInfo | undefined {
  for (const c of candidates) {
    if (!isObj(c)) continue;
    const info = container(c);
    if (isGuardDutyAgentContainer(info)) continue;
    if (info.name || info.image || info.id) return info;
  }
  return undefined;
}

function lineageItem(raw: Obj): ProcessInfo['lineage'][number] {
  // Elastic's fixture uses non-model `ancestorPid`/`ancestorName`; accept them as a fallback.
  return {
    name: str(raw.name) ?? str(raw.ancestorName),
    executablePath: str(raw.executablePath),
    pid: num(raw.pid) ?? num(raw.ancestorPid),
    userId: num(raw.userId),
  };
}

function processInfo(raw: Obj, commandLine: string | undefined): ProcessInfo {
  const rawLineage = arr(raw.lineage).filter(isObj);
  // GuardDuty lists the parent first; if a source lists root first, the parent is the last item.
  const parentUuid = str(raw.parentUuid);
  const first = rawLineage[0];
  const last = rawLineage[rawLineage.length - 1];
  const ordered =
    parentUuid && rawLineage.length > 1 && str(first?.uuid) !== parentUuid && str(last?.uuid) === parentUuid
      ? [...rawLineage].reverse()
      : rawLineage;
  return {
    name: str(raw.name),
    executablePath: str(raw.executablePath),
    executableSha256: str(raw.executableSha256),
    commandLine: str(raw.commandLine) ?? commandLine,
    pid: num(raw.pid),
    user: str(raw.user),
    uid: num(raw.userId),
    workingDirectory: str(raw.pwd),
    lineage: ordered.map(lineageItem),
  };
}

/** Context members that name files (guardduty-finding-shapes.txt RuntimeContext). */
const FILE_KEYS = [
  'filePath',
  'threatFilePath',
  'scriptPath',
  'libraryPath',
  'ldPreloadValue',
  'socketPath',
  'runcBinaryPath',
  'releaseAgentPath',
  'mountSource',
  'mountTarget',
  'moduleFilePath',
  'shellHistoryFilePath',
];
const HANDLED_KEYS = new Set([...FILE_KEYS, 'relatedFilePaths', 'modifyingProcess', 'commandLineExample']);

const uniq = (xs: (string | undefined)[]): string[] => [...new Set(xs.filter((x): x is string => !!x))];

function ipsOf(details: unknown): (string | undefined)[] {
  const d = obj(details);
  return [str(d.ipAddressV4), str(d.ipAddressV6)];
}

function runtimeContext(ctx: Obj, action: Obj): RuntimeContextInfo {
  const files = uniq([...FILE_KEYS.map((k) => str(ctx[k])), ...arr(ctx.relatedFilePaths).map(str)]);
  const dns = obj(action.dnsRequestAction);
  const net = obj(action.networkConnectionAction);
  const domains = uniq([str(dns.domain), str(dns.domainWithSuffix)]);
  const ips = uniq([...ipsOf(net.remoteIpDetails), ...ipsOf(obj(action.awsApiCallAction).remoteIpDetails)]);
  const mp = isObj(ctx.modifyingProcess) ? ctx.modifyingProcess : undefined;
  const other: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (HANDLED_KEYS.has(k)) continue;
    if (v instanceof Date) other[k] = v.toISOString();
    else if (k === 'modifiedAt') other[k] = toIso(v) ?? String(v);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') other[k] = String(v);
    else if (Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) {
      other[k] = v.join(', ');
    } else if (isObj(v) && (str(v.name) || num(v.pid) !== undefined)) {
      // e.g. targetProcess: keep a readable "name (pid N)".
      other[k] = [str(v.name), num(v.pid) !== undefined ? `(pid ${num(v.pid)})` : undefined]
        .filter(Boolean)
        .join(' ');
    }
  }
  return {
    files,
    domains,
    ips,
    modifyingProcess: mp
      ? { name: str(mp.name), executablePath: str(mp.executablePath), pid: num(mp.pid) }
      : undefined,
    other,
  };
}

/** Sample findings: `"sample":true` inside `additionalInfo.value` (JSON text), or flattened next to it. */
function isSample(additionalInfo: Obj): boolean {
  if (additionalInfo.sample === true || additionalInfo.sample === 'true') return true;
  const value = additionalInfo.value;
  if (typeof value !== 'string' || !value.includes('sample')) return false;
  try {
    const parsed: unknown = JSON.parse(value);
    return isObj(parsed) && (parsed.sample === true || parsed.sample === 'true');
  } catch {
    return false;
  }
}

/** `arn:aws:ecs:…:task-definition/webserver:5` → `webserver:5`. */
function taskDefinitionOf(definitionArn: string | undefined): { def?: string; family?: string } {
  const marker = 'task-definition/';
  const at = definitionArn?.indexOf(marker) ?? -1;
  if (!definitionArn || at < 0) return {};
  const def = lastSegment(definitionArn.slice(at + marker.length));
  if (!def) return {};
  const colon = def.lastIndexOf(':');
  return { def, family: colon > 0 ? def.slice(0, colon) : def };
}

export interface NormaliseOptions {
  /** Epoch ms used for `updatedAt` only when the finding carries no timestamp at all. */
  now?: number;
}

/**
 * Builds the internal `Finding` from an SDK v3 finding object (PascalCase, Dates), the wire /
 * EventBridge `detail` JSON (camelCase, epoch-second numbers) or a whole EventBridge event.
 * Throws `InvalidInput` only when id, type, accountId or region is missing.
 */
export function normaliseFinding(raw: unknown, opts: NormaliseOptions = {}): Finding {
  let f = obj(camelise(raw));
  // A whole EventBridge event: the finding is its `detail`.
  if (
    isObj(f.detail) &&
    (f.source === 'aws.guardduty' || 'detail-type' in f || !('id' in f && 'type' in f))
  ) {
    f = f.detail;
  }
  const id = str(f.id);
  const type = str(f.type);
  const accountId = str(f.accountId);
  const region = str(f.region);
  const missing = Object.entries({ id, type, accountId, region })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length || !id || !type || !accountId || !region) {
    throw new EcsGuardError(ErrorCode.InvalidInput, `not a GuardDuty finding: missing ${missing.join(', ')}`);
  }

  const resource = obj(f.resource);
  const service = obj(f.service);
  const cluster = obj(resource.ecsClusterDetails);
  const task = obj(cluster.taskDetails);
  const runtime = obj(service.runtimeDetails);
  const ctx = obj(runtime.context);
  const action = obj(service.action);

  const clusterArn = str(cluster.arn);
  const taskArn = str(task.arn);
  const group = str(task.group);
  const { def, family: defFamily } = taskDefinitionOf(str(task.definitionArn));
  const groupFamily = group?.startsWith('family:') ? group.slice('family:'.length) || undefined : undefined;
  const service_ = group?.startsWith('service:') ? group.slice('service:'.length) || undefined : undefined;

  const containers = [
    ...arr(task.containers),
    ...(isObj(resource.containerDetails) ? [resource.containerDetails] : []),
    ...arr(obj(obj(resource.kubernetesDetails).kubernetesWorkloadDetails).containers),
  ];

  const severity = num(f.severity) ?? 0;
  const arn = str(f.arn);
  const partition = str(f.partition) ?? (arn ? /^arn:([^:]+):/.exec(arn)?.[1] : undefined) ?? 'aws';
  const firstSeen = toIso(service.eventFirstSeen);
  const lastSeen = toIso(service.eventLastSeen);
  const createdAt = toIso(f.createdAt);
  const updatedAt =
    toIso(f.updatedAt) ??
    lastSeen ??
    createdAt ??
    firstSeen ??
    new Date(opts.now ?? Date.now()).toISOString();
  const hasProcess = isObj(runtime.process) && Object.keys(runtime.process).length > 0;
  const commandLineExample = str(ctx.commandLineExample);
  const launchType = str(task.launchType);

  const sequence = normaliseSequence(obj(obj(service.detection).sequence));
  return {
    id,
    arn,
    type,
    severity,
    severityLabel: severityLabel(severity),
    title: str(f.title) ?? type,
    description: str(f.description) ?? '',
    accountId,
    region,
    partition,
    detectorId: str(service.detectorId),
    clusterName:
      str(cluster.name) ??
      (clusterArn ? lastSegment(clusterArn) : undefined) ??
      (sequence ? incidentClusters({ accountId, region, sequence })[0]?.cluster : undefined),
    clusterArn,
    taskArn,
    taskId: lastSegment(taskArn),
    taskDefinition: def,
    taskFamily: defFamily ?? groupFamily,
    launchType: launchType?.toUpperCase(),
    service: service_,
    group,
    startedBy: str(task.startedBy),
    container: pickContainer(containers),
    process: hasProcess
      ? processInfo(obj(runtime.process), commandLineExample)
      : commandLineExample
        ? { commandLine: commandLineExample, lineage: [] }
        : undefined,
    runtime: runtimeContext(ctx, action),
    count: Math.max(1, Math.floor(num(service.count) ?? 1)),
    firstSeen,
    lastSeen,
    createdAt,
    updatedAt,
    archived: bool(service.archived) ?? false,
    sample: isSample(obj(service.additionalInfo)),
    resourceType: str(resource.resourceType) ?? '',
    featureName: str(service.featureName),
    ...optional('sequence', sequence),
    ...optional('associatedAttackSequenceArn', str(f.associatedAttackSequenceArn)),
  };
}

const optional = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
  (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };

/** An ECS runtime finding: resource `ECSCluster` and the Runtime Monitoring feature or a `:Runtime/` type. */
export function isEcsRuntimeFinding(f: Pick<Finding, 'resourceType' | 'featureName' | 'type'>): boolean {
  return (
    f.resourceType === 'ECSCluster' && (/runtime/i.test(f.featureName ?? '') || f.type.includes(':Runtime/'))
  );
}

// --- attack sequences (Extended Threat Detection) ----------------------------------------------

/** The model's caps (Sequence: ≤100 signals, ≤400 resources/endpoints/actors/indicators). */
const SEQ_MAX = { signals: 100, list: 400, values: 400 };

/** `…/finding/<id>` (a finding ARN) or a bare finding id → the id. */
function citedFindingId(uid: string | undefined): string | undefined {
  if (!uid) return undefined;
  const m = /\/finding\/([A-Za-z0-9]{1,128})$/.exec(uid);
  if (m) return m[1];
  return /^[A-Za-z0-9]{32,128}$/.test(uid) ? uid : undefined;
}

/** `arn:aws:ecs:r:a:cluster/NAME` or `…:task/NAME/ID` → NAME. */
function clusterOfArn(arn: string): string | undefined {
  const m = /:(?:cluster|task|container)\/([^/]+)/.exec(arn);
  return m?.[1];
}

function sequenceResource(raw: Obj): SequenceResource | undefined {
  const uid = str(raw.uid);
  const type = str(raw.resourceType);
  if (!uid || !type) return undefined;
  const data = obj(raw.data);
  const task = obj(data.ecsTask);
  const ctr = obj(data.container);
  const tags = arr(raw.tags).filter(isObj);
  const service = str(tags.find((t) => str(t.key) === 'aws:ecs:serviceName')?.value);
  const out: SequenceResource = { uid, type };
  const put = <K extends keyof SequenceResource>(k: K, v: SequenceResource[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  put('name', str(raw.name));
  put('accountId', str(raw.accountId));
  put('region', str(raw.region));
  put('cluster', type === 'ECS_CLUSTER' ? (str(raw.name) ?? clusterOfArn(uid)) : clusterOfArn(uid));
  put('service', service);
  put('taskDefinitionArn', str(task.taskDefinitionArn));
  put('launchType', str(task.launchType)?.toUpperCase());
  put('image', str(ctr.image));
  put('imageUid', str(ctr.imageUid));
  return out;
}

/** `service.detection.sequence` → the incident model; undefined when there is none. */
function normaliseSequence(raw: Obj): AttackSequence | undefined {
  const uid = str(raw.uid);
  const rawSignals = arr(raw.signals).filter(isObj);
  if (!uid && rawSignals.length === 0) return undefined;
  const values = (v: unknown) => uniq(arr(v).slice(0, SEQ_MAX.values).map(str));
  const indicators = arr(raw.sequenceIndicators)
    .filter(isObj)
    .slice(0, SEQ_MAX.list)
    .map((i) => ({
      key: str(i.key) ?? '',
      title: str(i.title) ?? str(i.key) ?? '',
      values: values(i.values),
    }));
  const byKey = (k: string) => uniq(indicators.filter((i) => i.key === k).flatMap((i) => i.values));
  return {
    uid: uid ?? '',
    description: str(raw.description) ?? '',
    signals: rawSignals.slice(0, SEQ_MAX.signals).map((s) => {
      const sigUid = str(s.uid) ?? '';
      const type = str(s.type) ?? '';
      const findingId = type === 'FINDING' ? citedFindingId(sigUid) : undefined;
      return {
        uid: sigUid,
        type,
        name: str(s.name) ?? type,
        ...optional('description', str(s.description)),
        ...optional('severity', num(s.severity)),
        count: Math.max(1, Math.floor(num(s.count) ?? 1)),
        ...optional('firstSeen', toIso(s.firstSeenAt) ?? toIso(s.createdAt)),
        ...optional('lastSeen', toIso(s.lastSeenAt) ?? toIso(s.updatedAt)),
        ...optional('findingId', findingId),
        resourceUids: values(s.resourceUids),
        endpointIds: values(s.endpointIds),
      };
    }),
    resources: arr(raw.resources)
      .filter(isObj)
      .slice(0, SEQ_MAX.list)
      .map(sequenceResource)
      .filter((r): r is SequenceResource => !!r),
    endpoints: arr(raw.endpoints)
      .filter(isObj)
      .slice(0, SEQ_MAX.list)
      .map((e) => {
        const loc = obj(e.location);
        const as = obj(e.autonomousSystem);
        return {
          id: str(e.id) ?? '',
          ...optional('ip', str(e.ip)),
          ...optional('domain', str(e.domain)),
          ...optional('port', num(e.port)),
          ...optional('country', str(loc.country)),
          ...optional('city', str(loc.city)),
          ...optional('asName', str(as.name)),
          ...optional('asNumber', num(as.number)),
          ...optional('direction', str(obj(e.connection).direction)),
        };
      }),
    actors: arr(raw.actors)
      .filter(isObj)
      .slice(0, SEQ_MAX.list)
      .map((a) => ({
        id: str(a.id) ?? '',
        ...optional('user', str(obj(a.user).name)),
        ...optional('process', str(obj(a.process).path) ?? str(obj(a.process).name)),
      })),
    tactics: byKey('ATTACK_TACTIC'),
    techniques: byKey('ATTACK_TECHNIQUE'),
    indicators: indicators.filter((i) => i.key !== 'ATTACK_TACTIC' && i.key !== 'ATTACK_TECHNIQUE'),
    additionalTypes: values(raw.additionalSequenceTypes),
  };
}

/** An ECS attack sequence: `AttackSequence:ECS/…`, or an AttackSequence naming ECS resources. */
export function isEcsAttackSequence(f: Pick<Finding, 'type' | 'resourceType' | 'sequence'>): boolean {
  if (!f.sequence) return false;
  if (f.type.startsWith('AttackSequence:ECS/')) return true;
  return f.resourceType === 'AttackSequence' && f.sequence.resources.some((r) => r.type.startsWith('ECS_'));
}

/** The clusters an incident touches, with their account and region (routing, the card). */
export function incidentClusters(f: Pick<Finding, 'accountId' | 'region' | 'sequence'>): {
  accountId: string;
  region: string;
  cluster: string;
}[] {
  const seen = new Map<string, { accountId: string; region: string; cluster: string }>();
  for (const r of f.sequence?.resources ?? []) {
    if (!r.cluster || (r.type !== 'ECS_CLUSTER' && r.type !== 'ECS_TASK')) continue;
    const c = { accountId: r.accountId ?? f.accountId, region: r.region ?? f.region, cluster: r.cluster };
    seen.set(`${c.accountId}|${c.region}|${c.cluster}`, c);
  }
  return [...seen.values()];
}

/** An ECS task an incident names, where it runs (the Contain plan, ECS context). */
export interface IncidentTask {
  accountId: string;
  region: string;
  taskArn: string;
  cluster?: string;
  service?: string;
}

/** The ECS tasks an incident touches, each once, in the sequence's order. */
export function incidentTasks(f: Pick<Finding, 'accountId' | 'region' | 'sequence'>): IncidentTask[] {
  const seen = new Map<string, IncidentTask>();
  for (const r of f.sequence?.resources ?? []) {
    if (r.type !== 'ECS_TASK' || !r.uid.includes(':task/') || seen.has(r.uid)) continue;
    seen.set(r.uid, {
      accountId: r.accountId ?? f.accountId,
      region: r.region ?? f.region,
      taskArn: r.uid,
      ...(r.cluster ? { cluster: r.cluster } : {}),
      ...(r.service ? { service: r.service } : {}),
    });
  }
  return [...seen.values()];
}
