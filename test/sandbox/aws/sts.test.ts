import { DescribeTasksCommand, ListClustersCommand } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, type Estate, seedEstate, startAwsEmulator } from '../../../sandbox/aws/index.js';
import { sdkClients } from './clients.js';

const REGION = 'us-east-1';
let emu: AwsEmulator;
let estate: Estate;
let clock = Date.now();
let c: ReturnType<typeof sdkClients>;

beforeAll(async () => {
  emu = await startAwsEmulator({ homeAccountId: '111122223333', now: () => clock });
  estate = seedEstate(emu.state);
  c = sdkClients(emu, REGION);
});

afterAll(async () => {
  c.destroy();
  await emu.close();
});

const roleArn = () => `arn:aws:iam::${estate.memberAccountId}:role/${estate.roleName}`;

describe('STS', () => {
  it('GetCallerIdentity names the home account user', async () => {
    const r = await c.sts.send(new GetCallerIdentityCommand({}));
    expect(r.Account).toBe('111122223333');
    expect(r.Arn).toBe('arn:aws:iam::111122223333:user/ecs-guard');
    expect(r.UserId).toMatch(/^AIDA/);
  });

  it('AssumeRole issues credentials that act in the member account, recording what was sent', async () => {
    const r = await c.sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn(),
        RoleSessionName: 'ecs-guard-stop-task',
        ExternalId: estate.externalId,
        SourceIdentity: 'U012ABCDEF',
        DurationSeconds: 900,
      }),
    );
    const cr = r.Credentials;
    expect(cr?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(cr?.SecretAccessKey).toBeTruthy();
    expect(cr?.SessionToken).toBeTruthy();
    expect(cr?.Expiration).toBeInstanceOf(Date);
    expect(Math.abs((cr?.Expiration?.getTime() ?? 0) - (clock + 900_000))).toBeLessThan(1000);
    expect(r.SourceIdentity).toBe('U012ABCDEF');
    expect(r.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${estate.memberAccountId}:assumed-role/${estate.roleName}/ecs-guard-stop-task`,
    );
    expect(r.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA.+:ecs-guard-stop-task$/);
    expect(emu.state.assumedRoles.at(-1)).toMatchObject({
      roleArn: roleArn(),
      roleSessionName: 'ecs-guard-stop-task',
      externalId: estate.externalId,
      sourceIdentity: 'U012ABCDEF',
      callerAccountId: '111122223333',
      durationSeconds: 900,
    });

    const member = sdkClients(emu, REGION, {
      accessKeyId: cr?.AccessKeyId ?? '',
      secretAccessKey: cr?.SecretAccessKey ?? '',
      sessionToken: cr?.SessionToken ?? '',
    });
    const who = await member.sts.send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(estate.memberAccountId);
    expect(who.Arn).toBe(r.AssumedRoleUser?.Arn);
    const clusters = await member.ecs.send(new ListClustersCommand({}));
    expect(clusters.clusterArns).toEqual([
      `arn:aws:ecs:${REGION}:${estate.memberAccountId}:cluster/payments`,
    ]);
    const task = estate.services.payments?.tasks[0];
    const d = await member.ecs.send(
      new DescribeTasksCommand({ cluster: 'payments', tasks: [task?.taskArn ?? ''] }),
    );
    expect(d.tasks?.[0]?.taskArn).toBe(task?.taskArn);
    const call = emu.calls({ service: 'ecs', operation: 'DescribeTasks' }).at(-1);
    expect(call).toMatchObject({
      accountId: estate.memberAccountId,
      accessKeyId: cr?.AccessKeyId,
      sourceIdentity: 'U012ABCDEF',
    });
    member.destroy();
  });

  it('wrong ExternalId, no SourceIdentity, unknown role or untrusted caller is AccessDenied (403)', async () => {
    const denied = async (input: ConstructorParameters<typeof AssumeRoleCommand>[0], client = c) => {
      const err = await client.sts.send(new AssumeRoleCommand(input)).catch((e: unknown) => e);
      expect((err as Error).name).toBe('AccessDenied');
      expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(403);
      expect((err as Error).message).toMatch(/is not authorized to perform: sts:AssumeRole/);
    };
    await denied({ RoleArn: roleArn(), RoleSessionName: 'x1', ExternalId: 'wrong' });
    await denied({ RoleArn: roleArn(), RoleSessionName: 'x1' });
    // The seeded member role trusts as deploy/member-role.cfn.yml does: SourceIdentity required.
    await denied({ RoleArn: roleArn(), RoleSessionName: 'x1', ExternalId: estate.externalId });
    await denied({
      RoleArn: `arn:aws:iam::${estate.memberAccountId}:role/Nope`,
      RoleSessionName: 'x1',
      ExternalId: estate.externalId,
    });
    const stranger = emu.state.addAccessKey('999988887777');
    const s = sdkClients(emu, REGION, {
      accessKeyId: stranger.accessKeyId,
      secretAccessKey: stranger.secretAccessKey,
    });
    await denied({ RoleArn: roleArn(), RoleSessionName: 'x1', ExternalId: estate.externalId }, s);
    s.destroy();
  });

  it('DurationSeconds out of range is a ValidationError', async () => {
    const err = await c.sts
      .send(
        new AssumeRoleCommand({
          RoleArn: roleArn(),
          RoleSessionName: 'x1',
          ExternalId: estate.externalId,
          DurationSeconds: 60,
        }),
      )
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('ValidationError');
  });

  it('issued credentials expire with the emulator clock; unknown keys are InvalidClientTokenId', async () => {
    const r = await c.sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn(),
        RoleSessionName: 'short',
        ExternalId: estate.externalId,
        SourceIdentity: 'U012ABCDEF',
        DurationSeconds: 900,
      }),
    );
    const cr = r.Credentials;
    const member = sdkClients(emu, REGION, {
      accessKeyId: cr?.AccessKeyId ?? '',
      secretAccessKey: cr?.SecretAccessKey ?? '',
      sessionToken: cr?.SessionToken ?? '',
    });
    clock += 901_000;
    const err = await member.ecs.send(new ListClustersCommand({})).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ExpiredTokenException');
    const bad = sdkClients(emu, REGION, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' });
    const e2 = await bad.sts.send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect((e2 as Error).name).toBe('InvalidClientTokenId');
    const e3 = await bad.ecs.send(new ListClustersCommand({})).catch((e: unknown) => e);
    expect((e3 as Error).name).toBe('UnrecognizedClientException');
    member.destroy();
    bad.destroy();
  });
});
