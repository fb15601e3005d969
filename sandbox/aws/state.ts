import { createHash } from 'node:crypto';
import { matchesCriteria } from './criteria.js';
import { detectorIdFor, accessKeyId as newAccessKeyId, randomHex, secretKey } from './ids.js';
import { S3Store } from './s3.js';
import type {
  DetectorRecord,
  EcsClusterRecord,
  EcsServiceRecord,
  EcsTag,
  EcsTask,
  EcsTaskDefinition,
  FilterRecord,
  WireCoverageResource,
  WireFinding,
} from './wire-types.js';

/** Who a key belongs to. Keys issued by AssumeRole carry the session they came from. */
export interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  accountId: string;
  arn: string;
  userId: string;
  /** epoch ms; temporary keys only */
  expiresAt?: number;
  session?: AssumedSession;
}

export interface AssumedSession {
  roleArn: string;
  roleName: string;
  roleSessionName: string;
  externalId?: string;
  sourceIdentity?: string;
  callerAccountId: string;
  durationSeconds: number;
  at: number;
}

export interface RoleRecord {
  accountId: string;
  roleName: string;
  roleId: string;
  /** IAM path, `/` unless told (`/service-role/`, `/aws-service-role/…/`). */
  path: string;
  /** epoch ms */
  createdAt: number;
  /** When set, AssumeRole must send exactly this ExternalId. */
  externalId?: string;
  /** The trust policy has `"Null": { "sts:SourceIdentity": "false" }`: no session without one. */
  requireSourceIdentity?: boolean;
  /** When set, only principals of this account may assume the role. */
  trustedAccount?: string;
  /** A role only an AWS service assumes (an ECS task role): account principals cannot. */
  trustedService?: string;
  /** Inline policies: name → the JSON document as it was put. */
  readonly inlinePolicies: Map<string, string>;
}

export const roleArnOf = (r: RoleRecord): string => `arn:aws:iam::${r.accountId}:role${r.path}${r.roleName}`;

const ROLE_ARN_PARTS = /^arn:aws:iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/;

/** Account, path and name of an IAM role ARN. */
export function parseRoleArn(arn: string): { accountId: string; path: string; roleName: string } | undefined {
  const m = ROLE_ARN_PARTS.exec(arn);
  return m?.[1] && m[2] && m[3] ? { accountId: m[1], path: m[2], roleName: m[3] } : undefined;
}

/** Where the ECS service scheduler keeps its pending work (see scheduler.ts). */
export interface SchedulerState {
  /** How long after a change the scheduler reconciles a service (ECS takes seconds; 0 = at once). */
  delayMs: number;
  /** `${accountId}|${region}|${cluster}/${service}` → pending reconcile timer */
  readonly pending: Map<string, ReturnType<typeof setTimeout>>;
}

/** ECS and GuardDuty resources of one account in one region. */
export class RegionStore {
  readonly clusters = new Map<string, EcsClusterRecord>();
  /** key `${clusterName}/${serviceName}` */
  readonly services = new Map<string, EcsServiceRecord>();
  /** key `${family}:${revision}` */
  readonly taskDefinitions = new Map<string, EcsTaskDefinition & { tags: EcsTag[] }>();
  /** key task id (32 hex) */
  readonly tasks = new Map<string, EcsTask>();
  /** key resourceId */
  readonly coverage = new Map<string, WireCoverageResource>();
  readonly filters = new Map<string, FilterRecord>();
  detector: DetectorRecord | undefined;
  constructor(
    readonly accountId: string,
    readonly region: string,
  ) {}
}

export const clusterArn = (accountId: string, region: string, name: string): string =>
  `arn:aws:ecs:${region}:${accountId}:cluster/${name}`;

/** Last path segment of an ARN or the value itself ("arn:…:cluster/prod" and "prod" → "prod"). */
export const lastSegment = (idOrArn: string): string => idOrArn.slice(idOrArn.lastIndexOf('/') + 1);

/** Account id in an ECS/IAM ARN, if it is one. */
export const arnAccount = (s: string): string | undefined =>
  s.startsWith('arn:') ? s.split(':')[4] : undefined;

export interface AwsStateOptions {
  homeAccountId: string;
  homeAccessKeyId: string;
  homeSecretAccessKey: string;
  now: () => number;
}

/**
 * Everything the emulator knows. Tests and the seed builder change it directly; the protocol
 * handlers read and change it on behalf of SDK callers.
 */
