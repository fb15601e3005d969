/**
 * "ECS context" reply: what the task, its service and task definition look like, plus posture
 * warnings (privileged, root, writable root fs, host network/PID, capabilities, public IP, no
 * task role). Built from a plain object the ECS layer fills from DescribeTasks / DescribeServices /
 * DescribeTaskDefinition. Secrets and environment variables are carried by NAME only: the type
 * has no field for a value, so a value can never reach Slack through this card.
 */
import type { KnownBlock } from '@slack/types';
import { code, mrkdwn, truncate } from '../mrkdwn.js';
import type { SlackMessage } from './finding-card.js';
import { LIMITS } from './limits.js';
import { codeList, context, fieldsSection, header, section, slackDate } from './parts.js';

export interface EcsContainerContext {
  name: string;
  image?: string;
  privileged?: boolean;
  /** Task-definition `user` (unset = image default, usually root). */
  user?: string;
  readonlyRootFilesystem?: boolean;
  /** linuxParameters.capabilities.add */
  addedCapabilities?: string[];
  /** Names of `secrets[]` only. */
  secretNames?: string[];
  /** Names of `environment[]` only. */
  environmentNames?: string[];
  essential?: boolean;
}

export interface EcsContext {
  accountId: string;
  region: string;
  cluster: string;
  service?: {
    name: string;
    desiredCount?: number;
    runningCount?: number;
    /** Primary deployment rollout state, e.g. COMPLETED / IN_PROGRESS / FAILED. */
    deploymentStatus?: string;
    launchType?: string;
    platformVersion?: string;
  };
  task: {
    taskId: string;
    lastStatus?: string;
    desiredStatus?: string;
    /** Epoch ms. */
    startedAt?: number;
    startedBy?: string;
    availabilityZone?: string;
    cpu?: string;
    memory?: string;
    launchType?: string;
    platformVersion?: string;
    privateIp?: string;
    publicIp?: string;
    subnets?: string[];
    securityGroups?: string[];
  };
  taskDefinition?: {
    /** family:revision */
    familyRevision: string;
    taskRoleArn?: string;
    executionRoleArn?: string;
    networkMode?: string;
    pidMode?: string;
  };
  /** Application containers (the GuardDuty agent sidecar excluded). */
  containers: EcsContainerContext[];
  /** Whether the GuardDuty runtime agent sidecar is in the task. */
  guardDutyAgentPresent: boolean;
  /** Epoch ms when AWS was read: every reply says how fresh it is. */
  readAt?: number;
}

const isRootUser = (user: string | undefined): boolean => {
  const u = user?.trim();
  // `user` may be "name", "uid", "name:group" or "uid:gid"; unset runs as the image default (root).
  const who = u?.split(':')[0];
  return !who || who === 'root' || who === '0';
};

/** One line per risky setting; empty when nothing stands out. Pure. */
export function postureWarnings(ctx: EcsContext): string[] {
  const w: string[] = [];
  for (const c of ctx.containers) {
    const n = `container ${c.name}`;
    if (c.privileged) w.push(`${n} runs privileged`);
    if (isRootUser(c.user)) w.push(`${n} runs as root${c.user ? '' : ' (no user set)'}`);
    if (!c.readonlyRootFilesystem) w.push(`${n} has a writable root filesystem`);
    if (c.addedCapabilities?.length) w.push(`${n} adds capabilities: ${c.addedCapabilities.join(', ')}`);
  }
  const td = ctx.taskDefinition;
  if (td?.networkMode === 'host') w.push('task uses host network mode');
  if (td?.pidMode === 'host') w.push('task shares the host PID namespace');
  if (ctx.task.publicIp) w.push(`task has a public IP (${ctx.task.publicIp})`);
  if (td && !td.taskRoleArn) w.push('task has no task role');
  // On EC2 the agent runs on the host (a daemon), not as a sidecar: only Fargate tasks need one.
  if (!ctx.guardDutyAgentPresent && isFargate(ctx))
    w.push('GuardDuty runtime agent sidecar not found in the task');
  return w;
}

const isFargate = (ctx: EcsContext): boolean =>
  (ctx.task.launchType ?? ctx.service?.launchType ?? 'FARGATE').toUpperCase() === 'FARGATE';

const val = (v: string | number | undefined, max = 200): string =>
  v === undefined || v === '' ? '–' : code(String(v), max);

