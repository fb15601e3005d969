/**
 * What a remediation (one response action: Stop task, Archive, Enable monitoring, …) is. Each file
 * in this folder exports one `Remediation` built with `defineRemediation`; `index.ts` lists them.
 * Everything around `run()` — the button and its listener, the request and its approval, the
 * job and its retry-or-give-up policy, the audit records, metrics, the card update and the thread
 * reply — is the engine's (src/slack/listeners, src/requests, src/queue/remediation-job.ts), driven
 * by these fields. A remediation only says what it is and does its AWS calls.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { z } from 'zod';
import type { AuditEvent } from '../audit/record.js';
import type { ActionDefaults } from '../config.js';
import type { AppContext } from '../context.js';
import type { Finding } from '../findings/model.js';
import type { ActionRequest } from '../requests/store.js';

/** What a remediation acts on; the request carries the matching fields of `RemediationTarget`. */
export type TargetKind = 'task' | 'finding' | 'cluster' | 'service' | 'role';

/** Where a remediation acts. Filled server-side (from a stored card, a plan, or the system). */
export interface RemediationTarget {
  accountId: string;
  region: string;
  findingId?: string;
  cluster?: string;
  taskArn?: string;
  /** ECS service name (with `cluster`). */
  service?: string;
  /** IAM role ARN (e.g. a task role). */
  roleArn?: string;
}

/** Who may request and approve, before a policy file overrides it (`actions.<name>` in the policy). */
export type ApprovalDefaults = ActionDefaults;

/** The result of a run (or an undo). Thrown errors are the engine's to classify; see `run()`. */
export interface Outcome {
  ok: boolean;
  /** For people; may hold AWS text (escaped when shown). */
  message: string;
  /** A failed outcome that may succeed when tried again (shows Retry). Default false. */
  retryable?: boolean;
  awsRequestId?: string;
  /** Extra audit detail (flat, small). */
  detail?: Record<string, string | number | boolean | string[]>;
  /** Result data kept on the request (JSON), e.g. for the plan message or `present()`. */
  data?: Record<string, unknown>;
  /**
   * State to undo this run later (e.g. the service's desired count before the hold). Stored on the
   * request; when present and the remediation has `undo`, the card offers Restore.
   */
  undo?: Record<string, unknown>;
}

/** The actor a job acts for: the approver (STS SourceIdentity), or ecs-guard itself. */
export interface RemediationActor {
  id: string;
  name?: string;
}

/** What `run()` gets: the validated input, the target, and the engine's helpers. */
export interface RunContext<I> {
  ctx: AppContext;
  /** The request being executed (read-only: the engine owns its state). */
  request: Readonly<ActionRequest>;
  input: I;
  target: RemediationTarget;
  actor: RemediationActor;
  /**
   * THE way to make an AWS call: a failure is tagged with `operation` (e.g. `StopTask`), so the
   * message names the missing IAM action and the audit record the failed call.
   */
  call<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /** ECS client in the target account/region, SourceIdentity = the actor (AssumeRole recorded). */
  ecs(): Promise<ECSClient>;
  /** GuardDuty client of the home (administrator) account in the target region. */
  guardDuty(): Promise<GuardDutyClient>;
  /**
   * One step of a multi-step remediation: runs `fn` once per request (a job re-run after a crash
   * or a retry skips steps already done and gets their stored result), audits it (event `step`)
   * and adds it to the outcome's step list. Results must be JSON.
   */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** The card button that requests a remediation (labels are fixed contracts, see DESIGN.md). */
export interface RemediationButton {
  /** Block Kit action_id (a constant; the listener is registered for it). */
  actionId: string;
  /** Where the button is offered: the finding card (built by the engine) or elsewhere (the owner's blocks). */
  on: 'finding-card' | 'other';
  style?: 'primary' | 'danger';
  confirm?: { title: string; text: string; button: string };
  /** Text of the Approve confirmation: what happens when it runs. */
  approveText: string;
  /** A finding-card button's input, from the stored finding (default `{}`); validated by `input`. */
  inputFrom?(finding: Finding): unknown;
}

export interface Remediation<I = Record<string, unknown>> {
  /** kebab-case; the request's and the audit record's `action`, the job name, the metrics label. */
  name: string;
  /** Button label and the word used in every message ("Stop task"). */
  label: string;
  target: TargetKind;
  /** IAM actions the AWS calls in this file need (checked against the SDK commands it sends). */
  iamActions: readonly string[];
  /** The input a request carries besides the target (validated when the request is made and run). */
  input: z.ZodType<I>;
  approval: ApprovalDefaults;
  button?: RemediationButton;
  /** Audit event of a successful run (default `executed`). */
  doneEvent?: AuditEvent;
  /** Evidence first: the engine runs the evidence snapshot hook (`ctx.evidence`) before `run()`. */
  containment?: boolean;
  /**
   * Does the work. Return an outcome (ok, or a failure that is final and clear). Throw for failures
   * the engine classifies: AWS throttling/5xx/network are retried with backoff, then fail;
   * access denied, invalid input and anything else fail at once (UnrecoverableError). Must be
   * idempotent: a job runs again after a crash (check state first, or use `step`).
   */
  run(r: RunContext<I>): Promise<Outcome>;
  /** Restore: approvers only, audited (event `restored`); gets the `undo` state the run stored. */
  undo?: {
    run(r: RunContext<Record<string, unknown>>): Promise<Outcome>;
  };
  /**
   * The message that replaces a slash-command plan (a request with a `responseUrl`) when the job
   * has finished; it reads the outcome from the request (`outcomeOk`, `outcomeMessage`, `outcomeData`).
   */
  present?(req: Readonly<ActionRequest>): { text: string; blocks?: unknown[] };
}

/** Typed constructor: keeps the literal `name` so the registry's name union is derived from it. */
export function defineRemediation<const N extends string, I>(
  r: Remediation<I> & { name: N },
): Remediation<I> & { name: N } {
  return r;
}

/**
 * The evidence snapshot hook (issue 12): runs once per request before a `containment` remediation
 * and its result is stored as the step `evidence`. Set as `ctx.evidence` in app.ts; none = skipped.
 */
export type EvidenceSnapshot = (r: RunContext<unknown>) => Promise<Record<string, unknown>>;
