import { ListClustersCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { GetRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, addTask, addTaskDefinition, startAwsEmulator } from '../../sandbox/aws/index.js';
import { AwsClients } from '../../src/aws/clients.js';
import { REFRESH_EARLY_MS } from '../../src/aws/credentials.js';
import { describeAwsError } from '../../src/aws/errors.js';
import { ErrorCode, isEcsGuardError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';

const REGION = 'eu-west-1';
const MEMBER = '222233334444';
const OTHER = '555566667777';
/** An account whose role trusts as deploy/member-role.cfn.yml does: SourceIdentity required. */
const SOURCED = '888899990000';
const ROLE = 'arn:aws:iam::{accountId}:role/EcsGuardResponder';
const EXTERNAL_ID = 'ext-secret-42';
const log = createLogger({ level: 'silent' });

let emu: AwsEmulator;
const open: AwsClients[] = [];

function clients(over: Partial<ConstructorParameters<typeof AwsClients>[0]> = {}): AwsClients {
  const c = new AwsClients({
    config: { memberRole: ROLE, externalId: EXTERNAL_ID, homeRegion: REGION },
    log,
    endpoint: emu.url,
    credentials: emu.credentials,
    ...over,
  });
  open.push(c);
  return c;
}

const assumeCalls = () => emu.calls({ service: 'sts', operation: 'AssumeRole' });
const clusterNames = async (c: Awaited<ReturnType<AwsClients['ecs']>>) =>
  ((await c.send(new ListClustersCommand({}))).clusterArns ?? []).map((a) => a.split('/').pop());

beforeAll(async () => {
  emu = await startAwsEmulator();
  emu.state.addCluster(emu.homeAccountId, REGION, 'home-prod');
  emu.state.addCluster(MEMBER, REGION, 'member-prod');
  emu.state.addCluster(OTHER, REGION, 'other-prod');
  emu.state.addRole(MEMBER, 'EcsGuardResponder', {
    externalId: EXTERNAL_ID,
    trustedAccount: emu.homeAccountId,
  });
  emu.state.addRole(SOURCED, 'EcsGuardResponder', {
    externalId: EXTERNAL_ID,
    trustedAccount: emu.homeAccountId,
    requireSourceIdentity: true,
  });
  emu.state.addCluster(SOURCED, REGION, 'sourced-prod');
  emu.state.addRole(OTHER, 'EcsGuardResponder', {
    externalId: 'a-different-id',
    trustedAccount: emu.homeAccountId,
  });
});
afterEach(() => {
  for (const c of open.splice(0)) c.destroy();
  emu.clearCalls();
  emu.faults.clear();
});
afterAll(async () => {
  await emu.close();
});

describe('home account', () => {
  it('learns the home account once and uses the default credentials, no AssumeRole', async () => {
    const aws = clients();
    expect(await aws.homeAccountId()).toBe(emu.homeAccountId);
    expect(await clusterNames(await aws.ecs({ region: REGION }))).toEqual(['home-prod']);
    // the home account named explicitly is still the home account
    expect(await clusterNames(await aws.ecs({ accountId: emu.homeAccountId, region: REGION }))).toEqual([
      'home-prod',
    ]);
    await (await aws.guardDuty({ region: REGION })).send(new ListDetectorsCommand({}));
    expect(await aws.homeAccountId()).toBe(emu.homeAccountId);
    expect(emu.calls({ operation: 'GetCallerIdentity' })).toHaveLength(1);
    expect(assumeCalls()).toHaveLength(0);
    expect(
      emu.calls({ operation: 'ListClusters' }).every((c) => c.accessKeyId === emu.credentials.accessKeyId),
    ).toBe(true);
    expect(await aws.ecs({ region: REGION })).toBe(await aws.ecs({ region: REGION }));
  });

  it('honours AWS_ENDPOINT_URL_<SERVICE> and the default credential chain from the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_STS: emu.url,
      AWS_ENDPOINT_URL_ECS: emu.url,
      AWS_ENDPOINT_URL_GUARDDUTY: emu.url,
      AWS_ENDPOINT_URL_IAM: emu.url,
      AWS_ACCESS_KEY_ID: emu.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emu.credentials.secretAccessKey,
    });
    delete process.env.AWS_PROFILE;
    try {
      const aws = new AwsClients({
        config: { memberRole: ROLE, externalId: EXTERNAL_ID, homeRegion: REGION },
        log,
      });
      open.push(aws);
      expect(await aws.callerIdentity()).toMatchObject({ account: emu.homeAccountId });
      expect(await clusterNames(await aws.ecs({ accountId: MEMBER, region: REGION }))).toEqual([
        'member-prod',
      ]);
      await (await aws.guardDuty({ region: REGION })).send(new ListDetectorsCommand({}));
      expect(emu.calls({ service: 'guardduty', operation: 'ListDetectors' })).toHaveLength(1);
      const role = await (await aws.iam({ accountId: MEMBER, region: REGION })).send(
        new GetRoleCommand({ RoleName: 'EcsGuardResponder' }),
      );
      expect(role.Role?.Arn).toBe(`arn:aws:iam::${MEMBER}:role/EcsGuardResponder`);
      expect(emu.calls({ service: 'iam', operation: 'GetRole' })).toMatchObject([{ accountId: MEMBER }]);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

describe('member accounts', () => {
  it('assumes the templated role with ExternalId, RoleSessionName and SourceIdentity, and acts in the member account', async () => {
    const aws = clients();
    const ecs = await aws.ecs({
      accountId: MEMBER,
      region: REGION,
      sourceIdentity: 'U0ANA LOPEZ',
      purpose: 'stop-task',
    });
    expect(await clusterNames(ecs)).toEqual(['member-prod']);

    const [call, ...rest] = assumeCalls();
    expect(rest).toHaveLength(0);
    expect(call).toMatchObject({
      accountId: emu.homeAccountId,
      region: REGION,
      status: 200,
      input: {
        RoleArn: `arn:aws:iam::${MEMBER}:role/EcsGuardResponder`,
        ExternalId: EXTERNAL_ID,
        RoleSessionName: 'ecs-guard-stop-task',
        SourceIdentity: 'U0ANA_LOPEZ',
      },
    });
    const [list] = emu.calls({ operation: 'ListClusters' });
    expect(list).toMatchObject({ accountId: MEMBER, sourceIdentity: 'U0ANA_LOPEZ' });
    expect(await aws.callerIdentity(MEMBER, REGION)).toMatchObject({
      account: MEMBER,
      arn: expect.stringContaining(':assumed-role/EcsGuardResponder/ecs-guard'),
    });
  });

  it('always sets a SourceIdentity (the bot itself when no user acts), as the member role requires', async () => {
    const aws = clients();
    // A pre-flight read with no Slack user: the session still carries a SourceIdentity.
    expect(await clusterNames(await aws.ecs({ accountId: SOURCED, region: REGION }))).toEqual([
      'sourced-prod',
    ]);
    expect(assumeCalls().at(-1)?.input).toMatchObject({ SourceIdentity: 'ecs-guard' });
    const who = await aws.callerIdentity(SOURCED, REGION);
    expect(who.account).toBe(SOURCED);
    // What the trust refuses: AssumeRole without a SourceIdentity.
    const sts = aws.sts(REGION);
    await expect(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${SOURCED}:role/EcsGuardResponder`,
          RoleSessionName: 'no-source',
          ExternalId: EXTERNAL_ID,
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('changes IAM in the member account through the member role, the approver as SourceIdentity', async () => {
    const aws = clients();
    emu.state.ensureTaskRole(`arn:aws:iam::${MEMBER}:role/app-task`);
    const iam = await aws.iam({
      accountId: MEMBER,
      region: REGION,
      sourceIdentity: 'U0APPROVER',
      purpose: 'revoke',
    });
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'app-task',
        PolicyName: 'p',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: { Effect: 'Deny', Action: '*', Resource: '*' },
        }),
      }),
    );
    expect(emu.state.role(MEMBER, 'app-task')?.inlinePolicies.has('p')).toBe(true);
    expect(emu.state.role(emu.homeAccountId, 'app-task')).toBeUndefined();
    expect(emu.calls({ service: 'iam', operation: 'PutRolePolicy' })).toMatchObject([
      { accountId: MEMBER, sourceIdentity: 'U0APPROVER', status: 200 },
    ]);
    expect(assumeCalls().at(-1)?.input).toMatchObject({
      RoleSessionName: 'ecs-guard-revoke',
      SourceIdentity: 'U0APPROVER',
    });
  });

  it('stops a task in the member account, not the home account', async () => {
    const td = addTaskDefinition(emu.state, MEMBER, REGION, { family: 'web', image: 'nginx:1.27' });
    const task = addTask(emu.state, {
      accountId: MEMBER,
      region: REGION,
      cluster: 'member-prod',
      taskDefinition: td,
    });
    const aws = clients();
    const ecs = await aws.ecs({
      accountId: MEMBER,
      region: REGION,
      sourceIdentity: 'U0APPROVER',
      purpose: 'stop-task',
    });
    const out = await ecs.send(
      new StopTaskCommand({ cluster: 'member-prod', task: task.taskArn, reason: 'ecs-guard' }),
    );
    expect(out.task?.lastStatus).toBe('STOPPED');
    expect(emu.state.findTask(task.taskArn, MEMBER, REGION)?.desiredStatus).toBe('STOPPED');

    // the home client cannot touch the member's task
    const home = await aws.ecs({ region: REGION });
    const err = await home
      .send(
        new StopTaskCommand({
          cluster: `arn:aws:ecs:${REGION}:${MEMBER}:cluster/member-prod`,
          task: task.taskArn,
        }),
      )
      .catch((e: unknown) => e);
    expect(describeAwsError(err, { operation: 'StopTask' })).toMatchObject({
      accessDenied: true,
      retryable: false,
    });
  });

  it('100 concurrent callers share exactly one AssumeRole and one client', async () => {
    const aws = clients();
    const all = await Promise.all(
      Array.from({ length: 100 }, () => aws.ecs({ accountId: MEMBER, region: REGION })),
    );
    expect(assumeCalls()).toHaveLength(1);
    expect(new Set(all).size).toBe(1);
    await Promise.all(all.slice(0, 20).map((c) => c.send(new ListClustersCommand({}))));
    expect(assumeCalls()).toHaveLength(1);
    expect(aws.stats().assumeRoleCalls).toBe(1);
    expect(aws.stats().cacheHits).toBeGreaterThanOrEqual(99);
    // GuardDuty for the same (account, region, identity) reuses the credentials
    await aws.guardDuty({ accountId: MEMBER, region: REGION });
    expect(assumeCalls()).toHaveLength(1);
  });

  it('a different identity or region gets its own session', async () => {
    const aws = clients();
    const a = await aws.ecs({ accountId: MEMBER, region: REGION, sourceIdentity: 'U0ANA' });
    const b = await aws.ecs({ accountId: MEMBER, region: REGION, sourceIdentity: 'U0BEN' });
    const c = await aws.ecs({ accountId: MEMBER, region: 'us-east-1', sourceIdentity: 'U0ANA' });
    await aws.ecs({ accountId: MEMBER, region: REGION, sourceIdentity: 'U0ANA' });
    expect(new Set([a, b, c]).size).toBe(3);
    const calls = assumeCalls();
    expect(calls).toHaveLength(3);
    expect(calls.map((x) => `${x.region}/${x.input.SourceIdentity}`).sort()).toEqual([
      'eu-west-1/U0ANA',
      'eu-west-1/U0BEN',
      'us-east-1/U0ANA',
    ]);
  });

  it('refreshes credentials shortly before they expire (injected clock shared with the emulator)', async () => {
    let now = Date.now();
    const clock = () => now;
    const timed = await startAwsEmulator({ now: clock });
    try {
      timed.state.addCluster(MEMBER, REGION, 'member-prod');
      timed.state.addRole(MEMBER, 'EcsGuardResponder', { externalId: EXTERNAL_ID });
      const aws = clients({ clock, endpoint: timed.url, credentials: timed.credentials });
      const calls = () => timed.calls({ operation: 'AssumeRole' });
      const t = { accountId: MEMBER, region: REGION };
      const first = await aws.ecs(t);
      const session = timed.state.assumedRoles.at(-1)!;
      const expiration = session.at + session.durationSeconds * 1000;

      now = expiration - REFRESH_EARLY_MS - 1000; // still fresh
      await aws.ecs(t);
      expect(calls()).toHaveLength(1);

      now = expiration - REFRESH_EARLY_MS + 1000; // inside the early-refresh window
      const [again] = await Promise.all([aws.ecs(t), aws.ecs(t), aws.ecs(t)]);
      expect(calls()).toHaveLength(2);
      expect(again).toBe(first); // same client; its provider reads the refreshed cache
      await aws.ecs(t);
      expect(calls()).toHaveLength(2);
      expect(await clusterNames(again)).toEqual(['member-prod']);
    } finally {
      await timed.close();
    }
  });

  it('a refused AssumeRole is a clear error naming the setting and account, never the role ARN or external id, and is not cached', async () => {
    const aws = clients();
    const t = { accountId: OTHER, region: REGION };
    const err = await aws.ecs(t).catch((e: unknown) => e);
    expect(isEcsGuardError(err, ErrorCode.AwsError)).toBe(true);
    const message = (err as Error).message;
    // People are shown the setting and the account; the role ARN is in the log line only.
    expect(message).toContain(`cannot assume the member role (ECS_GUARD_MEMBER_ROLE) in account ${OTHER}`);
    expect(message).not.toContain('arn:aws:iam::');
    expect(message).toMatch(/AccessDenied/);
    expect(message).not.toContain(EXTERNAL_ID);
    expect(describeAwsError(err)).toMatchObject({ accessDenied: true, retryable: false });

    await expect(aws.ecs(t)).rejects.toThrow(/cannot assume/);
    expect(assumeCalls()).toHaveLength(2); // the failure was not cached

    emu.state.addRole(OTHER, 'EcsGuardResponder', { externalId: EXTERNAL_ID }); // trust fixed
    expect(await clusterNames(await aws.ecs(t))).toEqual(['other-prod']);
    expect(assumeCalls()).toHaveLength(3);
  });

  it('without a member role, a non-home account is a clear error and no AssumeRole', async () => {
    const aws = clients({ config: { homeRegion: REGION } });
    await expect(aws.ecs({ accountId: MEMBER, region: REGION })).rejects.toThrow(
      /222233334444 is not the home account 111122223333 and no member role is configured/,
    );
    expect(assumeCalls()).toHaveLength(0);
    expect(await clusterNames(await aws.ecs({ region: REGION }))).toEqual(['home-prod']);
  });

  it('rejects a malformed account id before calling AWS', async () => {
    const aws = clients();
    await expect(aws.ecs({ accountId: '12345', region: REGION })).rejects.toSatisfy((e) =>
      isEcsGuardError(e, ErrorCode.InvalidInput),
    );
    expect(emu.calls()).toHaveLength(0);
  });
});

describe('SDK retries', () => {
  it('retries throttling and 5xx up to maxAttempts', async () => {
    const aws = clients({ maxAttempts: 3 });
    const ecs = await aws.ecs({ region: REGION });
    emu.faults.inject({ operation: 'ListClusters', kind: 'throttle', times: 1 });
    emu.faults.inject({ operation: 'ListClusters', kind: 'error5xx', times: 1 });
    expect(await clusterNames(ecs)).toEqual(['home-prod']);
    expect(emu.calls({ operation: 'ListClusters' }).map((c) => c.status)).toEqual([400, 500, 200]);
  });

  it('gives up after maxAttempts with a retryable error', async () => {
    const aws = clients({ maxAttempts: 2 });
    const ecs = await aws.ecs({ region: REGION });
    emu.faults.inject({ operation: 'ListClusters', kind: 'throttle', times: 5 });
    const err = await ecs.send(new ListClustersCommand({})).catch((e: unknown) => e);
    expect(describeAwsError(err)).toMatchObject({ retryable: true, accessDenied: false });
    expect(describeAwsError(err).requestId).toMatch(/[0-9a-f-]{36}/);
    expect(emu.calls({ operation: 'ListClusters' })).toHaveLength(2);
  });
});

describe('timeouts', () => {
  it('a hung AssumeRole times out as a retryable error and is not cached', async () => {
    const aws = clients({ requestTimeoutMs: 200, maxAttempts: 1 });
    await aws.homeAccountId();
    emu.faults.inject({ operation: 'AssumeRole', latencyMs: 2_000, times: 1 });
    const err = await aws.ecs({ accountId: MEMBER, region: REGION }).catch((e: unknown) => e);
    expect(isEcsGuardError(err, ErrorCode.AwsError)).toBe(true);
    expect(describeAwsError(err)).toMatchObject({ retryable: true });
    expect(await clusterNames(await aws.ecs({ accountId: MEMBER, region: REGION }))).toEqual(['member-prod']);
    expect(aws.stats().assumeRoleCalls).toBe(2);
  });
});
