import type { AuditInput, AuditTarget } from '../../../audit/record.js';
import { type BlastRadius, cachedBlastRadius } from '../../../aws/blast-radius.js';
import { gatherEcsContext } from '../../../aws/ecs-context.js';
import { ecsChangedAt } from '../../../aws/ecs-freshness.js';
import { describeAwsError } from '../../../aws/errors.js';
import type { AppContext } from '../../../context.js';
import type { Finding } from '../../../findings/model.js';
import { incidentTasks } from '../../../findings/normalise.js';
import { blastRadiusBlocks } from '../../blocks/blast-radius.js';
import { buildEcsContextBlocks, postureWarnings } from '../../blocks/ecs-context.js';
import { LIMITS } from '../../blocks/limits.js';
import { type CardRecord, isCardId } from '../../card-store.js';
import { threadReply } from '../../card-sync.js';
import { wrongChannel } from '../click-origin.js';
import { actor, type Click, refuse, tellClicker } from './click.js';

/**
 * The blast radius for the reply, or undefined when it cannot be worked out: the reply still goes
 * out, the failure is logged.
 */
async function blastRadiusOf(
  ctx: AppContext,
  ecs: Awaited<ReturnType<AppContext['aws']['ecs']>>,
  src: { accountId: string; region: string; taskArn: string; digests: string[]; taskRoleArn?: string },
): Promise<BlastRadius | undefined> {
  try {
    return await cachedBlastRadius(ctx, ecs, src);
  } catch (err) {
    ctx.log.warn({ err: describeAwsError(err).message, taskArn: src.taskArn }, 'blast radius scan failed');
    return undefined;
  }
}

/** One ECS context view on the record, whether it worked or not. */
function auditView(
  ctx: AppContext,
  click: Click,
  target: AuditTarget,
  outcome: 'ok' | 'error',
  more: Pick<AuditInput, 'reason' | 'awsRequestId' | 'detail'>,
): Promise<unknown> {
  return ctx.audit.append({
    actor: actor(click),
    action: 'context',
    event: 'context-viewed',
    target,
    outcome,
    ...more,
  });
}

/**
 * ECS context: anyone in the channel. Describes the finding's task, task definition, service
 * and cluster in the finding's account and region (as the clicking user, for CloudTrail) and
 * replies in the card's thread, or ephemerally when `contextVisibility` says so.
 */
export async function handleEcsContext(ctx: AppContext, click: Click): Promise<void> {
  const card = isCardId(click.value) ? await ctx.cards.get(click.value) : undefined;
  if (!card)
    return refuse(
      ctx,
      click,
      'context',
      "ECS context: this button is not one of ecs-guard's cards (unknown id).",
    );
  const elsewhere = wrongChannel(card.channel, click.channelId);
  if (elsewhere) return refuse(ctx, click, 'context', `ECS context refused: ${elsewhere}.`);
  const rec = card.findingKey ? await ctx.findings.get(card.findingKey) : undefined;
  const f = rec?.finding;
  if (f?.sequence) {
    // An incident: the context of each affected task (the first few), one reply each.
    const tasks = incidentTasks(f);
    if (!tasks.length)
      return tellClicker(ctx, click, ':information_source: This incident names no ECS task to describe.');
    for (const t of tasks.slice(0, INCIDENT_CONTEXT_TASKS)) {
      const { sequence: _, ...rest } = f;
      await taskContext(ctx, click, card, {
        ...rest,
        taskArn: t.taskArn,
        accountId: t.accountId,
        region: t.region,
        ...(t.cluster ? { clusterName: t.cluster } : {}),
      });
    }
    if (tasks.length > INCIDENT_CONTEXT_TASKS)
      await tellClicker(
        ctx,
        click,
        `:information_source: ECS context of the first ${INCIDENT_CONTEXT_TASKS} of ${tasks.length} tasks; the incident card lists them all.`,
      );
    return;
  }
  if (!f?.taskArn) {
    return tellClicker(ctx, click, ':information_source: This card names no single ECS task to describe.');
  }
  await taskContext(ctx, click, card, { ...f, taskArn: f.taskArn });
}

