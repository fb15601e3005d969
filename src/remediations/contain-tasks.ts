/**
 * Contain over many tasks: the plan of an incident (attack sequence) card, one request over every
 * affected task. The same steps as a single-task Contain, each over all the tasks: evidence of
 * every task first, then hold their services, stop each task, stop the other tasks on their
 * images, revoke their task roles' sessions. Every task, service and role is its own `step`
 * (run once, audited, skipped when a resumed job finds it done), in its own account and region.
 */
import { z } from 'zod';
import { awsCall } from '../aws/aws-call.js';
import type { ContainmentStep } from '../config.js';
import { type EvidenceFacts, takeRequestEvidence } from './evidence.js';
import { type HeldService, heldSchema, holdServices, restoreServices } from './hold-service.js';
import { type Revoked, restoreRoleSessions, revokedSchema, revokeRoleSessions } from './revoke-sessions.js';
import { stopImageTasks } from './stop-image-tasks.js';
import { stopTaskOnce } from './stop-task.js';
import type { RunContext } from './types.js';

/** GuardDuty's sequence model caps resources at 400: no plan names more tasks than that. */
export const MAX_PLAN_TASKS = 400;

/** Evidence summaries posted in the thread (the rest are in the audit trail only). */
const SUMMARY_TASKS = 5;

export const planTaskSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  taskArn: z
    .string()
    .max(300)
    .regex(/^arn:aws[\w-]*:ecs:[^:]+:\d{12}:task\/[\w/-]+$/),
  cluster: z.string().max(255).optional(),
  service: z.string().max(255).optional(),
});
export type PlanTask = z.infer<typeof planTaskSchema>;

/** What Restore needs of a many-task plan: where each held service and revoked role is. */
const where = { accountId: z.string(), region: z.string() };
export const tasksUndoSchema = z.object({
  heldIn: z.array(heldSchema.extend(where)).optional(),
  revokedIn: z.array(revokedSchema.extend(where)).optional(),
});
type Located<T> = T & { accountId: string; region: string };

export interface TasksStepResult {
  [k: string]: unknown;
  ok: boolean;
  message: string;
  heldIn?: Located<HeldService>[];
  revokedIn?: Located<Revoked>[];
}

const taskId = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** `a, b, c and N more` (messages stay short however many tasks a plan names). */
function few(xs: string[], n = 8): string {
  if (xs.length <= n) return xs.join(', ');
  return `${xs.slice(0, n).join(', ')} and ${xs.length - n} more`;
}

/** The run context of one place (account, region, task): its own ECS client, SourceIdentity = the actor. */
function at<I>(
  r: RunContext<I>,
  t: { accountId: string; region: string; cluster?: string; taskArn?: string },
) {
  const target = {
    accountId: t.accountId,
    region: t.region,
    ...(r.target.findingId ? { findingId: r.target.findingId } : {}),
    ...(t.cluster ? { cluster: t.cluster } : {}),
    ...(t.taskArn ? { taskArn: t.taskArn } : {}),
  };
  const place = `${t.accountId}/${t.region}`;
  const call = <T>(operation: string, fn: () => Promise<T>) => awsCall(operation, place, fn);
  const identity = {
    accountId: t.accountId,
    region: t.region,
    sourceIdentity: r.actor.id,
    purpose: 'contain',
  };
  return {
    ...r,
    target,
    call,
    ecs: () => call('AssumeRole', () => r.ctx.aws.ecs(identity)),
  } satisfies RunContext<I>;
}

/** Evidence of every task, before any change (one snapshot and audit record each). */
export async function tasksEvidence<I>(
  r: RunContext<I>,
  tasks: PlanTask[],
): Promise<Map<string, EvidenceFacts>> {
  const out = new Map<string, EvidenceFacts>();
  for (const [i, t] of tasks.entries()) {
    const id = taskId(t.taskArn);
    const ev = await r.step(`evidence:${id}`, () =>
      takeRequestEvidence(at(r, t) as RunContext<unknown>, {
        id: `${r.request.requestId}-evidence-${id}`,
        summary: i < SUMMARY_TASKS,
      }),
    );
    out.set(t.taskArn, ev);
  }
  return out;
}

