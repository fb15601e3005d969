import { DescribeTasksCommand, type Task } from '@aws-sdk/client-ecs';
import {
  BLAST_CACHE_TTL_MS,
  blastRadiusIn,
  scanInventory,
  type TaskInventory,
  taskRoleOf,
} from '../aws/blast-radius.js';
import { ecsChangedAt } from '../aws/ecs-freshness.js';
import { taskDigests } from '../aws/task-bundle.js';
import type { AppContext } from '../context.js';
import type { Finding } from '../findings/model.js';
import type { Service } from '../service.js';
import { blastRadiusLine } from './blocks/blast-radius.js';

type Ctx = Pick<AppContext, 'aws' | 'cards' | 'redis' | 'keys' | 'clock' | 'log'>;

/** Cards waiting for their line; beyond this (a burst) the rest go without it (ECS context has it). */
export const MAX_PENDING_BLAST = 200;

/**
 * The blast-radius line of a posted finding card ("3 other running tasks use this image:
 * payments/payments-api ×2, batch/ledger ×1"), worked out off the burst path: the outbox only
 * notes the card; one background drain per process reads the account and region's running tasks
 * ONCE per minute (an inventory shared by every card there, re-read after ecs-guard changes ECS),
 * finds the card's task and its digests in it, stores the line in the card's state and asks for a
 * debounced card update. Bounded: a full queue drops the line, never a card. The full listing
 * stays in ECS context (cachedBlastRadius).
 */
export class CardBlastRadius {
  private readonly pending = new Map<string, Finding>();
  private readonly inventories = new Map<string, TaskInventory>();
  private draining: Promise<void> | undefined;
  private closed = false;
  /** Cards that went without a line because the queue was full (for tests and logs). */
  dropped = 0;

  constructor(private readonly ctx: Ctx) {}

  /** A finding card is about to be posted: its line will follow. Never waits for AWS. */
  note(cardId: string, f: Finding): void {
    if (this.closed || !f.taskArn || f.sample || f.sequence) return;
    if (!this.pending.has(cardId) && this.pending.size >= MAX_PENDING_BLAST) {
      this.dropped++;
      return;
    }
    this.pending.set(cardId, f);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves when nothing is waiting (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  service(): Service {
    return {
      name: 'card-blast-radius',
      close: async () => {
        this.closed = true;
        this.pending.clear();
        await this.idle();
      },
    };
  }

  private async drain(): Promise<void> {
    for (;;) {
      const next = this.pending.entries().next();
      if (next.done) return;
      const [cardId, f] = next.value;
      this.pending.delete(cardId);
      try {
        const line = await this.lineFor(f);
        if (!line) continue;
        const at = this.ctx.clock();
        const s = await this.ctx.cards.updateState(cardId, (st) => ({ ...st, blastRadius: { line, at } }));
        if (s) await this.ctx.cards.scheduleUpdate(cardId, 1000);
      } catch (err) {
        this.ctx.log.warn(
          { err: (err as Error).message, cardId, findingId: f.id },
          'card blast radius unavailable',
        );
      }
    }
  }

  /** The account and region's running tasks: one scan a minute, again after ecs-guard changed ECS. */
  private async inventory(ecs: Awaited<ReturnType<Ctx['aws']['ecs']>>, f: Finding): Promise<TaskInventory> {
    const key = `${f.accountId}/${f.region}`;
    const hit = this.inventories.get(key);
    const now = this.ctx.clock();
    if (hit && now - hit.readAt < BLAST_CACHE_TTL_MS) {
      if (hit.readAt >= (await ecsChangedAt(this.ctx, f.accountId, f.region))) return hit;
    }
    const inv = await scanInventory(ecs, { now: this.ctx.clock });
    this.inventories.set(key, inv);
    return inv;
  }

  async lineFor(f: Finding): Promise<string | undefined> {
    if (!f.taskArn) return undefined;
    const ecs = await this.ctx.aws.ecs({ accountId: f.accountId, region: f.region, purpose: 'blast-radius' });
    const inv = await this.inventory(ecs, f);
    // The finding's own task is usually among the running ones just read: no extra call.
    let task: Task | undefined = inv.tasks.find((t) => t.taskArn === f.taskArn);
    if (!task) {
      const cluster = f.clusterArn ?? f.clusterName;
      const d = await ecs.send(
        new DescribeTasksCommand({ ...(cluster ? { cluster } : {}), tasks: [f.taskArn] }),
      );
      task = d.tasks?.[0];
    }
    const role =
      task?.overrides?.taskRoleArn ??
      (task?.taskDefinitionArn ? await taskRoleOf(ecs, task.taskDefinitionArn) : '');
    const br = await blastRadiusIn(ecs, inv, {
      accountId: f.accountId,
      region: f.region,
      taskArn: f.taskArn,
      digests: taskDigests(task),
      ...(role ? { taskRoleArn: role } : {}),
    });
    return blastRadiusLine(br);
  }
}
