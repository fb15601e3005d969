import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { z } from 'zod';
import { describeAwsError } from '../aws/errors.js';
import { defineRemediation, type Outcome, type RunContext } from './types.js';

/**
 * Revoke the task role's sessions: the inline policy IAM's console puts on a role for "Revoke
 * active sessions" — deny everything to credentials issued before now (aws:TokenIssueTime) — so
 * credentials an attacker took from the task-metadata endpoint are useless. Sessions the role
 * gets afterwards (a new task) are unaffected. Our own policy name, so Restore removes only ours.
 */
export const REVOKE_POLICY_NAME = 'EcsGuardRevokeOlderSessions';

export function revokePolicyDocument(issuedBeforeMs: number): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': new Date(issuedBeforeMs).toISOString() } },
      },
    ],
  });
}

const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

type R = Pick<RunContext<unknown>, 'call' | 'ctx' | 'target' | 'actor'>;

/** IAM in the target account (through the member role there), SourceIdentity = the approver. */
export const iamFor = (r: R): Promise<IAMClient> =>
  r.call('AssumeRole', () =>
    r.ctx.aws.iam({
      accountId: r.target.accountId,
      region: r.target.region,
      sourceIdentity: r.actor.id,
      purpose: 'revoke-sessions',
    }),
  );

export interface Revoked {
  [k: string]: unknown;
  roleArn: string;
  policyName: string;
  document: string;
}

export async function revokeRoleSessions(r: R, roleArn: string): Promise<Revoked> {
  const iam = await iamFor(r);
  const document = revokePolicyDocument(r.ctx.clock());
  await r.call('PutRolePolicy', () =>
    iam.send(
      new PutRolePolicyCommand({
        RoleName: roleNameOf(roleArn),
        PolicyName: REVOKE_POLICY_NAME,
        PolicyDocument: document,
      }),
    ),
  );
  return { roleArn, policyName: REVOKE_POLICY_NAME, document };
}

/** Removes our deny policy — unless someone changed it since (then it says so and leaves it). */
export async function restoreRoleSessions(r: R, revoked: Revoked): Promise<string> {
  const iam = await iamFor(r);
  const RoleName = roleNameOf(revoked.roleArn);
  let current: string | undefined;
  try {
    const got = await r.call('GetRolePolicy', () =>
      iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: revoked.policyName })),
    );
    current = decodeURIComponent(got.PolicyDocument ?? '');
  } catch (err) {
    if (describeAwsError(err).code === 'NoSuchEntity')
      return `${RoleName}: the revoke policy is already gone; nothing to restore.`;
    throw err;
  }
  if (JSON.stringify(JSON.parse(current)) !== JSON.stringify(JSON.parse(revoked.document)))
    return `${RoleName}: the revoke policy was changed since ecs-guard put it; left as it is.`;
  await r.call('DeleteRolePolicy', () =>
    iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: revoked.policyName })),
  );
  return `${RoleName}: revoke policy removed; older sessions work again until they expire.`;
}

export const revokedSchema = z.object({ roleArn: z.string(), policyName: z.string(), document: z.string() });

export const revokeSessions = defineRemediation({
  name: 'revoke-sessions',
  label: 'Revoke task role sessions',
  target: 'role',
  iamActions: ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy'],
  input: z.object({}),
  approval: { needsApproval: true, twoPerson: 'env', requesters: 'requesters' },
  async run(r): Promise<Outcome> {
    if (!r.ctx.config.containment.revokeSessions)
      return { ok: false, message: 'Revoking sessions is off (policy file containment.revokeSessions).' };
    if (!r.target.roleArn) return { ok: false, message: 'No task role to revoke.' };
    const v = await revokeRoleSessions(r, r.target.roleArn);
    return {
      ok: true,
      message: `Sessions of ${roleNameOf(v.roleArn)} issued before now are denied.`,
      undo: { revoked: v },
    };
  },
  undo: {
    async run(r) {
      const v = revokedSchema.safeParse(r.input.revoked);
      if (!v.success) return { ok: false, message: 'Nothing stored to restore.' };
      return { ok: true, message: await restoreRoleSessions(r, v.data) };
    },
  },
});
