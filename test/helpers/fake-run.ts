/**
 * A remediation's `run()` / `undo.run()` called directly, the way the engine calls it
 * (`runContext` of src/queue/remediation-job.ts: the real `call`, `step`, `ecs()`, `guardDuty()`),
 * with a fake AppContext: fake ECS, GuardDuty and IAM clients (test/helpers/fake-aws.ts), steps
 * and audit records in memory, thread posts recorded. Real Redis (a unique prefix) for what run()
 * reads or keeps there: the finding and card stores (seeded with `seedFinding` / `ctx.cards`),
 * ECS-changed marks, the blast-radius cache, evidence, suppressions.
 */
import type { AuditInput } from '../../src/audit/record.js';
import type { AppContext } from '../../src/context.js';
import type { Finding } from '../../src/findings/model.js';
import { type FindingRecord, FindingStore } from '../../src/findings/store.js';
import { createLogger } from '../../src/log.js';
import { runContext } from '../../src/queue/remediation-job.js';
import { keyspace, type Redis } from '../../src/redis.js';
import type { AnyRemediation } from '../../src/remediations/index.js';
import type { Outcome, RunContext } from '../../src/remediations/types.js';
import type { ActionRequest } from '../../src/requests/store.js';
import { CardStore } from '../../src/slack/card-store.js';
import { FakeAwsClient } from './fake-aws.js';
import { testPrefix } from './redis.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
export const TASK_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/prod/0123456789abcdef0123456789abcdef`;
export const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** A `chat.postMessage` made through `ctx.pacing.post`. */
export interface Posted {
  channel: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  [k: string]: unknown;
}

export interface FakeWorld {
  ctx: AppContext;
  ecs: FakeAwsClient;
  gd: FakeAwsClient;
  iam: FakeAwsClient;
  /** Every audit record appended (steps, evidence), in order. */
  audits: AuditInput[];
  /** The identities clients were asked for (`ctx.aws.ecs/guardDuty/iam`), with the client kind. */
  identities: { kind: 'ecs' | 'guardDuty' | 'iam'; [k: string]: unknown }[];
  /** Steps stored per request (what a re-run finds done). */
  steps: Map<string, unknown>;
  /** Thread replies and other posts through `ctx.pacing.post`. */
  posts: Posted[];
}

/** The fake world; `redis` is the test file's connection (test/helpers/redis.ts). */
export function fakeWorld(redis: Redis, opts: { revokeSessions?: boolean } = {}): FakeWorld {
  const ecs = new FakeAwsClient();
  const gd = new FakeAwsClient();
  const iam = new FakeAwsClient();
  const audits: AuditInput[] = [];
  const identities: FakeWorld['identities'] = [];
  const steps = new Map<string, unknown>();
  const posts: Posted[] = [];
  const keys = keyspace(testPrefix('fake-run'));
  const clock = () => NOW;
  const stepKey = (id: string, name: string) => `${id}/${name}`;
  const ctx = {
    config: {
      containment: {
        defaultSteps: ['hold-service', 'stop-task', 'stop-image-tasks'],
        revokeSessions: opts.revokeSessions ?? true,
        autoContain: [],
      },
    },
    log: createLogger({ level: 'silent' }),
    clock,
    redis,
    keys,
    aws: {
      ecs: async (id: object) => {
        identities.push({ kind: 'ecs', ...id });
        return ecs.asEcs;
      },
      guardDuty: async (id: object) => {
        identities.push({ kind: 'guardDuty', ...id });
        return gd.asGuardDuty;
      },
      iam: async (id: object) => {
        identities.push({ kind: 'iam', ...id });
        return iam.asIam;
      },
    },
    requests: {
      async stepResult(id: string, name: string) {
        const k = stepKey(id, name);
        return steps.has(k) ? { value: steps.get(k) } : undefined;
      },
      async saveStep(id: string, name: string, value: unknown) {
        steps.set(stepKey(id, name), structuredClone(value));
      },
    },
    audit: {
      async append(r: AuditInput) {
        audits.push(r);
        return r;
      },
    },
    findings: new FindingStore(redis, keys, clock),
    cards: new CardStore(redis, keys, clock),
    pacing: {
      async post(args: Posted) {
        posts.push(args);
        return { ok: true, ts: `1767000000.${String(posts.length).padStart(6, '0')}` };
      },
    },
  } as unknown as AppContext;
  return { ctx, ecs, gd, iam, audits, identities, steps, posts };
}

/** An approved request for `def` (patch sets its target: taskArn, cluster, service, roleArn, …). */
export function approvedRequest(def: AnyRemediation, patch: Partial<ActionRequest> = {}): ActionRequest {
  return {
    requestId: 'r0123456789abcdef01234567',
    action: def.name,
    status: 'approved',
    origin: 'card',
    requesterId: 'UREQUESTER',
    channel: 'CALERTS001',
    ts: '1767000000.000100',
    accountId: ACCOUNT,
    region: REGION,
    createdAt: NOW - 60_000,
    expiresAt: NOW + 60_000,
    approverId: 'UAPPROVER1',
    approverName: 'alice',
    approvedAt: NOW - 1000,
    attempt: 1,
    ...patch,
  };
}

/** The RunContext the engine would give `def` for `req` (input validated by its schema unless undo). */
export function runCtx<I = Record<string, unknown>>(
  w: FakeWorld,
  def: AnyRemediation,
  req: ActionRequest,
  input?: unknown,
): RunContext<I> & { stepNames: string[] } {
  const stepNames: string[] = [];
  const parsed = req.mode === 'undo' ? (input ?? req.input ?? {}) : def.input.parse(input ?? req.input ?? {});
  return Object.assign(runContext<I>(w.ctx, req, def, parsed as I, stepNames), { stepNames });
}

/** Runs `def.run()` for a request with the given target/patch. */
export function run(
  w: FakeWorld,
  def: AnyRemediation,
  patch: Partial<ActionRequest> = {},
  input?: unknown,
): Promise<Outcome> {
  return def.run(runCtx(w, def, approvedRequest(def, patch), input));
}

/** Runs `def.undo.run()` with the undo state a run stored. */
export function undo(
  w: FakeWorld,
  def: AnyRemediation,
  state: Record<string, unknown>,
  patch: Partial<ActionRequest> = {},
): Promise<Outcome> {
  if (!def.undo) throw new Error(`${def.name} has no undo`);
  const req = approvedRequest(def, {
    requestId: 'r89abcdef0123456789abcdef',
    mode: 'undo',
    undoOf: 'r0123456789abcdef01234567',
    input: state,
    ...patch,
  });
  return def.undo.run(runCtx(w, def, req, state));
}

/** A typical ECS runtime finding (the fields a test needs patched over it). */
export function finding(patch: Partial<Finding> = {}): Finding {
  return {
    id: 'f0123456789abcdef',
    type: 'Execution:Runtime/ReverseShell',
    severity: 8,
    severityLabel: 'High',
    title: 'Reverse shell',
    description: 'A process opened a reverse shell.',
    accountId: ACCOUNT,
    region: REGION,
    partition: 'aws',
    clusterName: 'prod',
    taskArn: TASK_ARN,
    service: 'web',
    container: {
      name: 'app',
      image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.4',
      imageDigest: DIGEST,
    },
    process: { name: 'sh', executablePath: '/bin/sh', lineage: [] },
    runtime: { files: [], domains: [], ips: [], other: {} },
    count: 1,
    firstSeen: new Date(NOW - 600_000).toISOString(),
    lastSeen: new Date(NOW - 60_000).toISOString(),
    updatedAt: new Date(NOW - 60_000).toISOString(),
    archived: false,
    sample: false,
    resourceType: 'ECSCluster',
    ...patch,
  };
}

/** Stores the finding as the pipeline does (so `findOf` / `get` find it) and returns its record. */
export async function seedFinding(w: Pick<FakeWorld, 'ctx'>, f: Finding = finding()): Promise<FindingRecord> {
  const { key } = await w.ctx.findings.ingest(f, 'CALERTS001', 'g');
  const rec = await w.ctx.findings.get(key);
  if (!rec) throw new Error('seeded finding not stored');
  return rec;
}
