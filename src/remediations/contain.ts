import { z } from 'zod';
import { CONTAINMENT_STEPS, type ContainmentStep } from '../config.js';
import { syncCard, threadReply } from '../slack/card-sync.js';
import {
  MAX_PLAN_TASKS,
  type PlanTask,
  planTaskSchema,
  restoreTasks,
  runStepOnTasks,
  tasksEvidence,
} from './contain-tasks.js';
import type { EvidenceFacts } from './evidence.js';
import { type HeldService, heldSchema, holdOutcome, holdServices, restoreServices } from './hold-service.js';
import { type Revoked, restoreRoleSessions, revokedSchema, revokeRoleSessions } from './revoke-sessions.js';
import { stopImageMessage, stopImageTasks } from './stop-image-tasks.js';
import { stopTaskOnce } from './stop-task.js';
import { defineRemediation, type Outcome, type RunContext } from './types.js';

/** Human names of the plan's steps (checkbox labels, progress lines). */
export const STEP_LABEL: Record<ContainmentStep, string> = {
  'hold-service': 'Hold the service (desired count 0, so the image is not relaunched)',
  'stop-task': 'Stop this task',
  'stop-image-tasks': 'Stop the other tasks on the same image (their services held first)',
  'revoke-sessions': "Revoke the task role's sessions issued before now (IAM deny policy)",
};

const SHORT: Record<ContainmentStep, string> = {
  'hold-service': 'Hold service',
  'stop-task': 'Stop task',
  'stop-image-tasks': 'Stop same image',
  'revoke-sessions': 'Revoke sessions',
};

interface StepResult {
  [k: string]: unknown;
  ok: boolean;
  message: string;
  held?: HeldService[];
  revoked?: Revoked;
}

/** `rule`: the auto-contain rule that made the request (src/requests/auto-contain.ts). */
type Input = { steps: ContainmentStep[]; tasks?: PlanTask[]; rule?: string };

/** The step labels of an incident's plan (every affected task). */
export const TASKS_STEP_LABEL: Record<ContainmentStep, string> = {
  'hold-service': 'Hold their services (desired count 0, so nothing is relaunched)',
  'stop-task': 'Stop every affected task',
  'stop-image-tasks': 'Stop the other tasks on the same images (their services held first)',
  'revoke-sessions': "Revoke the task roles' sessions issued before now (IAM deny policy)",
};

/** Runs one step of the plan; its result (JSON) is what a resumed plan finds stored. */
async function runStep(r: RunContext<Input>, step: ContainmentStep, ev: EvidenceFacts): Promise<StepResult> {
  const { target } = r;
  const client = await r.ecs();
  switch (step) {
    case 'hold-service': {
      const service = target.service ?? ev.service;
      if (!service || !target.cluster)
        return { ok: true, message: 'The task belongs to no service: nothing to hold.' };
      const res = await holdServices(r, client, [{ cluster: target.cluster, service }]);
      const o = holdOutcome(res);
      return { ok: o.ok, message: o.message, held: res.held };
    }
    case 'stop-task': {
      if (!target.taskArn) return { ok: false, message: 'The finding names no task.' };
      const o = await stopTaskOnce(r, client, r.request, {
        taskArn: target.taskArn,
        ...(target.cluster ? { cluster: target.cluster } : {}),
      });
      // The service is held by the previous step: no replacement is coming.
      return { ok: o.ok, message: o.message.replace(/ Its service .* holds the service first\.$/, '') };
    }
    case 'stop-image-tasks': {
      if (!target.taskArn) return { ok: false, message: 'The finding names no task.' };
      const res = await stopImageTasks(r, client, {
        taskArn: target.taskArn,
        ...(target.cluster ? { cluster: target.cluster } : {}),
        digests: ev.digests,
      });
      return { ok: true, message: stopImageMessage(res), held: res.held };
    }
    case 'revoke-sessions': {
      if (!r.ctx.config.containment.revokeSessions)
        return { ok: false, message: 'Revoking sessions is off (policy file containment.revokeSessions).' };
      const roleArn = target.roleArn ?? ev.taskRoleArn;
      if (!roleArn) return { ok: false, message: 'The task has no task role: no sessions to revoke.' };
      const revoked = await revokeRoleSessions(r, roleArn);
      return {
        ok: true,
        message: `Sessions of ${roleArn.slice(roleArn.lastIndexOf('/') + 1)} issued before now are denied.`,
        revoked,
      };
    }
  }
}

/**
 * An auto-contain request's window has ended and nobody cancelled: the card stops counting down
 * (no Cancel: it is running now) and the thread says so — once, not again on a resumed plan.
 */