/** How many tasks of an incident one ECS context click describes. */
const INCIDENT_CONTEXT_TASKS = 5;

/** The ECS context of one task of a card's finding (or of one task of an incident). */
async function taskContext(
  ctx: AppContext,
  click: Click,
  card: CardRecord,
  f: Finding & { taskArn: string },
): Promise<void> {
  const target = {
    accountId: f.accountId,
    region: f.region,
    findingId: f.id,
    taskArn: f.taskArn,
    ...(f.clusterName ? { cluster: f.clusterName } : {}),
  };
  const ephemeralReply = ctx.config.contextVisibility === 'ephemeral';
  // The card's Details reply goes first if the quiet-channel path has not posted it yet.
  await ctx.details
    .ensure(card.cardId)
    .catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'details reply failed'));
  try {
    const taskArn = f.taskArn;
    const ecs = await ctx.aws.ecs({
      accountId: f.accountId,
      region: f.region,
      sourceIdentity: click.userId,
      purpose: 'ecs-context',
    });
    const cluster = f.clusterName ?? f.clusterArn;
    const changedAt = await ecsChangedAt(ctx, f.accountId, f.region);
    const g = await ctx.ecsContext.get(
      `${f.accountId}|${f.region}|${taskArn}`,
      () =>
        gatherEcsContext(
          ecs,
          { accountId: f.accountId, region: f.region, taskArn, ...(cluster ? { cluster } : {}) },
          ctx.clock,
        ),
      changedAt,
    );
    if (!g.context) {
      const why = g.problems.join('; ') || 'the task could not be described';
      await tellClicker(ctx, click, `:warning: ECS context unavailable: ${why}`.slice(0, 2000));
      await auditView(ctx, click, target, 'error', { reason: why });
      return;
    }
    const msg = buildEcsContextBlocks(g.context);
    const role = g.context.taskDefinition?.taskRoleArn;
    const blast = await blastRadiusOf(ctx, ecs, {
      accountId: f.accountId,
      region: f.region,
      taskArn,
      digests: g.digests ?? [],
      ...(role ? { taskRoleArn: role } : {}),
    });
    if (blast)
      msg.blocks = [...msg.blocks.slice(0, -1), ...blastRadiusBlocks(blast), ...msg.blocks.slice(-1)].slice(
        0,
        LIMITS.blocks,
      );
    if (ephemeralReply) {
      await ctx.slack.chat.postEphemeral({
        channel: card.channel,
        user: click.userId,
        text: msg.text,
        blocks: msg.blocks,
      });
    } else {
      await ctx.pacing.post({
        channel: card.channel,
        ...((card.ts ?? click.messageTs) ? { thread_ts: card.ts ?? click.messageTs } : {}),
        text: msg.text,
        blocks: msg.blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
    }
    await auditView(ctx, click, target, 'ok', {
      ...(g.awsRequestIds[0] ? { awsRequestId: g.awsRequestIds[0] } : {}),
      detail: { visibility: ctx.config.contextVisibility, warnings: postureWarnings(g.context).length },
    });
    ctx.metrics.actions.inc({ action: 'context', outcome: 'succeeded' });
  } catch (err) {
    const info = describeAwsError(err, { operation: 'DescribeTasks' });
    await auditView(ctx, click, target, 'error', {
      reason: info.message,
      ...(info.requestId ? { awsRequestId: info.requestId } : {}),
    });
    ctx.metrics.actions.inc({ action: 'context', outcome: 'failed' });
    const text = `:warning: ECS context unavailable: ${info.message}`;
    if (ephemeralReply) await tellClicker(ctx, click, text);
    else await threadReply(ctx, card.channel, card.ts ?? click.messageTs, text, card.cardId);
  }
}