/** One step of the plan over every task; its sub-steps make a resumed job skip what is done. */
export async function runStepOnTasks<I>(
  r: RunContext<I>,
  step: ContainmentStep,
  tasks: PlanTask[],
  evidence: Map<string, EvidenceFacts>,
): Promise<TasksStepResult> {
  switch (step) {
    case 'hold-service': {
      const services = new Map<string, PlanTask & { service: string }>();
      for (const t of tasks) {
        const service = t.service ?? evidence.get(t.taskArn)?.service;
        if (service && t.cluster)
          services.set(`${t.accountId}/${t.region}/${t.cluster}/${service}`, { ...t, service });
      }
      if (!services.size)
        return { ok: true, message: 'No affected task belongs to a service: nothing to hold.' };
      const heldIn: Located<HeldService>[] = [];
      const held: string[] = [];
      const already: string[] = [];
      const missing: string[] = [];
      for (const [key, s] of services) {
        const rs = at(r, s);
        const res = await r.step(`hold-service:${key}`, async () =>
          holdServices(rs, await rs.ecs(), [{ cluster: s.cluster as string, service: s.service }]),
        );
        heldIn.push(...res.held.map((h) => ({ ...h, accountId: s.accountId, region: s.region })));
        held.push(...res.held.map((h) => `${h.cluster}/${h.service} (was ${h.desiredCount})`));
        already.push(...res.alreadyHeld);
        missing.push(...res.missing);
      }
      const parts = [
        held.length ? `${held.length} held at 0: ${few(held)}` : undefined,
        already.length ? `${already.length} already at 0: ${few(already)}` : undefined,
        missing.length ? `${missing.length} not found: ${few(missing)}` : undefined,
      ].filter(Boolean);
      return {
        ok: missing.length < services.size,
        message: `${services.size} services: ${parts.join('; ')}.`,
        ...(heldIn.length ? { heldIn } : {}),
      };
    }
    case 'stop-task': {
      let stopped = 0;
      const notStopped: string[] = [];
      for (const t of tasks) {
        const rt = at(r, t);
        const o = await r.step(`stop-task:${taskId(t.taskArn)}`, async () =>
          stopTaskOnce(rt, await rt.ecs(), r.request, {
            taskArn: t.taskArn,
            ...(t.cluster ? { cluster: t.cluster } : {}),
          }),
        );
        if (o.ok && o.message.startsWith('Task stopped')) stopped++;
        else notStopped.push(`${taskId(t.taskArn)}: ${o.message.slice(0, 120)}`);
      }
      return {
        ok: true,
        message: `${stopped} of ${tasks.length} tasks stopped${notStopped.length ? `; ${few(notStopped, 3)}` : ''}.`,
      };
    }
    case 'stop-image-tasks': {
      // Once per account, region and image: tasks of one image share their blast radius.
      const sources = new Map<string, PlanTask>();
      for (const t of tasks) {
        const digests = evidence.get(t.taskArn)?.digests ?? [];
        const key = `${t.accountId}/${t.region}/${digests.length ? [...digests].sort().join(',') : t.taskArn}`;
        if (!sources.has(key)) sources.set(key, t);
      }
      const heldIn: Located<HeldService>[] = [];
      let stopped = 0;
      const services = new Set<string>();
      for (const t of sources.values()) {
        const rt = at(r, t);
        const res = await r.step(`stop-image-tasks:${taskId(t.taskArn)}`, async () =>
          stopImageTasks(rt, await rt.ecs(), {
            taskArn: t.taskArn,
            ...(t.cluster ? { cluster: t.cluster } : {}),
            digests: evidence.get(t.taskArn)?.digests ?? [],
          }),
        );
        stopped += res.stopped;
        for (const s of res.services) services.add(s);
        heldIn.push(...res.held.map((h) => ({ ...h, accountId: t.accountId, region: t.region })));
      }
      return {
        ok: true,
        message: `${stopped} other running tasks on the affected images stopped${services.size ? `; services held first: ${few([...services])}` : ''}.`,
        ...(heldIn.length ? { heldIn } : {}),
      };
    }
    case 'revoke-sessions': {
      if (!r.ctx.config.containment.revokeSessions)
        return { ok: false, message: 'Revoking sessions is off (policy file containment.revokeSessions).' };
      const roles = new Map<string, PlanTask & { roleArn: string }>();
      for (const t of tasks) {
        const roleArn = evidence.get(t.taskArn)?.taskRoleArn;
        if (roleArn) roles.set(`${t.accountId}/${roleArn}`, { ...t, roleArn });
      }
      if (!roles.size)
        return { ok: false, message: 'No affected task has a task role: no sessions to revoke.' };
      const revokedIn: Located<Revoked>[] = [];
      for (const t of roles.values()) {
        const v = await r.step(`revoke-sessions:${t.accountId}/${t.roleArn}`, () =>
          revokeRoleSessions(at(r, t), t.roleArn),
        );
        revokedIn.push({ ...v, accountId: t.accountId, region: t.region });
      }
      const names = revokedIn.map((v) => v.roleArn.slice(v.roleArn.lastIndexOf('/') + 1));
      return { ok: true, message: `Sessions issued before now are denied for ${few(names)}.`, revokedIn };
    }
  }
}

/** Restore of a many-task plan: each held service and revoked role in its own account. */
export async function restoreTasks<I>(r: RunContext<I>, undo: unknown): Promise<string[]> {
  const u = tasksUndoSchema.safeParse(undo);
  if (!u.success) return [];
  const lines: string[] = [];
  const places = new Map<string, { accountId: string; region: string }>();
  for (const x of [...(u.data.heldIn ?? []), ...(u.data.revokedIn ?? [])])
    places.set(`${x.accountId}/${x.region}`, { accountId: x.accountId, region: x.region });
  for (const [key, p] of places) {
    const rp = at(r, p);
    const held = (u.data.heldIn ?? []).filter((h) => `${h.accountId}/${h.region}` === key);
    if (held.length) lines.push(...(await restoreServices(rp, await rp.ecs(), held)));
    for (const v of (u.data.revokedIn ?? []).filter((x) => `${x.accountId}/${x.region}` === key))
      lines.push(await restoreRoleSessions(rp, v));
  }
  return lines;
}
