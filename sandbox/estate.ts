/**
 * The sandbox's pretend AWS estate and its weather: `seedSandboxEstate` builds two accounts in
 * two regions with Fargate and EC2 clusters and a few real-world coverage problems;
 * `FindingTrickle` adds runtime findings every few seconds, repeats some (GuardDuty raising the
 * count of a finding it already reported) and now and then a burst on one service, the way a
 * worm spreading across a service looks.
 */
import {
  type AwsState,
  addCoverage,
  addFindingFor,
  addService,
  COVERAGE_ISSUES,
  type EcsTask,
  type Estate,
  RUNTIME_FINDING_TYPES,
  seedEstate,
  type WireFinding,
} from './aws/index.js';

export const SANDBOX_REGIONS: [string, string] = ['us-east-1', 'eu-west-1'];

/**
 * `seedEstate` (home: prod-web, batch-jobs, legacy-ec2 and eu-web; member: payments) plus, in the
 * member account, a Fargate service whose task definition lacks an execution role and an EC2
 * cluster in the second region whose agent is not reporting.
 */
export function seedSandboxEstate(state: AwsState): Estate {
  const estate = seedEstate(state, { regions: SANDBOX_REGIONS });
  const member = estate.memberAccountId;
  const [primary, second] = SANDBOX_REGIONS;
  estate.services.reports = addService(state, {
    accountId: member,
    region: primary,
    cluster: 'payments',
    service: 'reports',
    image: `${member}.dkr.ecr.${primary}.amazonaws.com/reports:1.2.0`,
    executionRoleArn: null,
    sidecar: false,
    taskCount: 1,
  });
  addCoverage(state, {
    accountId: member,
    region: primary,
    cluster: 'payments',
    issue: COVERAGE_ISSUES.missingExecutionRole('reports'),
  });
  estate.services.trainer = addService(state, {
    accountId: member,
    region: second,
    cluster: 'ml-training',
    service: 'trainer',
    image: `${member}.dkr.ecr.${second}.amazonaws.com/trainer:5.0.3`,
    launchType: 'EC2',
    taskCount: 2,
  });
  state.ensureDetector(member, second);
  addCoverage(state, {
    accountId: member,
    region: second,
    cluster: 'ml-training',
    managementType: 'MANUAL',
    containerInstances: { covered: 0, compatible: 3 },
    issue: COVERAGE_ISSUES.notReporting('trainer'),
  });
  return estate;
}

/** Types the trickle draws from: the ones an on-call engineer sees most, high and medium. */
export const TRICKLE_TYPES = [
  'Execution:Runtime/ReverseShell',
  'Impact:Runtime/CryptoMinerExecuted',
  'Execution:Runtime/NewBinaryExecuted',
  'PrivilegeEscalation:Runtime/DockerSocketAccessed',
  'Backdoor:Runtime/C&CActivity.B!DNS',
  'DefenseEvasion:Runtime/FilelessExecution',
  'Discovery:Runtime/SuspiciousCommand',
  'Execution:Runtime/SuspiciousShellCreated',
  'CryptoCurrency:Runtime/BitcoinTool.B!DNS',
  'Persistence:Runtime/SensitiveFileModified',
].filter((t) => RUNTIME_FINDING_TYPES.some((r) => r.type === t));

export interface TrickleOptions {
  /** Milliseconds between two findings, drawn uniformly from [min, max]. */
  intervalMs: [number, number];
  /** Milliseconds between bursts; 0 = no bursts. */
  burstEveryMs: number;
  /** Findings in one burst. */
  burstSize: number;
  /** Chance that a tick repeats an earlier finding (count + 1) instead of adding one. */
  repeatChance?: number;
  random?: () => number;
  /** Told about each batch, for the console. */
  onFindings?: (kind: 'single' | 'repeat' | 'burst', findings: WireFinding[]) => void;
}

const lastSegment = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export class FindingTrickle {
  private timers: NodeJS.Timeout[] = [];
  private stopped = true;
  private readonly random: () => number;
  private readonly added: WireFinding[] = [];

  constructor(
    private readonly state: AwsState,
    private readonly opts: TrickleOptions,
  ) {
    this.random = opts.random ?? Math.random;
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.random() * items.length)];
  }

  /** Tasks still running anywhere (a stopped task gets no more findings). */
  runningTasks(): EcsTask[] {
    return this.state
      .allStores()
      .flatMap((s) => [...s.tasks.values()])
      .filter((t) => t.lastStatus === 'RUNNING');
  }

  /** One new finding of a random type on a random running task. */
  one(type?: string): WireFinding | undefined {
    const task = this.pick(this.runningTasks());
    const chosen = type ?? this.pick(TRICKLE_TYPES);
    if (!task || !chosen) return undefined;
    const f = addFindingFor(this.state, { type: chosen, task });
    this.added.push(f);
    return f;
  }

  /** GuardDuty saw an earlier finding again: its count goes up and the card updates in place. */
  repeat(): WireFinding | undefined {
    const open = this.added.filter((f) => !f.service.archived);
    const f = this.pick(open);
    if (!f) return undefined;
    return this.state.updateFinding(f.id, { countBy: 1 + Math.floor(this.random() * 3) });
  }

  /** `size` findings of one type across the tasks of one service (cards group them). */
  burst(size = this.opts.burstSize): WireFinding[] {
    const running = this.runningTasks();
    const groups = new Map<string, EcsTask[]>();
    for (const t of running) {
      const key = `${t.clusterArn}|${t.group ?? lastSegment(t.taskDefinitionArn)}`;
      groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    const tasks = this.pick([...groups.values()]);
    const type = this.pick(['Impact:Runtime/CryptoMinerExecuted', 'Backdoor:Runtime/C&CActivity.B!DNS']);
    if (!tasks?.length || !type) return [];
    const out: WireFinding[] = [];
    for (let i = 0; i < size; i++) {
      const task = tasks[i % tasks.length] as EcsTask;
      const f = addFindingFor(this.state, { type, task });
      this.added.push(f);
      out.push(f);
    }
    return out;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.scheduleTick();
    if (this.opts.burstEveryMs > 0) this.scheduleBurst();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers = this.timers.filter((x) => x !== t);
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private scheduleTick(): void {
    const [min, max] = this.opts.intervalMs;
    this.later(min + this.random() * Math.max(0, max - min), () => {
      const repeat = this.added.length > 2 && this.random() < (this.opts.repeatChance ?? 0.2);
      const f = repeat ? this.repeat() : this.one();
      if (f) this.opts.onFindings?.(repeat ? 'repeat' : 'single', [f]);
      this.scheduleTick();
    });
  }

  private scheduleBurst(): void {
    this.later(this.opts.burstEveryMs, () => {
      const fs = this.burst();
      if (fs.length) this.opts.onFindings?.('burst', fs);
      this.scheduleBurst();
    });
  }
}