function containerText(c: EcsContainerContext, budget: number): string {
  const listBudget = Math.max(60, Math.floor((budget - 500) / 3));
  const flags = [
    c.privileged ? 'privileged' : undefined,
    isRootUser(c.user) ? 'root' : undefined,
    c.readonlyRootFilesystem ? 'read-only root fs' : 'writable root fs',
    c.essential === false ? 'non-essential' : undefined,
  ].filter(Boolean);
  const lines = [
    `*${mrkdwn(c.name, 100)}* ${val(c.image, 300)} · user ${val(c.user, 60)} · ${flags.join(', ')}`,
  ];
  if (c.addedCapabilities?.length)
    lines.push(`Capabilities added: ${codeList(c.addedCapabilities, listBudget, 40)}`);
  if (c.secretNames?.length) lines.push(`Secrets (names): ${codeList(c.secretNames, listBudget, 80)}`);
  if (c.environmentNames?.length)
    lines.push(`Environment (names): ${codeList(c.environmentNames, listBudget, 80)}`);
  return truncate(lines.join('\n'), budget);
}

export function buildEcsContextBlocks(ctx: EcsContext): SlackMessage {
  const t = ctx.task;
  const s = ctx.service;
  const td = ctx.taskDefinition;
  const blocks: KnownBlock[] = [
    header(`ECS context · task ${t.taskId}`, 'ecs-header'),
    fieldsSection(
      [
        `*Cluster*\n${val(ctx.cluster)}`,
        `*Account / Region*\n${val(`${ctx.accountId} / ${ctx.region}`)}`,
        `*Service*\n${s ? `${val(s.name)} · ${s.runningCount ?? '?'}/${s.desiredCount ?? '?'} running` : '–'}`,
        `*Deployment*\n${val(s?.deploymentStatus)}`,
        `*Launch type / platform*\n${val([t.launchType ?? s?.launchType, t.platformVersion ?? s?.platformVersion].filter(Boolean).join(' ') || undefined)}`,
        `*Task status*\n${val([t.lastStatus, t.desiredStatus ? `(desired ${t.desiredStatus})` : undefined].filter(Boolean).join(' ') || undefined)}`,
        `*Started*\n${t.startedAt !== undefined ? slackDate(t.startedAt) : '–'} by ${val(t.startedBy, 120)}`,
        `*AZ · CPU / memory*\n${val([t.availabilityZone, t.cpu && t.memory ? `${t.cpu} / ${t.memory}` : undefined].filter(Boolean).join(' · ') || undefined)}`,
        `*Task definition*\n${val(td?.familyRevision)} · network ${val(td?.networkMode, 40)}${td?.pidMode ? ` · pid ${val(td.pidMode, 40)}` : ''}`,
        `*Roles*\ntask ${val(td?.taskRoleArn, 300)}\nexecution ${val(td?.executionRoleArn, 300)}`,
      ],
      'ecs-fields',
    ),
    section(
      [
        `*Network* private ${val(t.privateIp, 60)} · public ${val(t.publicIp, 60)}`,
        `Subnets: ${t.subnets?.length ? codeList(t.subnets, 400, 60) : '–'}`,
        `Security groups: ${t.securityGroups?.length ? codeList(t.securityGroups, 400, 60) : '–'}`,
        `GuardDuty agent: ${ctx.guardDutyAgentPresent ? 'sidecar present' : isFargate(ctx) ? '*sidecar not found*' : 'runs on the host (EC2)'}`,
      ].join('\n'),
      'ecs-network',
    ),
  ];
  // One section per container, keeping room for the warnings and the footer.
  // Containers share ~6,000 characters so the whole reply stays under Slack's total-text limit.
  const shown = ctx.containers.slice(0, 10);
  const budget = Math.min(1600, Math.floor(6000 / Math.max(1, shown.length)));
  for (const [i, c] of shown.entries()) blocks.push(section(containerText(c, budget), `ecs-container-${i}`));
  const warnings = postureWarnings(ctx);
  if (warnings.length) {
    const lines: string[] = [];
    let used = 0;
    for (const w of warnings) {
      const line = `• ${mrkdwn(w, 200)}`;
      if (used + line.length > 2500) break;
      lines.push(line);
      used += line.length + 1;
    }
    if (warnings.length > lines.length) lines.push(`…and ${warnings.length - lines.length} more`);
    blocks.push(section(`:warning: *Posture*\n${lines.join('\n')}`, 'ecs-posture'));
  } else {
    blocks.push(section(':white_check_mark: *Posture*: nothing risky found.', 'ecs-posture'));
  }
  const more = ctx.containers.length - shown.length;
  blocks.push(
    context(
      [
        `Secrets and environment variables are listed by name only.${more > 0 ? ` ${more} more containers not shown.` : ''}`,
        ...(ctx.readAt !== undefined ? [`Read from AWS at ${slackDate(ctx.readAt)}.`] : []),
      ],
      'ecs-footer',
    ),
  );
  const text = mrkdwn(
    `ECS context for task ${t.taskId} in ${ctx.cluster}: ${warnings.length} posture warning${warnings.length === 1 ? '' : 's'}`,
    LIMITS.fallbackText,
  );
  return { text, blocks: blocks.slice(0, LIMITS.blocks) };
}
