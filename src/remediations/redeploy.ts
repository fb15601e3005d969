import { z } from 'zod';
import { forceNewDeployment } from '../aws/redeploy-service.js';
import { defineRemediation } from './types.js';

/** Block Kit action id of the per-service Redeploy button on coverage cards. */
export const REDEPLOY_ACTION = 'redeploy_service';

/**
 * Redeploy: a new deployment of one ECS service (UpdateService forceNewDeployment), offered per
 * service on a coverage card for services whose running Fargate tasks have no GuardDuty agent.
 * The scheduler replaces the tasks; in a cluster Runtime Monitoring manages, the new ones carry
 * the agent. Approver, queued, audited; the call is one step, so a re-run after a crash does not
 * start a second deployment.
 */
export const redeploy = defineRemediation({
  name: 'redeploy',
  label: 'Redeploy',
  target: 'service',
  iamActions: ['ecs:UpdateService'],
  input: z.object({}),
  approval: { needsApproval: true, twoPerson: false, requesters: 'requesters' },
  button: {
    actionId: REDEPLOY_ACTION,
    on: 'other',
    confirm: {
      title: 'Redeploy this service?',
      text: 'A new deployment replaces every running task of the service (same task definition). An approver must approve it.',
      button: 'Request redeploy',
    },
    approveText:
      'A new deployment of the service starts now (UpdateService forceNewDeployment); its tasks are replaced.',
  },
  async run({ target, call, ecs, step }) {
    const { cluster, service } = target;
    if (!cluster || !service) return { ok: false, message: 'The request names no ECS service.' };
    const client = await ecs();
    const r = await step('update-service', () => forceNewDeployment(client, { cluster, service }, call));
    return {
      ok: true,
      message: `New deployment${r.deploymentId ? ` ${r.deploymentId}` : ''} of service ${service} in cluster ${cluster} started (UpdateService forceNewDeployment${r.desiredCount !== undefined ? `, ${r.desiredCount} tasks` : ''}): its tasks are being replaced with covered ones.`,
      ...(r.awsRequestId ? { awsRequestId: r.awsRequestId } : {}),
      ...(r.deploymentId ? { detail: { deploymentId: r.deploymentId } } : {}),
    };
  },
});
