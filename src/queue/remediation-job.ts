/**
 * The lifecycle of every remediation job, around its `run()`: load and claim the approved request,
 * validate its input, the evidence snapshot of containment remediations, run (or undo), then the
 * ONE retry-or-give-up policy and the outcome (audit, metrics, card or plan message, thread reply:
 * `finishRequest`). Remediations only do their AWS calls.
 */
import { type Job, UnrecoverableError } from 'bullmq';
import { awsCall, failedOperation } from '../aws/aws-call.js';
import { describeAwsError } from '../aws/errors.js';
import type { AppContext } from '../context.js';
import { type AnyRemediation, remediation } from '../remediations/index.js';
import type { Outcome, RemediationTarget, RunContext } from '../remediations/types.js';
import { completeFinish, finishRequest } from '../requests/finish.js';
import type { ActionRequest } from '../requests/store.js';
import { requestTarget } from '../requests/target.js';
import type { ActionJobData } from './action-jobs.js';

/** The target fields of a request. */
export function targetOf(req: ActionRequest): RemediationTarget {
  return {
    accountId: req.accountId,
    region: req.region,
    ...(req.findingId ? { findingId: req.findingId } : {}),
    ...(req.cluster ? { cluster: req.cluster } : {}),
    ...(req.taskArn ? { taskArn: req.taskArn } : {}),
    ...(req.service ? { service: req.service } : {}),
    ...(req.roleArn ? { roleArn: req.roleArn } : {}),
  };
}

/** The helpers `run()` gets; `steps` collects the names of the steps this run did or found done. */
export function runContext<I>(
  ctx: AppContext,
  req: ActionRequest,
  def: AnyRemediation,
  input: I,
  steps: string[],
): RunContext<I> {
  const target = targetOf(req);
  const actor = {
    id: req.approverId ?? req.requesterId,
    ...(req.approverName ? { name: req.approverName } : {}),
  };
  const where = `${target.accountId}/${target.region}`;
  const identity = {
    accountId: target.accountId,
    region: target.region,
    sourceIdentity: actor.id,
    purpose: def.name,
  };
  const call = <T>(operation: string, fn: () => Promise<T>) => awsCall(operation, where, fn);
  return {
    ctx,
    request: req,
    input,
    target,
    actor,
    call,
    ecs: () => call('AssumeRole', () => ctx.aws.ecs(identity)),
    guardDuty: () => call('AssumeRole', () => ctx.aws.guardDuty({ region: target.region })),
    async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const done = await ctx.requests.stepResult(req.requestId, name);
      steps.push(name);
      if (done) return done.value as T;
      const value = await fn();
      await ctx.requests.saveStep(req.requestId, name, value);
      await ctx.audit.append({
        actor,
        action: req.action,
        event: 'step',
        target: requestTarget(req),
        outcome: 'ok',
        detail: { step: name, attempt: req.attempt },
      });
      return value;
    },
  };
}

/**
 * Runs the job of one approved request. A re-run is harmless: an unknown request is a no-op; one
 * already finished is only completed (audit/card steps a crash may have skipped); one no longer
 * approved, or a job of an older attempt, is stale.
 */
export async function runRemediationJob(
  ctx: AppContext,
  job: Pick<Job<ActionJobData>, 'data' | 'opts' | 'attemptsMade'>,
  lookup: (name: string) => AnyRemediation | undefined = remediation,
): Promise<string> {
  const requestId = String(job.data.requestId);
  const req = await ctx.requests.get(requestId);
  if (!req) return 'unknown request';
  // Redis is not trusted to say what was approved: a record ecs-guard did not sign is refused.
  const signed = ctx.requests.verify(requestId, req);
  if (!signed.ok) return refuseUnsigned(ctx, requestId, req, signed.why);
  if (req.status === 'executed' || req.status === 'failed') {
    await completeFinish(ctx, req);
    return `already ${req.status}`;
  }
  if (req.status !== 'approved' || req.attempt !== Number(job.data.attempt ?? 1))
    return `stale (${req.status})`;
  const def = lookup(req.action);
  const undo = req.mode === 'undo';
  const fail = async (message: string) => {
    await finishRequest(ctx, req, { ok: false, message, retryable: false });
    return message;
  };
  if (!def) return fail(`ecs-guard has no remediation called "${req.action}".`);
  if (undo && !def.undo) return fail(`${def.label} cannot be undone.`);
  let input: unknown = req.input ?? {};
  if (!undo) {
    const parsed = def.input.safeParse(input);
    if (!parsed.success)
      return fail(`${def.label}: the request's input is not valid (${parsed.error.message}).`);
    input = parsed.data;
  }
  const steps: string[] = [];
  const rctx = runContext(ctx, req, def, input, steps);
  try {
    if (def.containment && !undo && ctx.evidence) {
      const hook = ctx.evidence;
      await rctx.step('evidence', () => hook(rctx));
    }
    const outcome = undo
      ? await def.undo!.run(rctx as RunContext<Record<string, unknown>>)
      : await def.run(rctx);
    const withSteps: Outcome = steps.length ? { ...outcome, detail: { ...outcome.detail, steps } } : outcome;
    await finishRequest(ctx, req, withSteps);
    return outcome.message;
  } catch (err) {
    return retryOrGiveUp(ctx, job, req, err, steps);
  }
}