export class AwsState {
  readonly homeAccountId: string;
  readonly now: () => number;
  private readonly principals = new Map<string, Principal>();
  private readonly roles = new Map<string, RoleRecord>();
  private readonly stores = new Map<string, RegionStore>();
  /** member account → its GuardDuty administrator account */
  private readonly admins = new Map<string, string>();
  private readonly accounts = new Set<string>();
  /**
   * Goes up whenever a finding, a filter or a detector may have changed through the emulator
   * (ListFindings continuation pages reuse their first page's sorted result while it is unchanged).
   */
  findingsGeneration = 0;
  /** region → finding id → finding. Findings of every account in a region share one map. */
  private readonly findingsByRegion = new Map<string, Map<string, WireFinding>>();
  /** Every AssumeRole that succeeded, oldest first. */
  readonly assumedRoles: AssumedSession[] = [];
  /** S3 buckets and objects (the audit export's bucket). */
  readonly s3 = new S3Store();
  /** image reference → the digest ECS resolves it to when a task starts (see imageDigest). */
  private readonly digests = new Map<string, string>();
  readonly scheduler: SchedulerState = { delayMs: 1000, pending: new Map() };

  constructor(opts: AwsStateOptions) {
    this.homeAccountId = opts.homeAccountId;
    this.now = opts.now;
    this.accounts.add(opts.homeAccountId);
    this.addAccessKey(opts.homeAccountId, {
      accessKeyId: opts.homeAccessKeyId,
      secretAccessKey: opts.homeSecretAccessKey,
      userName: 'ecs-guard',
    });
  }

  // ---- accounts, keys, roles -------------------------------------------------------------

  /** Registers a member account; its GuardDuty administrator is the home account unless told. */
  addAccount(accountId: string, opts: { adminAccountId?: string | null } = {}): void {
    this.accounts.add(accountId);
    const admin = opts.adminAccountId === undefined ? this.homeAccountId : opts.adminAccountId;
    if (admin && admin !== accountId) this.admins.set(accountId, admin);
    else this.admins.delete(accountId);
  }

  accountIds(): string[] {
    return [...this.accounts];
  }

  adminOf(accountId: string): string | undefined {
    return this.admins.get(accountId);
  }

  /** Accounts whose findings and coverage `accountId` sees: its own plus its members'. */
  visibleAccounts(accountId: string): Set<string> {
    const out = new Set([accountId]);
    for (const [member, admin] of this.admins) if (admin === accountId) out.add(member);
    return out;
  }

  addAccessKey(
    accountId: string,
    key: { accessKeyId?: string; secretAccessKey?: string; userName?: string } = {},
  ): Principal {
    this.accounts.add(accountId);
    const userName = key.userName ?? 'ecs-guard';
    const p: Principal = {
      accessKeyId: key.accessKeyId ?? newAccessKeyId('AKIA'),
      secretAccessKey: key.secretAccessKey ?? secretKey(),
      accountId,
      arn: `arn:aws:iam::${accountId}:user/${userName}`,
      userId: `AIDA${randomHex(8).toUpperCase()}`,
    };
    this.principals.set(p.accessKeyId, p);
    return p;
  }

  principal(accessKeyId: string): Principal | undefined {
    return this.principals.get(accessKeyId);
  }

  addRole(
    accountId: string,
    roleName: string,
    opts: {
      externalId?: string;
      trustedAccount?: string;
      trustedService?: string;
      path?: string;
      requireSourceIdentity?: boolean;
    } = {},
  ): RoleRecord {
    this.accounts.add(accountId);
    const role: RoleRecord = {
      accountId,
      roleName,
      roleId: `AROA${randomHex(8).toUpperCase()}`,
      path: opts.path ?? '/',
      createdAt: this.now() - 90 * 86400_000,
      ...(opts.externalId !== undefined ? { externalId: opts.externalId } : {}),
      ...(opts.requireSourceIdentity ? { requireSourceIdentity: true } : {}),
      ...(opts.trustedAccount !== undefined ? { trustedAccount: opts.trustedAccount } : {}),
      ...(opts.trustedService !== undefined ? { trustedService: opts.trustedService } : {}),
      inlinePolicies: new Map(),
    };
    this.roles.set(`${accountId}/${roleName}`, role);
    return role;
  }

  role(accountId: string, roleName: string): RoleRecord | undefined {
    return this.roles.get(`${accountId}/${roleName}`);
  }

  /** The role behind an ARN, created as an ECS task role (only ecs-tasks may assume it) if new. */
  ensureTaskRole(roleArn: string): RoleRecord | undefined {
    const p = parseRoleArn(roleArn);
    if (!p) return undefined;
    return (
      this.role(p.accountId, p.roleName) ??
      this.addRole(p.accountId, p.roleName, { path: p.path, trustedService: 'ecs-tasks.amazonaws.com' })
    );
  }

