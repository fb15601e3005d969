// Revoke task role sessions' run() and undo with a fake IAM client: the inline deny policy with
// the aws:TokenIssueTime condition on the role (through the member role, as the approver), and a
// Restore that removes only our unchanged policy.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failedOperation } from '../../src/aws/aws-call.js';
import { describeAwsError } from '../../src/aws/errors.js';
import {
  REVOKE_POLICY_NAME,
  revokePolicyDocument,
  revokeSessions,
} from '../../src/remediations/revoke-sessions.js';
import { awsError } from '../helpers/fake-aws.js';
import { ACCOUNT, type FakeWorld, fakeWorld, NOW, REGION, run, undo } from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const ROLE = `arn:aws:iam::${ACCOUNT}:role/app/web-task-role`;

describe('revoke-sessions run()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
  });

  it('puts a deny-all policy for credentials issued before now on the role', async () => {
    const out = await run(w, revokeSessions, { roleArn: ROLE });
    expect(w.iam.ops()).toEqual(['PutRolePolicy']);
    const [put] = w.iam.inputs('PutRolePolicy');
    expect(put.RoleName).toBe('web-task-role');
    expect(put.PolicyName).toBe(REVOKE_POLICY_NAME);
    expect(JSON.parse(put.PolicyDocument)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': new Date(NOW).toISOString() } },
        },
      ],
    });
    expect(out).toEqual({
      ok: true,
      message: 'Sessions of web-task-role issued before now are denied.',
      undo: { revoked: { roleArn: ROLE, policyName: REVOKE_POLICY_NAME, document: put.PolicyDocument } },
    });
    // IAM of the target account, as the approver (SourceIdentity in CloudTrail).
    expect(w.identities).toEqual([
      {
        kind: 'iam',
        accountId: ACCOUNT,
        region: REGION,
        sourceIdentity: 'UAPPROVER1',
        purpose: 'revoke-sessions',
      },
    ]);
  });

  it('off unless the policy file turns it on; no role is a failed outcome; neither calls IAM', async () => {
    const off = fakeWorld(redis, { revokeSessions: false });
    expect(await run(off, revokeSessions, { roleArn: ROLE })).toEqual({
      ok: false,
      message: 'Revoking sessions is off (policy file containment.revokeSessions).',
    });
    expect(await run(w, revokeSessions, {})).toEqual({ ok: false, message: 'No task role to revoke.' });
    expect([...off.identities, ...w.identities]).toEqual([]);
  });

  it('AccessDenied on PutRolePolicy is thrown, not retryable, recorded against PutRolePolicy', async () => {
    w.iam.on(
      'PutRolePolicy',
      awsError('AccessDenied', 'User is not authorized to perform: iam:PutRolePolicy', { status: 403 }),
    );
    const err = await run(w, revokeSessions, { roleArn: ROLE }).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('PutRolePolicy');
    expect(describeAwsError(err)).toMatchObject({
      code: 'AccessDenied',
      accessDenied: true,
      retryable: false,
    });
  });

  it('a failed AssumeRole into the member account is recorded against AssumeRole', async () => {
    (w.ctx.aws as unknown as { iam: () => Promise<never> }).iam = async () => {
      throw awsError('AccessDenied', 'not authorized to perform: sts:AssumeRole', { status: 403 });
    };
    const err = await run(w, revokeSessions, { roleArn: ROLE }).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('AssumeRole');
    expect(describeAwsError(err, { operation: 'AssumeRole' }).hint).toBe(
      'check the role trust policy and external id',
    );
  });
});

describe('revoke-sessions undo()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
  });
  const document = revokePolicyDocument(NOW);
  const state = { revoked: { roleArn: ROLE, policyName: REVOKE_POLICY_NAME, document } };

  it('deletes our policy when it is still as ecs-guard put it (IAM returns it URL-encoded)', async () => {
    w.iam.on('GetRolePolicy', { PolicyDocument: encodeURIComponent(document) });
    const out = await undo(w, revokeSessions, state);
    expect(w.iam.calls).toEqual([
      { op: 'GetRolePolicy', input: { RoleName: 'web-task-role', PolicyName: REVOKE_POLICY_NAME } },
      { op: 'DeleteRolePolicy', input: { RoleName: 'web-task-role', PolicyName: REVOKE_POLICY_NAME } },
    ]);
    expect(out).toEqual({
      ok: true,
      message: 'web-task-role: revoke policy removed; older sessions work again until they expire.',
    });
  });

  it('leaves a policy someone changed since; a policy already gone is done', async () => {
    w.iam.on('GetRolePolicy', { PolicyDocument: encodeURIComponent(revokePolicyDocument(NOW + 1000)) });
    expect((await undo(w, revokeSessions, state)).message).toBe(
      'web-task-role: the revoke policy was changed since ecs-guard put it; left as it is.',
    );
    const gone = fakeWorld(redis);
    gone.iam.on(
      'GetRolePolicy',
      awsError('NoSuchEntity', 'The role policy with name X cannot be found.', { status: 404 }),
    );
    expect(await undo(gone, revokeSessions, state)).toEqual({
      ok: true,
      message: 'web-task-role: the revoke policy is already gone; nothing to restore.',
    });
    for (const x of [w, gone]) expect(x.iam.ops()).toEqual(['GetRolePolicy']);
  });

  it('other GetRolePolicy failures are thrown; nothing stored is a failed outcome', async () => {
    w.iam.on('GetRolePolicy', awsError('ServiceFailure', 'internal', { status: 500 }));
    const err = await undo(w, revokeSessions, state).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('GetRolePolicy');
    expect(describeAwsError(err).retryable).toBe(true);
    expect(await undo(fakeWorld(redis), revokeSessions, {})).toEqual({
      ok: false,
      message: 'Nothing stored to restore.',
    });
  });
});
