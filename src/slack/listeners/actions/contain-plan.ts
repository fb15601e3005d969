import { cachedBlastRadius } from '../../../aws/blast-radius.js';
import { describeTaskBundle, taskDigests } from '../../../aws/task-bundle.js';
import { CONTAINMENT_STEPS, type ContainmentStep } from '../../../config.js';
import type { AppContext } from '../../../context.js';
import type { Finding } from '../../../findings/model.js';
import { incidentTasks } from '../../../findings/normalise.js';
import { contain, STEP_LABEL, TASKS_STEP_LABEL } from '../../../remediations/contain.js';
import { MAX_PLAN_TASKS, type PlanTask, planTaskSchema } from '../../../remediations/contain-tasks.js';
import { canRequest, ruleFor } from '../../../requests/policy.js';
import { blastRadiusLine } from '../../blocks/blast-radius.js';
import { buildContainPlan, chosenSteps } from '../../blocks/contain-plan.js';
import { isCardId } from '../../card-store.js';
import { type Click, refuse, tellClicker } from './click.js';
import { handleRequestClick } from './request-click.js';

const offeredSteps = (ctx: AppContext): ContainmentStep[] =>
  CONTAINMENT_STEPS.filter((s) => s !== 'revoke-sessions' || ctx.config.containment.revokeSessions);

/** The blast-radius line for the plan; a failure leaves it out (the plan still shows). */
async function blastLine(
  ctx: AppContext,
  click: Click,
  f: { accountId: string; region: string; taskArn: string; cluster?: string },
) {
  try {
    const ecs = await ctx.aws.ecs({
      accountId: f.accountId,
      region: f.region,
      sourceIdentity: click.userId,
      purpose: 'contain-plan',
    });
    const b = await describeTaskBundle(
      ecs,
      { taskArn: f.taskArn, ...(f.cluster ? { cluster: f.cluster } : {}) },
      { now: ctx.clock },
    );
    const role = b.taskDefinition?.taskRoleArn;
    const br = await cachedBlastRadius(ctx, ecs, {
      accountId: f.accountId,
      region: f.region,
      taskArn: f.taskArn,
      digests: taskDigests(b.task),
      ...(role ? { taskRoleArn: role } : {}),
    });
    return blastRadiusLine(br);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'contain plan: blast radius unavailable');
    return undefined;
  }
}

/**
 * Contain clicked on a card: shows the clicker the plan (steps as checkboxes with the policy
 * file's defaults, the blast radius). Nothing is requested yet; refused and audited when the
 * clicker may not request containment.
 */
export async function handleContainPlan(ctx: AppContext, click: Click): Promise<void> {
  const card = isCardId(click.value) ? await ctx.cards.get(click.value) : undefined;
  if (card?.kind !== 'finding' || !card.findingKey)
    return refuse(
      ctx,
      click,
      contain.name,
      "Contain: this button is not on one of ecs-guard's finding cards.",
    );
  const f = (await ctx.findings.get(card.findingKey))?.finding;
  const tasks = f?.sequence ? planTasks(f) : undefined;
  if (!f || (!f.taskArn && !tasks?.length))
    return refuse(
      ctx,
      click,
      contain.name,
      `Contain: this ${f?.sequence ? 'incident' : 'finding'} names no ECS task.`,
    );
  const rule = ruleFor(ctx.config, contain);
  const member = await ctx.groups.test(rule.requesters, rule.approvers);
  const decision = canRequest(rule, click.userId, contain.label, member);
  const auditTarget = {
    accountId: f.accountId,
    region: f.region,
    findingId: f.id,
    ...(f.taskArn ? { taskArn: f.taskArn } : {}),
  };
  if (!decision.ok)
    return refuse(ctx, click, contain.name, `Contain refused: ${decision.reason}.`, auditTarget);
  const offered = offeredSteps(ctx);
  if (tasks?.length || !f.taskArn) {
    // An incident: one plan over every affected task (no blast-radius read per task here; the
    // stop-image step reads it again when it runs).
    const msg = buildContainPlan({
      cardId: card.cardId,
      taskId: f.title,
      tasks: tasks ?? [],
      offered: offered.map((step) => ({ step, label: TASKS_STEP_LABEL[step] })),
      defaults: ctx.config.containment.defaultSteps,
    });
    await ctx.slack.chat.postEphemeral({
      channel: click.channelId,
      user: click.userId,
      text: msg.text,
      blocks: msg.blocks,
    });
    return;
  }
  const cluster = f.clusterName ?? f.clusterArn;
  const line = await blastLine(ctx, click, {
    accountId: f.accountId,
    region: f.region,
    taskArn: f.taskArn,
    ...(cluster ? { cluster } : {}),
  });
  const msg = buildContainPlan({
    cardId: card.cardId,
    taskId: f.taskArn.slice(f.taskArn.lastIndexOf('/') + 1),
    ...(f.service ? { service: f.service } : {}),
    offered: offered.map((step) => ({ step, label: STEP_LABEL[step] })),
    defaults: ctx.config.containment.defaultSteps,
    ...(line ? { blastRadius: line } : {}),
  });
  await ctx.slack.chat.postEphemeral({
    channel: click.channelId,
    user: click.userId,
    text: msg.text,
    blocks: msg.blocks,
  });
}

/** "Request containment" in the plan: the ticked steps become the Contain request's input. */
export async function handleRequestContainment(ctx: AppContext, click: Click): Promise<void> {
  const steps = chosenSteps(click.state, offeredSteps(ctx)) ?? ctx.config.containment.defaultSteps;
  if (!steps.length)
    return tellClicker(ctx, click, ':information_source: Tick at least one step to request containment.');
  // An incident's tasks come from the stored sequence, never from the click.
  const card = isCardId(click.value) ? await ctx.cards.get(click.value) : undefined;
  const f = card?.findingKey ? (await ctx.findings.get(card.findingKey))?.finding : undefined;
  const tasks = f?.sequence ? planTasks(f) : undefined;
  if (f?.sequence && !tasks?.length)
    return refuse(ctx, click, contain.name, 'Contain: this incident names no ECS task.');
  return handleRequestClick(ctx, click, contain, { steps, ...(tasks ? { tasks } : {}) });
}

/** The affected tasks of an incident that can be acted on (valid ARN, account, region), at most 400. */
export function planTasks(f: Finding): PlanTask[] {
  return incidentTasks(f)
    .flatMap((t) => {
      const p = planTaskSchema.safeParse(t);
      return p.success ? [p.data] : [];
    })
    .slice(0, MAX_PLAN_TASKS);
}