async function windowEnded(r: RunContext<Input>, steps: ContainmentStep[]): Promise<void> {
  const { ctx, request: req } = r;
  const started = await Promise.all(steps.map((s) => ctx.requests.stepResult(req.requestId, s)));
  if (started.some(Boolean)) return;
  if (req.cardId)
    await syncCard(ctx, req.cardId, (s) =>
      s.running?.requestId === req.requestId && s.running.runAt
        ? { ...s, running: { ...s.running, runAt: undefined, at: ctx.clock() } }
        : undefined,
    );
  await threadReply(
    ctx,
    req.channel,
    req.ts,
    `:rotating_light: Nobody cancelled: ecs-guard is containing now (auto-contain rule \`${r.input.rule}\`): ${steps.map((s) => SHORT[s]).join(', ')}.`,
    req.cardId,
  );
}

/**
 * Contain: the response plan in one request — evidence first (the engine's `containment` hook),
 * then the chosen steps in order, each a `step` (run once, audited, resumed after a crash without
 * repeating what is done), each reported in the card's thread as it completes. Restore undoes
 * every undoable step (held services back, the revoke policy removed), each only if unchanged.
 */
export const contain = defineRemediation({
  name: 'contain',
  label: 'Contain',
  target: 'task',
  iamActions: [
    'ecs:DescribeTasks',
    'ecs:DescribeTaskDefinition',
    'ecs:DescribeServices',
    'ecs:UpdateService',
    'ecs:StopTask',
    'ecs:ListClusters',
    'ecs:ListTasks',
    'iam:PutRolePolicy',
    'iam:GetRolePolicy',
    'iam:DeleteRolePolicy',
  ],
  // `tasks`: an incident's plan (every affected task, set server-side from the stored sequence).
  input: z.object({
    steps: z.array(z.enum(CONTAINMENT_STEPS)).min(1),
    tasks: z.array(planTaskSchema).min(1).max(MAX_PLAN_TASKS).optional(),
    rule: z.string().max(63).optional(),
  }),
  approval: { needsApproval: true, twoPerson: 'env', requesters: 'requesters' },
  containment: true,
  // The card's Contain button opens the plan (src/slack/listeners/actions/contain-plan.ts); its
  // "Request containment" button makes the request with the chosen steps.
  button: {
    actionId: 'contain',
    on: 'finding-card',
    style: 'danger',
    approveText:
      'Evidence is recorded, then the chosen steps run in order: hold the service, stop the task, stop the tasks on the same image, revoke the task role sessions (if chosen).',
  },
  async run(r): Promise<Outcome> {
    const ev = ((await r.ctx.requests.stepResult(r.request.requestId, 'evidence'))?.value ?? {
      ok: false,
      digests: [],
    }) as EvidenceFacts;
    // Always in the fixed order, whatever order the plan listed them in.
    const steps = CONTAINMENT_STEPS.filter((s) => r.input.steps.includes(s));
    const tasks = r.input.tasks;
    const evidence = tasks ? await tasksEvidence(r, tasks) : undefined;
    if (r.input.rule) await windowEnded(r, steps);
    const results: [ContainmentStep, StepResult][] = [];
    for (const step of steps) {
      const before = await r.ctx.requests.stepResult(r.request.requestId, step);
      const res = await r.step(step, () =>
        tasks && evidence ? runStepOnTasks(r, step, tasks, evidence) : runStep(r, step, ev),
      );
      results.push([step, res]);
      if (!before)
        await threadReply(
          r.ctx,
          r.request.channel,
          r.request.ts,
          `${res.ok ? ':white_check_mark:' : ':x:'} Contain · ${SHORT[step]}: ${res.message}`.slice(0, 3000),
          r.request.cardId,
        );
    }
    const held = results.flatMap(([, x]) => x.held ?? []);
    const revoked = results.find(([, x]) => x.revoked)?.[1].revoked;
    const heldIn = results.flatMap(([, x]) => (x.heldIn as unknown[] | undefined) ?? []);
    const revokedIn = results.flatMap(([, x]) => (x.revokedIn as unknown[] | undefined) ?? []);
    const ok = results.every(([, x]) => x.ok);
    const undo = {
      ...(held.length ? { held } : {}),
      ...(revoked ? { revoked } : {}),
      ...(heldIn.length ? { heldIn } : {}),
      ...(revokedIn.length ? { revokedIn } : {}),
    };
    return {
      ok,
      message: results.map(([s, x]) => `${SHORT[s]}: ${x.message}`).join(' · '),
      detail: {
        ...Object.fromEntries(results.map(([s, x]) => [`step:${s}`, x.ok ? 'ok' : 'failed'])),
        ...(r.input.rule ? { autoContainRule: r.input.rule } : {}),
      },
      ...(Object.keys(undo).length ? { undo } : {}),
    };
  },
  undo: {
    async run(r) {
      const held = z.array(heldSchema).safeParse(r.input.held ?? []);
      const revoked = revokedSchema.safeParse(r.input.revoked);
      const lines: string[] = [];
      if (held.success && held.data.length)
        lines.push(...(await restoreServices(r, await r.ecs(), held.data)));
      if (revoked.success) lines.push(await restoreRoleSessions(r, revoked.data));
      lines.push(...(await restoreTasks(r, r.input)));
      return { ok: true, message: lines.join(' ') || 'Nothing to restore.' };
    },
  },
});
