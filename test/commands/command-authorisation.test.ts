import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../sandbox/aws/index.js';
import { CONFIRM_ACTION } from '../../src/slack/blocks/coverage-plan.js';
import { collectTexts } from '../helpers/block-kit.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// Who may see and do what through `/ecs-guard` (issue 14, items 4 and 9), end to end: signed
// slash commands from the Slack test client, channel membership from the Slack emulator
// (conversations.members), AWS calls from the AWS emulator's log, real Redis for the audit.
describe('/ecs-guard: viewers, channel visibility, --share, --account, sample, disable', () => {
  let h: Harness;
  const member = '444455556666';
  const stranger = '999988887777';
  const restricted = 'GPAYSEC001';
  let homeFinding = '';
  let memberFinding = '';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-guard-authz-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(
      policy,
      [
        `accounts: ['${member}']`,
        // The member account's findings go to a private channel only the approver is in.
        'routes:',
        `  - channel: ${restricted}`,
        `    accounts: ['${member}']`,
        'actions:',
        // A policy that widens sample's requesters must not make a non-approver able to run it.
        `  sample: { requesters: [${PEOPLE.requester}, ${PEOPLE.approver}] }`,
        '',
      ].join('\n'),
    );
    // Requesters restricted: the default viewers are the requesters and the approvers.
    h = await startHarness({
      env: { ECS_GUARD_CONFIG: policy, ECS_GUARD_REQUESTERS: `${PEOPLE.requester},${PEOPLE.approver}` },
    });
    h.slack.addChannel({
      id: restricted,
      name: 'payments-sec',
      is_private: true,
      members: [PEOPLE.approver],
    });
    const { web, payments } = h.estate.services;
    if (!web?.tasks[0] || !payments?.tasks[0]) throw new Error('estate without web/payments tasks');
    homeFinding = addFindingFor(h.aws.state, {
      type: 'Execution:Runtime/ReverseShell',
      task: web.tasks[0],
    }).id;
    memberFinding = addFindingFor(h.aws.state, {
      type: 'CryptoCurrency:Runtime/BitcoinTool.B',
      task: payments.tasks[0],
    }).id;
    await h.guard.ctx.poller.poll('us-east-1');
    await waitFor(
      async () =>
        (await h.guard.ctx.findings.getByIds([homeFinding]))[0]?.[0]?.ts &&
        (await h.guard.ctx.findings.getByIds([memberFinding]))[0]?.[0]?.ts,
      { what: 'both cards posted', timeoutMs: 15_000 },
    );
    expect((await h.guard.ctx.findings.getByIds([memberFinding]))[0]?.[0]?.channel).toBe(restricted);
  });
  afterAll(async () => {
    await h?.close();
  });

  type Msg = { text?: string; blocks?: unknown[]; ts: string };
  const textOf = (m: { text?: string; blocks?: unknown[] }) =>
    `${m.text ?? ''}\n${collectTexts(m.blocks ?? []).join('\n')}`;

  async function run(text: string, userId: string, channelId = PEOPLE.prod): Promise<Msg> {
    const before = h.slack.ephemerals({ user: userId }).length;
    const beforeCh = h.slack.messages(channelId).length;
    const ack = await h.client.slashCommand({ userId, channelId, text });
    expect(ack.status).toBe(200);
    return waitFor(
      () => {
        const e = h.slack.ephemerals({ user: userId }).slice(before);
        if (e.length) return e[0] as Msg;
        const m = h.slack.messages(channelId).slice(beforeCh);
        return m.length ? (m[0] as Msg) : undefined;
      },
      { what: `answer to "/ecs-guard ${text}"`, timeoutMs: 15_000 },
    );
  }

  const deniedCommands = async (userId: string) =>
    (await h.guard.ctx.audit.list({ userId, limit: 50 })).filter(
      (r) => r.event === 'command' && r.outcome === 'denied',
    );

  it('findings: a user sees only findings routed to channels they are in; an approver sees all', async () => {
    const mine = textOf(await run('findings', PEOPLE.requester));
    expect(mine).toContain('Execution:Runtime/ReverseShell');
    expect(mine).not.toContain('BitcoinTool');
    expect(mine).not.toContain(member);
    const all = textOf(await run('findings', PEOPLE.approver));
    expect(all).toContain('Execution:Runtime/ReverseShell');
    expect(all).toContain('BitcoinTool');
    // Membership was read from Slack, not assumed.
    expect(h.slack.calls('conversations.members').some((c) => c.args.channel === restricted)).toBe(true);
  });

  it('audit: records about a finding in a channel the user is not in are left out', async () => {
    for (const findingId of [homeFinding, memberFinding]) {
      await h.guard.ctx.audit.append({
        actor: { id: PEOPLE.approver },
        action: 'context',
        event: 'context-viewed',
        target: { findingId },
        outcome: 'ok',
        reason: `marker-${findingId.slice(0, 8)}`,
      });
    }
    const mine = textOf(await run('audit 50', PEOPLE.requester));
    expect(mine).toContain(`marker-${homeFinding.slice(0, 8)}`);
    expect(mine).not.toContain(`marker-${memberFinding.slice(0, 8)}`);
    const all = textOf(await run('audit 50', PEOPLE.approver));
    expect(all).toContain(`marker-${memberFinding.slice(0, 8)}`);
  });

  it('viewers (default: requesters and approvers): anyone else is refused, told why and audited', async () => {
    for (const cmd of ['findings', 'audit', 'status', 'coverage']) {
      const m = textOf(await run(cmd, PEOPLE.outsider));
      expect(m, cmd).toContain('Not allowed');
      expect(m, cmd).toContain('policy: viewers');
      expect(m, cmd).not.toContain('ReverseShell');
    }
    // The refusal is audited right after the reply is sent.
    const denied = await waitFor(async () => {
      const d = await deniedCommands(PEOPLE.outsider);
      return d.length >= 4 ? d : undefined;
    });
    expect(denied.map((r) => r.detail?.subcommand).sort()).toEqual([
      'audit',
      'coverage',
      'findings',
      'status',
    ]);
  });

  it('--share is for approvers only: a requester is refused and nothing is posted in the channel', async () => {
    const before = h.slack.messages(PEOPLE.prod).length;
    const refused = textOf(await run('findings --share', PEOPLE.requester));
    expect(refused).toContain('only approvers may use --share');
    expect(h.slack.messages(PEOPLE.prod).length).toBe(before);
    await waitFor(async () =>
      (await deniedCommands(PEOPLE.requester)).some((r) => r.detail?.subcommand === 'findings'),
    );
    const shared = await run('coverage --share', PEOPLE.approver);
    expect(h.slack.messages(PEOPLE.prod).some((m) => m.ts === shared.ts)).toBe(true);
  });

  it('--account must be a configured member account: no AssumeRole into an account someone typed', async () => {
    h.aws.clearCalls();
    for (const cmd of [
      `coverage --account ${stranger}`,
      `enable prod-web --account ${stranger}`,
      `sample --account ${stranger}`,
    ]) {
      const m = textOf(await run(cmd, PEOPLE.approver));
      expect(m, cmd).toContain(`--account ${stranger} is not a configured member account`);
    }
    const touched = h.aws
      .calls()
      .filter((c) => JSON.stringify(c.input).includes(stranger) || c.accountId === stranger);
    expect(touched).toEqual([]);
    expect(h.aws.calls({ operation: 'AssumeRole' })).toEqual([]);
    const ok = textOf(await run(`coverage --account ${member}`, PEOPLE.approver));
    expect(ok).toContain('payments');
    // A member of the administrator detector (ListMembers) is a member account too, policy or not.
    const joined = '777788889999';
    h.aws.state.addAccount(joined);
    h.aws.state.ensureDetector(joined, 'us-east-1');
    await h.guard.ctx.redis.del(h.guard.ctx.keys('detector-accounts', 'us-east-1')); // the 5-minute cache
    const viaMembers = textOf(await run(`coverage --account ${joined}`, PEOPLE.approver));
    expect(viaMembers).not.toContain('is not a configured member account');
    expect(h.aws.calls({ operation: 'ListMembers' }).length).toBeGreaterThan(0);
  });

  it('sample needs an approver even when the policy lists the user as a requester', async () => {
    h.aws.clearCalls();
    const m = textOf(await run('sample', PEOPLE.requester));
    expect(m).toContain('only approvers');
    expect(h.aws.calls({ operation: 'CreateSampleFindings' })).toHaveLength(0);
    const rec = (await h.guard.ctx.audit.list({ userId: PEOPLE.requester, limit: 20 })).find(
      (r) => r.action === 'sample' && r.event === 'refused',
    );
    expect(rec?.outcome).toBe('denied');
  });

  it('disable is two-person by default: the approver who asked cannot confirm it, a second one can', async () => {
    h.aws.clearCalls();
    const own = textOf(await run('disable legacy-ec2', PEOPLE.approver));
    expect(own).toContain('a second approver must confirm disable');
    const plan = await run('disable legacy-ec2 --share', PEOPLE.approver);
    const before = h.slack.ephemerals({ user: PEOPLE.approver }).length;
    await h.client.click({
      userId: PEOPLE.approver,
      channelId: PEOPLE.prod,
      ts: plan.ts,
      action: CONFIRM_ACTION,
    });
    const refusal = await waitFor(() => h.slack.ephemerals({ user: PEOPLE.approver }).slice(before)[0]);
    expect(refusal.text).toContain('a second person must approve it');
    expect(h.aws.calls({ operation: 'TagResource' })).toEqual([]);
    await h.client.click({
      userId: PEOPLE.groupApprover,
      channelId: PEOPLE.prod,
      ts: plan.ts,
      action: CONFIRM_ACTION,
    });
    await waitFor(() => h.aws.calls({ operation: 'TagResource' }).length === 1, {
      what: 'TagResource after the second approver',
      timeoutMs: 15_000,
    });
    const disabled = await waitFor(async () =>
      (await h.guard.ctx.audit.list({ cluster: 'legacy-ec2', limit: 10 })).find(
        (r) => r.event === 'disabled',
      ),
    );
    expect(disabled.actor.id).toBe(PEOPLE.groupApprover);
  });
});
