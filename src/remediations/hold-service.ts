import { DescribeServicesCommand, type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { markEcsChanged } from '../aws/ecs-freshness.js';
import { defineRemediation, type Outcome, type RunContext } from './types.js';

/** A service ecs-guard held, with what it was before (what Restore puts back). */
export interface HeldService {
  [k: string]: unknown;
  cluster: string;
  service: string;
  desiredCount: number;
  taskDefinition?: string;
}

type R = Pick<RunContext<unknown>, 'call' | 'ctx' | 'target'>;

/** DescribeServices takes 10 services a call (per cluster). */
async function describe(client: ECSClient, r: R, cluster: string, names: string[]) {
  const out = [];
  for (let i = 0; i < names.length; i += 10) {
    const d = await r.call('DescribeServices', () =>
      client.send(new DescribeServicesCommand({ cluster, services: names.slice(i, i + 10) })),
    );
    out.push(...(d.services ?? []));
  }
  return out;
}

const byCluster = <T extends { cluster: string }>(list: T[]) => {
  const m = new Map<string, T[]>();
  for (const x of list) m.set(x.cluster, [...(m.get(x.cluster) ?? []), x]);
  return m;
};

/**
 * Holds services at desired count 0, so the scheduler does not relaunch the image. Returns those
 * ecs-guard changed, with their previous desired count and task definition; a service already
 * at 0 is left alone (and not returned: Restore must not "restore" what ecs-guard did not change).
 */
export async function holdServices(
  r: R,
  client: ECSClient,
  services: { cluster: string; service: string }[],
): Promise<{ held: HeldService[]; alreadyHeld: string[]; missing: string[] }> {
  const held: HeldService[] = [];
  const alreadyHeld: string[] = [];
  const missing: string[] = [];
  for (const [cluster, list] of byCluster(services)) {
    const names = [...new Set(list.map((s) => s.service))];
    const found = await describe(client, r, cluster, names);
    for (const name of names) {
      const s = found.find((x) => x.serviceName === name && x.status === 'ACTIVE');
      if (!s) missing.push(`${cluster}/${name}`);
      else if ((s.desiredCount ?? 0) === 0) alreadyHeld.push(`${cluster}/${name}`);
      else {
        await r.call('UpdateService', () =>
          client.send(new UpdateServiceCommand({ cluster, service: name, desiredCount: 0 })),
        );
        held.push({
          cluster,
          service: name,
          desiredCount: s.desiredCount ?? 0,
          ...(s.taskDefinition ? { taskDefinition: s.taskDefinition } : {}),
        });
      }
    }
  }
  if (held.length) await markEcsChanged(r.ctx, r.target.accountId, r.target.region);
  return { held, alreadyHeld, missing };
}

/**
 * Puts held services back to their stored desired count — unless someone changed the service
 * since (desired count no longer 0, or another task definition): then it says so and leaves it.
 */
export async function restoreServices(r: R, client: ECSClient, held: HeldService[]): Promise<string[]> {
  const lines: string[] = [];
  for (const [cluster, list] of byCluster(held)) {
    const now = await describe(
      client,
      r,
      cluster,
      list.map((h) => h.service),
    );
    for (const h of list) {
      const s = now.find((x) => x.serviceName === h.service);
      if (s?.status !== 'ACTIVE') lines.push(`${cluster}/${h.service}: no longer exists; nothing restored.`);
      else if ((s.desiredCount ?? 0) !== 0 || (h.taskDefinition && s.taskDefinition !== h.taskDefinition))
        lines.push(
          `${cluster}/${h.service}: changed since ecs-guard held it (desired ${s.desiredCount ?? '?'} now${s.taskDefinition !== h.taskDefinition ? ', another task definition' : ''}); left as it is.`,
        );
      else {
        await r.call('UpdateService', () =>
          client.send(
            new UpdateServiceCommand({ cluster, service: h.service, desiredCount: h.desiredCount }),
          ),
        );
        lines.push(`${cluster}/${h.service}: desired count back to ${h.desiredCount}.`);
      }
    }
  }
  await markEcsChanged(r.ctx, r.target.accountId, r.target.region);
  return lines;
}

export const heldSchema = z.object({
  cluster: z.string(),
  service: z.string(),
  desiredCount: z.number().int().min(0),
  taskDefinition: z.string().optional(),
});

export function holdOutcome(res: Awaited<ReturnType<typeof holdServices>>): Outcome {
  const parts = [
    ...res.held.map((h) => `${h.cluster}/${h.service} held at 0 (was ${h.desiredCount})`),
    ...res.alreadyHeld.map((n) => `${n} was already at 0`),
    ...res.missing.map((n) => `${n} not found`),
  ];
  return {
    ok: res.missing.length === 0 || res.held.length + res.alreadyHeld.length > 0,
    message: parts.length ? `${parts.join('; ')}.` : 'No service to hold.',
    ...(res.held.length ? { undo: { held: res.held } } : {}),
  };
}

/** Restore of a run that held services (`undo: { held }`): each back to its stored count. */
export const restoreHeldServices = {
  async run(r: RunContext<Record<string, unknown>>): Promise<Outcome> {
    const held = z.array(heldSchema).safeParse(r.input.held);
    if (!held.success) return { ok: false, message: 'Nothing stored to restore.' };
    const lines = await restoreServices(r, await r.ecs(), held.data);
    return { ok: true, message: lines.join(' ') };
  },
};

/**
 * Hold service: UpdateService desiredCount 0 for the finding task's service (its previous desired
 * count and task definition stored for Restore), so the scheduler does not relaunch the image.
 */
export const holdService = defineRemediation({
  name: 'hold-service',
  label: 'Hold service',
  target: 'service',
  iamActions: ['ecs:DescribeServices', 'ecs:UpdateService'],
  input: z.object({}),
  approval: { needsApproval: true, twoPerson: 'env', requesters: 'requesters' },
  containment: true,
  async run(r) {
    const { cluster, service } = r.target;
    if (!cluster || !service) return { ok: false, message: 'The finding names no ECS service.' };
    return holdOutcome(await holdServices(r, await r.ecs(), [{ cluster, service }]));
  },
  undo: restoreHeldServices,
});