  /**
   * The digest a task started now gets for `image`: one per image reference (as a registry
   * resolves a tag), so every task of a service shares it until `pushImage` moves the tag.
   */
  imageDigest(image: string): string {
    const at = image.indexOf('@sha256:');
    if (at >= 0) return image.slice(at + 1);
    let d = this.digests.get(image);
    if (!d) {
      d = `sha256:${createHash('sha256').update(image).digest('hex')}`;
      this.digests.set(image, d);
    }
    return d;
  }

  /** A new image was pushed under the same tag: tasks started from now on get `digest`. */
  pushImage(image: string, digest?: string): string {
    const d = digest ?? `sha256:${randomHex(32)}`;
    this.digests.set(image, d);
    return d;
  }

  /** Issues temporary credentials acting in the role's account. */
  issueSession(role: RoleRecord, session: AssumedSession): Principal {
    const p: Principal = {
      accessKeyId: newAccessKeyId('ASIA'),
      secretAccessKey: secretKey(),
      sessionToken: `FwoGZXIvYXdzE${randomHex(48)}`,
      accountId: role.accountId,
      arn: `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${session.roleSessionName}`,
      userId: `${role.roleId}:${session.roleSessionName}`,
      expiresAt: session.at + session.durationSeconds * 1000,
      session,
    };
    this.principals.set(p.accessKeyId, p);
    this.assumedRoles.push(session);
    return p;
  }

  // ---- per account+region stores -----------------------------------------------------------

  store(accountId: string, region: string): RegionStore {
    const key = `${accountId}:${region}`;
    let s = this.stores.get(key);
    if (!s) {
      s = new RegionStore(accountId, region);
      this.stores.set(key, s);
      this.accounts.add(accountId);
    }
    return s;
  }

  allStores(): RegionStore[] {
    return [...this.stores.values()];
  }

  /** Creates (or returns) the account's detector in a region, Runtime Monitoring on by default. */
  ensureDetector(
    accountId: string,
    region: string,
    opts: { runtimeMonitoring?: boolean; fargateAgentManagement?: boolean } = {},
  ): DetectorRecord {
    const s = this.store(accountId, region);
    if (s.detector) return s.detector;
    const at = this.now();
    const sec = at / 1000;
    const iso = new Date(at).toISOString();
    const rm = (opts.runtimeMonitoring ?? true) ? 'ENABLED' : 'DISABLED';
    const fg = (opts.fargateAgentManagement ?? opts.runtimeMonitoring ?? true) ? 'ENABLED' : 'DISABLED';
    s.detector = {
      detectorId: detectorIdFor(accountId, region),
      accountId,
      region,
      status: 'ENABLED',
      findingPublishingFrequency: 'SIX_HOURS',
      serviceRole: `arn:aws:iam::${accountId}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`,
      createdAt: iso,
      updatedAt: iso,
      tags: {},
      features: [
        { name: 'CLOUD_TRAIL', status: 'ENABLED', updatedAt: sec },
        { name: 'DNS_LOGS', status: 'ENABLED', updatedAt: sec },
        { name: 'FLOW_LOGS', status: 'ENABLED', updatedAt: sec },
        { name: 'S3_DATA_EVENTS', status: 'DISABLED', updatedAt: sec },
        { name: 'EBS_MALWARE_PROTECTION', status: 'DISABLED', updatedAt: sec },
        {
          name: 'RUNTIME_MONITORING',
          status: rm,
          updatedAt: sec,
          additionalConfiguration: [
            { name: 'EKS_ADDON_MANAGEMENT', status: 'DISABLED', updatedAt: sec },
            { name: 'ECS_FARGATE_AGENT_MANAGEMENT', status: fg, updatedAt: sec },
            { name: 'EC2_AGENT_MANAGEMENT', status: 'DISABLED', updatedAt: sec },
          ],
        },
      ],
    };
    return s.detector;
  }

  /** The store owning a detector id, if the id is known anywhere. */
  storeByDetector(detectorId: string): RegionStore | undefined {
    for (const s of this.stores.values()) if (s.detector?.detectorId === detectorId) return s;
    return undefined;
  }

  // ---- ECS ------------------------------------------------------------------------------

  addCluster(
    accountId: string,
    region: string,
    name: string,
    opts: {
      tags?: EcsTag[];
      settings?: { name: string; value: string }[];
      capacityProviders?: string[];
      containerInstances?: number;
    } = {},
  ): EcsClusterRecord {
    const c: EcsClusterRecord = {
      clusterArn: clusterArn(accountId, region, name),
      clusterName: name,
      status: 'ACTIVE',
      registeredContainerInstancesCount: opts.containerInstances ?? 0,
      capacityProviders: opts.capacityProviders ?? ['FARGATE', 'FARGATE_SPOT'],
      settings: opts.settings ?? [{ name: 'containerInsights', value: 'disabled' }],
      tags: opts.tags ?? [],
    };
    this.store(accountId, region).clusters.set(name, c);
    return c;
  }

