// The remediation lifecycle with fake remediations (no AWS): real Redis for the request store and
// the audit chain. Checks the engine's part — claim, steps once, one retry policy, the failing
// operation, undo with the stored state, the evidence hook — that every remediation relies on.
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditTrail } from '../../src/audit/trail.js';
import { SecretValue } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { runRemediationJob } from '../../src/queue/remediation-job.js';
import { keyspace } from '../../src/redis.js';
import type { AnyRemediation } from '../../src/remediations/index.js';
import { defineRemediation } from '../../src/remediations/types.js';
import { type ActionRequest, newRequestId, RequestStore } from '../../src/requests/store.js';
import { dropPrefix, testPrefix, testRedis } from '../helpers/redis.js';

const redis: Redis = testRedis();
const HMAC_KEY = 'test-audit-hmac-key-0123456789abcdef';
const prefix = testPrefix('rjob');
afterAll(async () => {
  await dropPrefix(redis, prefix);
  await redis.quit();
});

function fakeCtx(): AppContext {
  const keys = keyspace(`${prefix}:${Math.random().toString(36).slice(2, 8)}`);
  const log = createLogger({ level: 'silent' });
  return {
    config: {
      approvalTtlSeconds: 600,
      actions: {},
      actionPolicy: { approvers: [], twoPerson: true, overrides: {} },
      audit: { hmacKey: new SecretValue(HMAC_KEY) },
    },
    log,
    clock: () => Date.now(),
    redis,
    keys,
    audit: new AuditTrail({ redis, keys, log, key: HMAC_KEY }),
    metrics: createMetrics(),
    requests: new RequestStore(redis, keys, () => Date.now(), HMAC_KEY, 90 * 86_400_000),
  } as unknown as AppContext;
}

const throttled = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });
const denied = () =>
  Object.assign(new Error('not authorized to perform ecs:UpdateService'), {
    name: 'AccessDeniedException',
    $metadata: { httpStatusCode: 400 },
  });

async function approved(ctx: AppContext, action: string, patch: Partial<ActionRequest> = {}) {
  const now = Date.now();
  const req: ActionRequest = {
    requestId: newRequestId(),
    action,
    status: 'approved',
    origin: 'system',
    requesterId: 'ecs-guard',
    channel: 'C0TEST',
    accountId: '111122223333',
    region: 'us-east-1',
    cluster: 'prod',
    service: 'web',
    createdAt: now,
    expiresAt: now + 60_000,
    approverId: 'UAPPROVER1',
    approvedAt: now,
    attempt: 1,
    ...patch,
  };
  await ctx.requests.create(req);
  return req;
}

const job = (req: ActionRequest, attemptsMade = 0) => ({
  data: { requestId: req.requestId, attempt: req.attempt },
  opts: { attempts: 4 },
  attemptsMade,
});

