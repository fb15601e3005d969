import { ListClustersCommand } from '@aws-sdk/client-ecs';
import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  LimitExceededException,
  ListRolePoliciesCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  UnmodifiableEntityException,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsEmulator,
  addService,
  type Estate,
  ROLE_INLINE_POLICY_LIMIT,
  seedEstate,
  startAwsEmulator,
} from '../../../sandbox/aws/index.js';
import { sdkClients } from './clients.js';

const REGION = 'us-east-1';
let clock = Date.parse('2026-12-01T12:00:00Z');
let emu: AwsEmulator;
let estate: Estate;
let c: ReturnType<typeof sdkClients>;
let iam: IAMClient;

beforeAll(async () => {
  emu = await startAwsEmulator({ now: () => clock });
  estate = seedEstate(emu.state);
  c = sdkClients(emu, REGION);
  iam = new IAMClient({ endpoint: emu.url, region: REGION, credentials: emu.credentials, maxAttempts: 1 });
});
afterAll(async () => {
  iam.destroy();
  c.destroy();
  await emu.close();
});

const revokePolicy = (before: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:TokenIssueTime': before } },
    },
  });

describe('IAM roles (awsQuery)', () => {
  it('task roles of the seeded task definitions exist; GetRole returns the URL-encoded trust policy', async () => {
    const roleArn = estate.services.web?.taskDefinition.taskRoleArn ?? '';
    const name = roleArn.split('/').pop() ?? '';
    const r = await iam.send(new GetRoleCommand({ RoleName: name }));
    expect(r.Role).toMatchObject({ RoleName: name, Arn: roleArn, Path: '/' });
    expect(r.Role?.RoleId).toMatch(/^AROA/);
    expect(r.Role?.CreateDate).toBeInstanceOf(Date);
    expect(r.Role?.AssumeRolePolicyDocument).toMatch(/^%7B/);
    const trust = JSON.parse(decodeURIComponent(r.Role?.AssumeRolePolicyDocument ?? ''));
    expect(trust.Statement[0].Principal).toEqual({ Service: 'ecs-tasks.amazonaws.com' });
    const err = await iam.send(new GetRoleCommand({ RoleName: 'ghost' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoSuchEntityException);
    expect((err as Error).message).toBe('The role with name ghost cannot be found.');
    expect((err as NoSuchEntityException).$metadata.httpStatusCode).toBe(404);
  });

  it('puts, gets (RFC 3986 encoded), lists and deletes an inline policy', async () => {
    const doc = revokePolicy('2026-12-01T12:00:00Z');
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'web-task', PolicyName: 'Revoke', PolicyDocument: doc }),
    );
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'web-task', PolicyName: 'Revoke' }));
    expect(got).toMatchObject({ RoleName: 'web-task', PolicyName: 'Revoke' });
    expect(got.PolicyDocument).not.toContain('{');
    expect(decodeURIComponent(got.PolicyDocument ?? '')).toBe(doc);
    const list = await iam.send(new ListRolePoliciesCommand({ RoleName: 'web-task' }));
    expect(list.PolicyNames).toEqual(['Revoke']);
    expect(list.IsTruncated).toBe(false);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'web-task', PolicyName: 'Revoke' }));
    const gone = await iam
      .send(new GetRolePolicyCommand({ RoleName: 'web-task', PolicyName: 'Revoke' }))
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(NoSuchEntityException);
    expect((gone as Error).message).toBe('The role policy with name Revoke cannot be found.');
    await expect(
      iam.send(new DeleteRolePolicyCommand({ RoleName: 'web-task', PolicyName: 'Revoke' })),
    ).rejects.toBeInstanceOf(NoSuchEntityException);
    const calls = emu.calls({ service: 'iam' }).map((x) => `${x.operation} ${x.status}`);
    expect(calls.slice(-6)).toEqual([
      'PutRolePolicy 200',
      'GetRolePolicy 200',
      'ListRolePolicies 200',
      'DeleteRolePolicy 200',
      'GetRolePolicy 404',
      'DeleteRolePolicy 404',
    ]);
  });

  it('rejects bad policies, names, protected roles and oversized inline policies the way IAM does', async () => {
    const put = (PolicyDocument: string, RoleName = 'api-task', PolicyName = 'p') =>
      iam.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument })).catch((e: unknown) => e);
    const bad = await put('{not json');
    expect(bad).toBeInstanceOf(MalformedPolicyDocumentException);
    expect((bad as Error).message).toBe('Syntax errors in policy.');
    expect(
      await put(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Deny', Action: '*' } })),
    ).toBeInstanceOf(MalformedPolicyDocumentException);
    const named = await put(revokePolicy('2026-01-01T00:00:00Z'), 'api-task', 'has space');
    expect((named as Error).name).toBe('ValidationError');
    emu.state.addRole(emu.homeAccountId, 'AWSServiceRoleForECS', {
      path: '/aws-service-role/ecs.amazonaws.com/',
    });
    expect(await put(revokePolicy('2026-01-01T00:00:00Z'), 'AWSServiceRoleForECS')).toBeInstanceOf(
      UnmodifiableEntityException,
    );
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: {
        Effect: 'Deny',
        Action: '*',
        Resource: `arn:aws:s3:::${'x'.repeat(ROLE_INLINE_POLICY_LIMIT)}`,
      },
    });
    const over = await put(big);
    expect(over).toBeInstanceOf(LimitExceededException);
    expect((over as LimitExceededException).$metadata.httpStatusCode).toBe(409);
    expect(emu.state.role(emu.homeAccountId, 'api-task')?.inlinePolicies.size).toBe(0);
  });

  it('acts in the account of the credentials: a member account through an assumed role', async () => {
    const a = await c.sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${estate.memberAccountId}:role/${estate.roleName}`,
        RoleSessionName: 'ecs-guard-revoke',
        ExternalId: estate.externalId,
        SourceIdentity: 'U0APPROVER',
      }),
    );
    const member = new IAMClient({
      endpoint: emu.url,
      region: REGION,
      credentials: {
        accessKeyId: a.Credentials?.AccessKeyId ?? '',
        secretAccessKey: a.Credentials?.SecretAccessKey ?? '',
        sessionToken: a.Credentials?.SessionToken ?? '',
      },
    });
    try {
      await member.send(
        new PutRolePolicyCommand({
          RoleName: 'payments-api-task',
          PolicyName: 'Revoke',
          PolicyDocument: revokePolicy('2026-12-01T12:00:00Z'),
        }),
      );
    } finally {
      member.destroy();
    }
    expect(emu.state.role(estate.memberAccountId, 'payments-api-task')?.inlinePolicies.has('Revoke')).toBe(
      true,
    );
    expect(emu.calls({ service: 'iam', operation: 'PutRolePolicy' }).at(-1)).toMatchObject({
      accountId: estate.memberAccountId,
      sourceIdentity: 'U0APPROVER',
    });
    // The home account's IAM cannot see the member's role.
    await expect(iam.send(new GetRoleCommand({ RoleName: 'payments-api-task' }))).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
  });
});

describe('revoked sessions', () => {
  it('a role session issued before the DateLessThan aws:TokenIssueTime deny is refused; a newer one works', async () => {
    const s = addService(emu.state, {
      accountId: emu.homeAccountId,
      region: REGION,
      cluster: 'revoke-demo',
      service: 'leaky',
      image: 'public.ecr.aws/leaky:1',
      taskCount: 1,
    });
    const role = emu.state.ensureTaskRole(s.taskDefinition.taskRoleArn ?? '');
    if (!role) throw new Error('no task role');
    // What the task-metadata endpoint hands the container (and an attacker can copy).
    const session = (at: number) =>
      emu.state.issueSession(role, {
        roleArn: s.taskDefinition.taskRoleArn ?? '',
        roleName: role.roleName,
        roleSessionName: 'task-session',
        callerAccountId: emu.homeAccountId,
        durationSeconds: 6 * 3600,
        at,
      });
    const stolen = session(clock - 60_000);
    const ecsAs = (p: typeof stolen) =>
      sdkClients(emu, REGION, {
        accessKeyId: p.accessKeyId,
        secretAccessKey: p.secretAccessKey,
        sessionToken: p.sessionToken ?? '',
      });
    const thief = ecsAs(stolen);
    try {
      await thief.ecs.send(new ListClustersCommand({}));
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: role.roleName,
          PolicyName: 'Revoke',
          PolicyDocument: revokePolicy(new Date(clock).toISOString()),
        }),
      );
      const denied = await thief.ecs.send(new ListClustersCommand({})).catch((e: unknown) => e);
      expect((denied as Error).name).toBe('AccessDeniedException');
      expect((denied as Error).message).toContain('with an explicit deny in an identity-based policy');
      clock += 1000;
      const fresh = ecsAs(session(clock));
      try {
        await fresh.ecs.send(new ListClustersCommand({}));
      } finally {
        fresh.destroy();
      }
      await iam.send(new DeleteRolePolicyCommand({ RoleName: role.roleName, PolicyName: 'Revoke' }));
      await thief.ecs.send(new ListClustersCommand({}));
    } finally {
      thief.destroy();
    }
  });
});