  addTaskDefinition(
    accountId: string,
    region: string,
    td: EcsTaskDefinition,
    tags: EcsTag[] = [],
  ): EcsTaskDefinition {
    this.store(accountId, region).taskDefinitions.set(`${td.family}:${td.revision}`, { ...td, tags });
    return td;
  }

  addService(
    accountId: string,
    region: string,
    clusterName: string,
    svc: EcsServiceRecord,
  ): EcsServiceRecord {
    this.store(accountId, region).services.set(`${clusterName}/${svc.serviceName}`, svc);
    return svc;
  }

  addTask(accountId: string, region: string, task: EcsTask): EcsTask {
    this.store(accountId, region).tasks.set(lastSegment(task.taskArn), task);
    return task;
  }

  /** Finds a task anywhere by ARN (or by id within an account+region). */
  findTask(taskArnOrId: string, accountId?: string, region?: string): EcsTask | undefined {
    if (accountId && region) return this.store(accountId, region).tasks.get(lastSegment(taskArnOrId));
    for (const s of this.stores.values()) {
      const t = s.tasks.get(lastSegment(taskArnOrId));
      if (t) return t;
    }
    return undefined;
  }

  // ---- GuardDuty coverage, findings, filters ------------------------------------------------

  addCoverage(
    accountId: string,
    region: string,
    resource: Omit<WireCoverageResource, 'detectorId' | 'accountId'>,
  ): WireCoverageResource {
    const detector = this.ensureDetector(accountId, region);
    const r: WireCoverageResource = { ...resource, detectorId: detector.detectorId, accountId };
    this.store(accountId, region).coverage.set(r.resourceId, r);
    return r;
  }

  private regionFindings(region: string): Map<string, WireFinding> {
    let m = this.findingsByRegion.get(region);
    if (!m) {
      m = new Map();
      this.findingsByRegion.set(region, m);
    }
    return m;
  }

  /**
   * Stores a finding (wire shape). ARCHIVE filters (suppression rules) of the account or its
   * administrator archive it as it arrives; findings already stored are not archived retroactively.
   */
  addFinding(finding: WireFinding): WireFinding {
    this.findingsGeneration++;
    this.ensureDetector(finding.accountId, finding.region);
    if (!finding.service.archived && this.suppressed(finding)) finding.service.archived = true;
    this.regionFindings(finding.region).set(finding.id, finding);
    return finding;
  }

  private suppressed(f: WireFinding): boolean {
    const owners = [f.accountId, this.adminOf(f.accountId)].filter((a): a is string => !!a);
    for (const acct of owners) {
      for (const filter of this.store(acct, f.region).filters.values()) {
        if (filter.action === 'ARCHIVE' && matchesCriteria(f, filter.findingCriteria.criterion as never))
          return true;
      }
    }
    return false;
  }

  getFinding(id: string, region?: string): WireFinding | undefined {
    if (region) return this.findingsByRegion.get(region)?.get(id);
    for (const m of this.findingsByRegion.values()) {
      const f = m.get(id);
      if (f) return f;
    }
    return undefined;
  }

  /**
   * GuardDuty saw the activity again: count goes up, updatedAt and eventLastSeen move to now.
   * `patch` is merged shallowly into the finding afterwards.
   */
  updateFinding(
    id: string,
    opts: { countBy?: number; at?: number; patch?: Partial<WireFinding> } = {},
  ): WireFinding {
    const f = this.getFinding(id);
    if (!f) throw new Error(`no finding ${id}`);
    this.findingsGeneration++;
    const iso = new Date(opts.at ?? this.now()).toISOString();
    f.service.count += opts.countBy ?? 1;
    f.service.eventLastSeen = iso;
    f.updatedAt = iso;
    if (opts.patch) Object.assign(f, opts.patch);
    // Suppression rules apply to active, ongoing findings: a new occurrence that matches is archived.
    if (!f.service.archived && this.suppressed(f)) f.service.archived = true;
    return f;
  }

  removeFinding(id: string): boolean {
    this.findingsGeneration++;
    for (const m of this.findingsByRegion.values()) if (m.delete(id)) return true;
    return false;
  }

  /** Findings in `region` owned by any of `accounts`, in insertion order. */
  findingsIn(region: string, accounts?: Set<string>): WireFinding[] {
    const all = [...(this.findingsByRegion.get(region)?.values() ?? [])];
    return accounts ? all.filter((f) => accounts.has(f.accountId)) : all;
  }

  allFindings(): WireFinding[] {
    return [...this.findingsByRegion.values()].flatMap((m) => [...m.values()]);
  }
}