/**
 * A request whose signature does not check: nothing runs, nothing of it is shown in Slack (its
 * fields are not ecs-guard's), it is audited and logged, and an approved one is set to rejected
 * so the sweeper does not queue it again.
 */
async function refuseUnsigned(
  ctx: AppContext,
  requestId: string,
  req: ActionRequest,
  why: string,
): Promise<string> {
  ctx.log.error(
    { requestId, action: req.action, status: req.status, why },
    'request refused: not signed by ecs-guard',
  );
  ctx.metrics.actions.inc({ action: 'unsigned', outcome: 'refused' });
  await ctx.audit.append({
    actor: { id: 'system' },
    action: String(req.action || 'unknown'),
    event: 'refused',
    target: {
      requestId,
      ...(req.accountId ? { accountId: req.accountId } : {}),
      ...(req.region ? { region: req.region } : {}),
    },
    outcome: 'denied',
    reason: `request refused before acting: ${why}`,
    detail: { status: String(req.status) },
  });
  if (req.status === 'approved')
    await ctx.requests.transition(requestId, ['approved'], 'rejected', {
      decidedById: 'system',
      decidedAt: ctx.clock(),
    });
  return `refused: ${why}`;
}

/**
 * THE retry-or-give-up policy: throttling/5xx/network → audit `retried` and rethrow (BullMQ
 * retries with backoff) while attempts remain; anything else (access denied, invalid input, not
 * found), or the last attempt → the request fails (card shows the error, Retry when it may help)
 * and the job fails without further retries (UnrecoverableError), staying among failed jobs.
 */
export async function retryOrGiveUp(
  ctx: AppContext,
  job: Pick<Job<ActionJobData>, 'opts' | 'attemptsMade'>,
  req: ActionRequest,
  err: unknown,
  steps: string[] = [],
): Promise<never> {
  const operation = failedOperation(err);
  const info = describeAwsError(err, operation ? { operation } : {});
  const attempts = job.opts.attempts ?? 1;
  const attemptNo = job.attemptsMade + 1;
  ctx.log.warn(
    { err: info.logMessage, requestId: req.requestId, attempt: attemptNo, operation },
    `${req.action} failed`,
  );
  const where = {
    errorCode: info.code,
    jobAttempt: attemptNo,
    ...(operation ? { operation } : {}),
    ...(steps.length ? { steps } : {}),
  };
  if (info.retryable && attemptNo < attempts) {
    await ctx.audit.append({
      actor: { id: 'system' },
      action: req.action,
      event: 'retried',
      target: requestTarget(req),
      outcome: 'pending',
      reason: info.message,
      ...(info.requestId ? { awsRequestId: info.requestId } : {}),
      detail: { attempt: req.attempt, ...where },
    });
    ctx.metrics.actions.inc({ action: req.action, outcome: 'retried' });
    throw err instanceof Error ? err : new Error(info.message);
  }
  await finishRequest(ctx, req, {
    ok: false,
    message: info.message,
    retryable: info.retryable,
    ...(info.requestId ? { awsRequestId: info.requestId } : {}),
    detail: where,
  });
  throw new UnrecoverableError(info.message);
}