describe('remediation job lifecycle', () => {
  let ctx: AppContext;
  let calls: string[];
  let failNext: (() => Error) | undefined;
  let hold: AnyRemediation;
  beforeEach(() => {
    ctx = fakeCtx();
    calls = [];
    failNext = undefined;
    // A two-step remediation shaped like hold-service: read the current state, change it, keep
    // what is needed to undo it.
    hold = defineRemediation({
      name: 'hold-service-fake',
      label: 'Hold service',
      target: 'service',
      iamActions: [],
      input: z.object({ desiredCount: z.number().int().min(0) }),
      approval: { needsApproval: true, twoPerson: 'env', requesters: 'requesters' },
      containment: true,
      async run({ input, step, call }) {
        const before = await step('read', async () => {
          calls.push('read');
          return { desiredCount: 3 };
        });
        await step('update', () =>
          call('UpdateService', async () => {
            calls.push(`update:${input.desiredCount}`);
            const f = failNext;
            failNext = undefined;
            if (f) throw f();
            return true;
          }),
        );
        return { ok: true, message: 'held', undo: before };
      },
      undo: {
        async run({ input }) {
          calls.push(`restore:${String(input.desiredCount)}`);
          return { ok: true, message: `restored to ${String(input.desiredCount)}` };
        },
      },
    });
  });
  const lookup = (name: string) => (name === hold.name ? hold : undefined);

  it('refuses and audits a request written straight into Redis as approved; nothing runs', async () => {
    // What anyone with write access to Redis could do before: an "approved" request from nowhere.
    const forged = newRequestId();
    await redis.hset(ctx.keys('request', forged), {
      requestId: forged,
      action: hold.name,
      status: 'approved',
      requesterId: 'UATTACKER1',
      approverId: 'UAPPROVER1',
      channel: 'C0TEST',
      accountId: '111122223333',
      region: 'us-east-1',
      cluster: 'prod',
      service: 'web',
      input: JSON.stringify({ desiredCount: 0 }),
      createdAt: String(Date.now()),
      expiresAt: String(Date.now() + 60_000),
      attempt: '1',
    });
    await redis.zadd(ctx.keys('requests', 'approved'), Date.now(), forged);
    const out = await runRemediationJob(ctx, job({ requestId: forged, attempt: 1 } as ActionRequest), lookup);
    expect(out).toMatch(/^refused: the request signature does not match/);
    expect(calls).toEqual([]);
    const [record] = await ctx.audit.list({ requestId: forged });
    expect(record).toMatchObject({ event: 'refused', outcome: 'denied', actor: { id: 'system' } });
    expect(record?.reason).toMatch(/signature does not match/);
    // Set aside, so the sweeper does not queue it again.
    expect((await ctx.requests.get(forged))?.status).toBe('rejected');
    expect(await redis.zscore(ctx.keys('requests', 'approved'), forged)).toBeNull();
  });

  it('refuses a signed pending request flipped to approved, and a signed one whose target was edited', async () => {
    const store = ctx.requests;
    const pending = await approved(ctx, hold.name, { status: 'pending', input: { desiredCount: 0 } });
    await redis.hset(ctx.keys('request', pending.requestId), {
      status: 'approved',
      approverId: 'UAPPROVER1',
    });
    expect(await runRemediationJob(ctx, job(pending), lookup)).toMatch(/approval signature does not match/);
    const edited = await approved(ctx, hold.name, { input: { desiredCount: 0 } });
    await redis.hset(ctx.keys('request', edited.requestId), { service: 'payments' });
    expect(await runRemediationJob(ctx, job(edited), lookup)).toMatch(/request signature does not match/);
    expect(calls).toEqual([]);
    // The same request approved through the store is signed and runs.
    const fine = await approved(ctx, hold.name, { status: 'pending', input: { desiredCount: 0 } });
    const t = await store.transition(fine.requestId, ['pending'], 'approved', {
      approverId: 'UAPPROVER1',
      approvedAt: Date.now(),
    });
    expect(t.ok).toBe(true);
    expect(store.verify(fine.requestId, t.request!)).toEqual({ ok: true });
    expect(await runRemediationJob(ctx, job(fine), lookup)).toBe('held');
  });

  it('runs each step once across a retried attempt, audits steps and names the failed operation', async () => {
    const req = await approved(ctx, hold.name, { input: { desiredCount: 0 } });
    failNext = throttled;
    await expect(runRemediationJob(ctx, job(req, 0), lookup)).rejects.toThrow(/Rate exceeded/);
    expect(await runRemediationJob(ctx, job(req, 1), lookup)).toBe('held');
    expect(calls).toEqual(['read', 'update:0', 'update:0']);
    const done = await ctx.requests.get(req.requestId);
    expect(done?.status).toBe('executed');
    expect(done?.undoState).toEqual({ desiredCount: 3 });
    const records = await ctx.audit.list({ requestId: req.requestId, limit: 20 });
    const retried = records.find((r) => r.event === 'retried');
    expect(retried?.detail?.operation).toBe('UpdateService');
    expect(retried?.outcome).toBe('pending');
    const stepRecords = records.filter((r) => r.event === 'step').sort((a, b) => a.seq - b.seq);
    expect(stepRecords.map((r) => r.detail?.step)).toEqual(['read', 'update']);
    expect(records.find((r) => r.event === 'executed')?.detail?.steps).toEqual(['read', 'update']);
    // A re-run of a finished job does nothing.
    expect(await runRemediationJob(ctx, job(req, 2), lookup)).toBe('already executed');
    expect(calls).toHaveLength(3);
  });

  it('access denied fails at once (UnrecoverableError) with the operation and the IAM hint', async () => {
    const req = await approved(ctx, hold.name, { input: { desiredCount: 0 } });
    failNext = denied;
    await expect(runRemediationJob(ctx, job(req, 0), lookup)).rejects.toBeInstanceOf(UnrecoverableError);
    const r = await ctx.requests.get(req.requestId);
    expect(r?.status).toBe('failed');
    expect(r?.outcomeRetryable).toBe(false);
    expect(r?.outcomeMessage).toContain('UpdateService in 111122223333/us-east-1 failed');
    const failed = (await ctx.audit.list({ requestId: req.requestId, limit: 20 })).find(
      (x) => x.event === 'failed',
    );
    expect(failed?.detail?.operation).toBe('UpdateService');
    expect(failed?.detail?.errorCode).toBe('AccessDeniedException');
  });

  it('invalid input fails without running; an unknown remediation fails clearly', async () => {
    const bad = await approved(ctx, hold.name, { input: { desiredCount: -1 } });
    expect(await runRemediationJob(ctx, job(bad), lookup)).toContain('not valid');
    expect(calls).toEqual([]);
    expect((await ctx.requests.get(bad.requestId))?.status).toBe('failed');
    const unknown = await approved(ctx, 'no-such-remediation');
    expect(await runRemediationJob(ctx, job(unknown), lookup)).toContain('no remediation called');
  });

  it('an undo request runs undo() with the stored state and is audited as restored', async () => {
    const req = await approved(ctx, hold.name, {
      mode: 'undo',
      undoOf: newRequestId(),
      input: { desiredCount: 3 },
    });
    expect(await runRemediationJob(ctx, job(req), lookup)).toBe('restored to 3');
    expect(calls).toEqual(['restore:3']);
    const rec = (await ctx.audit.list({ requestId: req.requestId, limit: 10 })).find(
      (r) => r.event === 'restored',
    );
    expect(rec?.outcome).toBe('ok');
    expect(rec?.detail?.undoOf).toBe(req.undoOf);
  });

  it('takes the evidence snapshot first for a containment remediation, once', async () => {
    let snapshots = 0;
    ctx.evidence = async (r) => {
      snapshots++;
      calls.push(`evidence:${r.target.service}`);
      return { taskDefinition: 'web:7' };
    };
    const req = await approved(ctx, hold.name, { input: { desiredCount: 0 } });
    failNext = throttled;
    await expect(runRemediationJob(ctx, job(req, 0), lookup)).rejects.toThrow();
    await runRemediationJob(ctx, job(req, 1), lookup);
    expect(snapshots).toBe(1);
    expect(calls[0]).toBe('evidence:web');
    expect(await ctx.requests.stepResult(req.requestId, 'evidence')).toEqual({
      value: { taskDefinition: 'web:7' },
    });
  });
});
