/**
 * The evidence snapshot as a thread reply people can read: task state and identity, digests,
 * network, roles, service, per-container posture, names of environment variables and secrets,
 * and the log and CloudTrail links. Pure. Every AWS value is escaped; the links are ones we built.
 */
import type { KnownBlock } from '@slack/types';
import type { EvidenceSnapshot } from '../../aws/evidence-snapshot.js';
import { code, link, mrkdwn, truncate } from '../mrkdwn.js';
import type { SlackMessage } from './finding-card.js';
import { LIMITS } from './limits.js';
import { codeList, context, fieldsSection, header, section, slackDate } from './parts.js';

const val = (v: string | number | undefined, max = 200): string =>
  v === undefined || v === '' ? '–' : code(String(v), max);

const taskIdOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

export function buildEvidenceSummary(s: EvidenceSnapshot, sha256: string): SlackMessage {
  const taskId = taskIdOf(s.target.taskArn);
  const t = s.task;
  const td = s.taskDefinition;
  const svc = s.service;
  const blocks: KnownBlock[] = [header(`Evidence snapshot · task ${taskId}`, 'ev-header')];
  if (!s.ok) {
    blocks.push(
      section(
        `:warning: *Snapshot incomplete*: the task could not be described${s.problems.length ? ` (${mrkdwn(s.problems.join('; '), 600)})` : ''}. The step ran anyway; what could be read is below.`,
        'ev-failed',
      ),
    );
  }
  if (t) {
    const digests = t.containers.filter((c) => !c.guardDutyAgent);
    blocks.push(
      fieldsSection(
        [
          `*Status*\n${val(t.lastStatus)} (desired ${val(t.desiredStatus)})`,
          `*Started*\n${t.startedAt !== undefined ? slackDate(t.startedAt) : '–'} by ${val(t.startedBy, 120)}`,
          `*Group*\n${val(t.group)}`,
          `*Launch / AZ*\n${val([t.launchType, t.platformVersion, t.availabilityZone].filter(Boolean).join(' ') || undefined)}`,
          `*ENI*\n${val(t.eni?.networkInterfaceId)} in ${val(t.eni?.subnetId)}`,
          `*IPs*\nprivate ${val(t.eni?.privateIp, 60)} · public ${val(t.eni?.publicIp, 60)}`,
          `*Security groups*\n${t.securityGroups?.length ? codeList(t.securityGroups, 300, 40) : '–'}`,
          `*ECS Exec*\n${t.enableExecuteCommand ? ':warning: enabled' : 'off'}`,
        ],
        'ev-task',
      ),
      section(
        `*Image digests*\n${
          digests.length
            ? digests
                .map(
                  (c) =>
                    `• ${mrkdwn(c.name, 80)}: ${val(c.image, 200)} ${val(c.imageDigest, 80)} · runtime ${val(c.runtimeId, 100)}`,
                )
                .join('\n')
            : '–'
        }`,
        'ev-digests',
      ),
    );
  }
  if (td) {
    blocks.push(
      section(
        [
          `*Task definition* ${val(td.familyRevision)} · network ${val(td.networkMode, 40)}${td.pidMode ? ` · pid ${val(td.pidMode, 40)}` : ''}`,
          `*Task role* ${val(td.taskRoleArn, 300)}${td.taskRoleOverridden ? ' (overridden by the task)' : ''}`,
          `*Execution role* ${val(td.executionRoleArn, 300)}`,
        ].join('\n'),
        'ev-td',
      ),
    );
    const shown = td.containers.slice(0, 6);
    for (const [i, c] of shown.entries()) {
      const flags = [
        c.privileged ? 'privileged' : undefined,
        c.user ? `user ${code(c.user, 40)}` : 'user unset (image default, usually root)',
        c.readonlyRootFilesystem ? 'read-only root fs' : 'writable root fs',
        c.capabilitiesAdded.length ? `adds ${codeList(c.capabilitiesAdded, 200, 30)}` : undefined,
      ].filter(Boolean);
      const lines = [`*${mrkdwn(c.name, 80)}* · ${flags.join(' · ')}`];
      if (c.environmentNames.length)
        lines.push(`Environment (names): ${codeList(c.environmentNames, 600, 80)}`);
      if (c.secretNames.length) lines.push(`Secrets (names): ${codeList(c.secretNames, 600, 80)}`);
      if (c.logDriver) lines.push(`Logs: ${val(c.logDriver, 40)}`);
      blocks.push(section(truncate(lines.join('\n'), 1500), `ev-container-${i}`));
    }
  }
  if (svc) {
    const deps = svc.deployments
      .slice(0, 4)
      .map(
        (d) =>
          `${val(d.status, 20)} ${val(d.taskDefinition?.slice(d.taskDefinition.lastIndexOf('/') + 1), 120)} ${d.runningCount ?? '?'}/${d.desiredCount ?? '?'} ${val(d.rolloutState, 30)}`,
      );
    blocks.push(
      section(
        `*Service* ${val(svc.name)} · ${svc.runningCount ?? '?'}/${svc.desiredCount ?? '?'} running${svc.pendingCount ? ` · ${svc.pendingCount} pending` : ''}\nDeployments: ${deps.join('; ') || '–'}`,
        'ev-service',
      ),
    );
  }
  const links: string[] = [];
  for (const l of s.links.logs.slice(0, 5))
    links.push(link(l.url, `Logs of ${l.container}${l.stream ? '' : ' (log group)'}`, 100));
  if (s.links.cloudTrail)
    links.push(
      `${link(s.links.cloudTrail.url, 'CloudTrail: the task role session', 100)} (user name ${code(s.links.cloudTrail.username, 40)}, ${slackDate(s.links.cloudTrail.startMs)} – ${slackDate(s.links.cloudTrail.endMs)})`,
    );
  if (links.length) blocks.push(section(links.join('\n'), 'ev-links'));
  blocks.push(
    context(
      [
        `Read at ${slackDate(s.takenAt)} · snapshot ${code(s.id, 80)} · SHA-256 ${code(sha256.slice(0, 16), 20)}… in the audit trail. Environment variables and secrets: names only.`,
      ],
      'ev-footer',
    ),
  );
  const text = mrkdwn(
    `Evidence snapshot of task ${taskId}${s.ok ? '' : ' (incomplete)'}${t ? `: ${t.lastStatus ?? '?'}` : ''}`,
    LIMITS.fallbackText,
  );
  return { text, blocks: blocks.slice(0, LIMITS.blocks) };
}
