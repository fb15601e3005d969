import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCoverage, addFindingFor, COVERAGE_ISSUES } from '../../sandbox/aws/index.js';
import { CONFIRM_ACTION } from '../../src/slack/blocks/coverage-plan.js';
import { assertWithinBlockKitLimits, collectTexts } from '../helpers/block-kit.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// `/ecs-guard` end to end in one process: signed slash commands and clicks from the Slack test
// client, answers read back from the Slack emulator's response_url store, AWS calls from the
// AWS emulator's call log, real Redis for plans, audit and the actions queue.
describe('/ecs-guard slash commands', () => {
  let h: Harness;
  const member = '444455556666';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-guard-cmd-'));
    const policy = join(dir, 'policy.yml');
    writeFileSync(policy, `accounts: ['${member}']\n`);
    h = await startHarness({ env: { ECS_GUARD_CONFIG: policy } });
  });
  afterAll(async () => {
    await h?.close();
  });

  type Msg = { text?: string; blocks?: unknown[]; ts: string };
  const textOf = (m: { text?: string; blocks?: unknown[] }) =>
    `${m.text ?? ''}\n${collectTexts(m.blocks ?? []).join('\n')}`;

  /** Sends a command and waits for its answer (ack body or response_url post) to the user. */
  async function run(text: string, userId: string = PEOPLE.requester, channelId = PEOPLE.prod): Promise<Msg> {
    const before = h.slack.ephemerals({ user: userId }).length;
    const beforeCh = h.slack.messages(channelId).length;
    const ack = await h.client.slashCommand({ userId, channelId, text });
    expect(ack.status).toBe(200);
    expect(ack.ackMs).toBeLessThan(3000);
    const got = await waitFor(
      () => {
        const e = h.slack.ephemerals({ user: userId }).slice(before);
        if (e.length) return e[0] as Msg;
        const m = h.slack.messages(channelId).slice(beforeCh);
        return m.length ? (m[0] as Msg) : undefined;
      },
      { what: `answer to "/ecs-guard ${text}"`, timeoutMs: 15_000 },
    );
    if (got.blocks) assertWithinBlockKitLimits(got.blocks, got.text);
    return got;
  }

  it('help lists every subcommand, only to the user', async () => {
    const m = await run('help');
    const t = textOf(m);
    for (const s of [
      'coverage',
      'enable <cluster>',
      'disable <cluster>',
      'findings',
      'audit',
      'status',
      'sample',
    ])
      expect(t).toContain(`/ecs-guard ${s}`);
    expect(h.slack.messages(PEOPLE.prod).some((x) => textOf(x).includes('/ecs-guard findings'))).toBe(false);
  });

  it('unknown subcommands and flags get a usage error with the help line', async () => {
    const a = await run('enabel prod-web');
    expect(textOf(a)).toContain('unknown subcommand "enabel"');
    expect(textOf(a)).toContain('/ecs-guard enable <cluster>');
    const b = await run('enable prod-web --force');
    expect(textOf(b)).toContain('unknown flag --force');
    expect(textOf(b)).toContain('/ecs-guard enable <cluster> [--account ID] [--region R] [--insights]');
    const c = await run('coverage --account 12');
    expect(textOf(c)).toContain('12-digit');
    expect(textOf(c)).toContain('/ecs-guard coverage [cluster]');
    const d = await run('enable');
    expect(textOf(d)).toContain('missing &lt;cluster&gt;');
    const e = await run('findings --since "next week"');
    expect(textOf(e)).toContain('--since must be a duration');
  });

  it('coverage: summary over accounts with the healthy share, unhealthy first', async () => {
    const m = await run('coverage');
    const t = textOf(m);
    expect(t).toContain('3 of 4 ECS clusters HEALTHY (75%)');
    // the list is a table; its status column says the state in words
    const table = m.blocks?.find((b) => (b as { type?: string }).type === 'table');
    expect(table).toBeDefined();
    expect(JSON.stringify(table)).toContain('"UNHEALTHY"');
    for (const c of ['prod-web', 'batch-jobs', 'legacy-ec2', 'payments']) expect(t).toContain(c);
    expect(t.indexOf('batch-jobs')).toBeLessThan(t.indexOf('prod-web'));
    expect(t).toContain('1/2'); // legacy-ec2 on EC2: covered / compatible instances
    expect(t).toContain(member);
    const calls = h.aws.calls({ operation: 'ListCoverage' });
    const body = calls.at(-1)?.input as { filterCriteria?: { filterCriterion?: { criterionKey: string }[] } };
    expect(body.filterCriteria?.filterCriterion?.map((c) => c.criterionKey)).toContain('RESOURCE_TYPE');
  });

  it('coverage: when Slack refuses the table reply, the same rows arrive as lines with status words', async () => {
    h.slack.faults.inject({ method: 'response_url', kind: '500', times: 1 });
    const m = await run('coverage');
    expect(m.blocks?.some((b) => (b as { type?: string }).type === 'table')).toBe(false);
    const t = textOf(m);
    expect(t).toContain(':red_circle: *UNHEALTHY* *batch-jobs*');
    expect(t).toContain(':large_green_circle: *HEALTHY* *prod-web*');
  });

  it('coverage --account and --region narrow the view', async () => {
    const a = textOf(await run(`coverage --account ${member}`));
    expect(a).toContain('1 of 1 ECS clusters HEALTHY (100%)');
    expect(a).toContain('payments');
    expect(a).not.toContain('batch-jobs');
    const b = textOf(await run('coverage --region eu-west-1'));
    expect(b).toContain('eu-web');
    expect(b).toContain('1 of 1');
  });

  it('coverage <cluster>: the issue list with a remediation hint', async () => {
    const t = textOf(await run('coverage batch-jobs'));
    expect(t).toContain('UNHEALTHY');
    expect(t).toContain('Tasks started before enabling Runtime Monitoring require a relaunch');
    expect(t).toContain('redeploy the services');
    // Running uncovered: the worker's task started before monitoring, without the agent sidecar.
    const workerTask = h.estate.services.worker?.tasks[0]?.taskArn.split('/').pop() ?? '?';
    expect(t).toContain('Running without the GuardDuty agent');
    expect(t).toContain('service *worker*: 1 task without the agent');
    expect(t).toContain(workerTask);
    const none = textOf(await run('coverage no-such-cluster'));
    expect(none).toContain('No GuardDuty coverage record for cluster no-such-cluster');
  });

  it('coverage of 300 clusters stays inside Block Kit limits (summarised, capped)', async () => {
    const region = 'ap-south-1';
    for (let i = 0; i < 300; i++) {
      addCoverage(h.aws.state, {
        accountId: h.estate.homeAccountId,
        region,
        cluster: `svc-${String(i).padStart(3, '0')}-${'x'.repeat(40)}`,
        ...(i % 4 === 0 ? { issue: COVERAGE_ISSUES.missingExecutionRole(`family-${i}`) } : {}),
      });
    }
    const m = await run(`coverage --region ${region}`);
    const t = textOf(m);
    expect(t).toContain('225 of 300 ECS clusters HEALTHY (75%)');
    expect(t).toMatch(/…and \d+ more/);
    expect(m.blocks?.length).toBeLessThanOrEqual(50);
    // paged: 300 resources at 50 a page
    expect(h.aws.calls({ operation: 'ListCoverage', region }).length).toBe(6);
  });

  it('AWS errors are explained with the missing permission or setting', async () => {
    h.aws.faults.inject({ operation: 'ListCoverage', kind: 'accessDenied', times: 1 });
    const a = textOf(await run('coverage'));
    expect(a).toContain('guardduty:ListCoverage');
    const b = textOf(await run('coverage --region ap-northeast-2'));
    expect(b).toMatch(/no detector in ap-northeast-2/);
    expect(b).toContain('enable GuardDuty in that region');
  });

  const tagCalls = () =>
    h.aws.calls({ operation: 'TagResource' }).map((c) => ({
      account: c.accountId,
      arn: (c.input as { resourceArn: string }).resourceArn,
      tags: (c.input as { tags: { key: string; value: string }[] }).tags,
      sourceIdentity: c.sourceIdentity,
    }));

  it('enable: pre-flight plan, refused for non-approvers, tag + insights after an approver confirms', async () => {
    h.aws.clearCalls();
    const plan = await run('enable batch-jobs --insights --share');
    const planBlocks = structuredClone(plan.blocks ?? []); // the stored message is replaced later
    const t = textOf(plan);
    expect(t).toContain('Runtime Monitoring is enabled on detector');
    expect(t).toContain('automated agent management is on');
    expect(t).toContain('tag `GuardDutyManaged` is not set');
    expect(t).toContain('GuardDutyManaged=true');
    expect(t).toContain('Container Insights');
    // shared: it is in the channel, so others can click
    expect(h.slack.messages(PEOPLE.prod).some((m) => m.ts === plan.ts)).toBe(true);

    for (const user of [PEOPLE.outsider, PEOPLE.requester]) {
      const before = h.slack.ephemerals({ user }).length;
      await h.client.click({ userId: user, channelId: PEOPLE.prod, ts: plan.ts, action: CONFIRM_ACTION });
      const refusal = await waitFor(() => h.slack.ephemerals({ user }).slice(before)[0]);
      expect(refusal.text).toContain('not an approver');
    }
    expect(tagCalls()).toEqual([]);
    const refused = await h.guard.ctx.audit.list({ cluster: 'batch-jobs', limit: 20 });
    expect(refused.filter((r) => r.event === 'refused').map((r) => r.actor.id)).toEqual(
      expect.arrayContaining([PEOPLE.outsider, PEOPLE.requester]),
    );

    // A group approver (through SAPPROVERS) confirms.
    await h.client.click({
      userId: PEOPLE.groupApprover,
      channelId: PEOPLE.prod,
      ts: plan.ts,
      action: 'Confirm',
    });
    const done = await waitFor(
      () => {
        const m = h.slack.messages(PEOPLE.prod).find((x) => x.ts === plan.ts);
        return m && textOf(m).includes('Redeploy to be covered') ? m : undefined;
      },
      { what: 'plan message updated with the result', timeoutMs: 15_000 },
    );
    expect(textOf(done)).toContain('worker');
    expect(textOf(done)).toContain('Container Insights enabled');
    expect(JSON.stringify(done.blocks)).not.toContain(CONFIRM_ACTION);
    const tags = tagCalls();
    expect(tags).toHaveLength(1);
    expect(tags[0]?.arn).toContain(':cluster/batch-jobs');
    expect(tags[0]?.tags).toEqual([{ key: 'GuardDutyManaged', value: 'true' }]);
    const settings = h.aws.calls({ operation: 'UpdateClusterSettings' });
    expect(settings).toHaveLength(1);
    expect((settings[0]?.input as { settings?: unknown } | undefined)?.settings).toEqual([
      { name: 'containerInsights', value: 'enabled' },
    ]);
    const cluster = h.aws.state.store(h.estate.homeAccountId, 'us-east-1').clusters.get('batch-jobs');
    expect(cluster?.tags).toContainEqual({ key: 'GuardDutyManaged', value: 'true' });
    const audit = await waitFor(async () =>
      (await h.guard.ctx.audit.list({ cluster: 'batch-jobs', limit: 20 })).find((r) => r.event === 'enabled'),
    );
    expect(audit.actor.id).toBe(PEOPLE.groupApprover);
    expect(audit.outcome).toBe('ok');

    // A stale copy of the plan (a second click from another client) is refused: decided once.
    const before = h.slack.ephemerals({ user: PEOPLE.approver }).length;
    await h.client.click({
      userId: PEOPLE.approver,
      channelId: PEOPLE.prod,
      ts: plan.ts,
      action: CONFIRM_ACTION,
      message: { blocks: planBlocks },
    });
    const again = await waitFor(() => h.slack.ephemerals({ user: PEOPLE.approver }).slice(before)[0]);
    expect(again.text).toContain(`already confirmed by <@${PEOPLE.groupApprover}>`);
    expect(tagCalls()).toHaveLength(1);
  });

  it('enable --insights whose second step is refused: the tag step stands, is audited, and the plan message shows each step', async () => {
    h.aws.clearCalls();
    h.aws.faults.inject({ operation: 'UpdateClusterSettings', kind: 'accessDenied', times: 5 });
    const plan = await run('enable prod-web --insights --share', PEOPLE.approver);
    await h.client.click({
      userId: PEOPLE.groupApprover,
      channelId: PEOPLE.prod,
      ts: plan.ts,
      action: CONFIRM_ACTION,
    });
    const done = await waitFor(
      () => {
        const m = h.slack.messages(PEOPLE.prod).find((x) => x.ts === plan.ts);
        return m && textOf(m).includes('Container Insights not enabled') ? m : undefined;
      },
      { what: 'plan message with per-step outcomes', timeoutMs: 15_000 },
    );
    const t = textOf(done);
    expect(t).toContain('Tagged `GuardDutyManaged=true`');
    expect(t).toContain('ecs:UpdateClusterSettings');
    expect(t).not.toContain('*Failed*');
    expect(tagCalls()).toHaveLength(1);
    // One attempt: access denied is not retried, and the tag is not set twice.
    expect(h.aws.calls({ operation: 'UpdateClusterSettings' })).toHaveLength(1);
    const records = await waitFor(async () => {
      const r = await h.guard.ctx.audit.list({ cluster: 'prod-web', limit: 20 });
      return r.some((x) => x.event === 'failed') ? r : undefined;
    });
    expect(records.find((r) => r.event === 'step')?.detail?.step).toBe('tag');
    expect(records.find((r) => r.event === 'failed')?.detail).toMatchObject({
      tagBefore: '',
      tagAfter: 'true',
      insights: 'failed',
    });
  });

  it('disable: a shared plan confirmed by a second approver sets the exclusion tag', async () => {
    h.aws.clearCalls();
    const plan = await run('disable legacy-ec2 --share', PEOPLE.approver);
    expect(textOf(plan)).toContain('GuardDutyManaged=false');
    await h.client.click({
      userId: PEOPLE.groupApprover,
      channelId: PEOPLE.prod,
      ts: plan.ts,
      action: CONFIRM_ACTION,
    });
    await waitFor(() => tagCalls().length === 1, { what: 'TagResource', timeoutMs: 15_000 });
    expect(tagCalls()[0]?.tags).toEqual([{ key: 'GuardDutyManaged', value: 'false' }]);
    expect(h.aws.calls({ operation: 'UpdateClusterSettings' })).toHaveLength(0);
    await waitFor(async () =>
      (await h.guard.ctx.audit.list({ cluster: 'legacy-ec2', limit: 10 })).find(
        (r) => r.event === 'disabled',
      ),
    );
  });

  it('enable in a member account tags through the member role with the approver as SourceIdentity', async () => {
    h.aws.clearCalls();
    const plan = await run(`enable payments --account ${member}`, PEOPLE.approver);
    expect(textOf(plan)).toContain(`account ${member}`);
    await h.client.click({
      userId: PEOPLE.approver,
      channelId: PEOPLE.prod,
      ts: plan.ts,
      action: CONFIRM_ACTION,
    });
    await waitFor(() => tagCalls().length === 1, {
      what: 'TagResource in the member account',
      timeoutMs: 15_000,
    });
    const [call] = tagCalls();
    expect(call?.account).toBe(member);
    expect(call?.arn).toBe(`arn:aws:ecs:us-east-1:${member}:cluster/payments`);
    expect(call?.sourceIdentity).toBe(PEOPLE.approver);
  });

  it('enable is blocked by the pre-flight when the cluster is missing or Runtime Monitoring is off', async () => {
    const a = await run('enable nope-cluster', PEOPLE.approver);
    expect(textOf(a)).toContain('does not exist');
    expect(JSON.stringify(a.blocks)).not.toContain(CONFIRM_ACTION);
    const det = h.aws.state.store(h.estate.homeAccountId, 'eu-west-1').detector;
    const rm = det?.features.find((f) => f.name === 'RUNTIME_MONITORING');
    if (rm) rm.status = 'DISABLED';
    const b = await run('enable eu-web --region eu-west-1', PEOPLE.approver);
    expect(textOf(b)).toContain('Runtime Monitoring is *off*');
    expect(JSON.stringify(b.blocks)).not.toContain(CONFIRM_ACTION);
    if (rm) rm.status = 'ENABLED';
  });

  it("a non-approver's private plan says to --share; an AWS refusal in the job is explained and audited", async () => {
    const own = await run('enable eu-web --region eu-west-1', PEOPLE.requester);
    expect(textOf(own)).toContain('run the command again with `--share`');
    h.aws.clearCalls();
    h.aws.faults.inject({ operation: 'TagResource', kind: 'accessDenied', times: 1 });
    const plan = await run('enable eu-web --region eu-west-1', PEOPLE.approver);
    expect(textOf(plan)).not.toContain('--share` so');
    await h.client.click({
      userId: PEOPLE.approver,
      channelId: PEOPLE.prod,
      ts: plan.ts,
      action: CONFIRM_ACTION,
    });
    const failed = await waitFor(
      () => {
        const e = h.slack.ephemerals({ user: PEOPLE.approver }).find((x) => x.ts === plan.ts);
        return e && textOf(e).includes('Failed') ? e : undefined;
      },
      { what: 'plan replaced with the failure', timeoutMs: 15_000 },
    );
    expect(textOf(failed)).toContain('ecs:TagResource');
    const rec = await waitFor(async () =>
      (await h.guard.ctx.audit.list({ cluster: 'eu-web', limit: 10 })).find((r) => r.event === 'failed'),
    );
    expect(rec.outcome).toBe('error');
    expect(h.aws.calls({ operation: 'TagResource' }).every((c) => c.status >= 400)).toBe(true);
  });

  it('a forged or unknown plan id on Confirm is refused and audited', async () => {
    h.aws.clearCalls();
    const plan = await run('enable prod-web', PEOPLE.approver);
    const before = h.slack.ephemerals({ user: PEOPLE.approver }).length;
    await h.client.click({
      userId: PEOPLE.approver,
      channelId: PEOPLE.prod,
      ts: plan.ts,
      action: CONFIRM_ACTION,
      value: `p${'0'.repeat(24)}`,
    });
    const r = await waitFor(() => h.slack.ephemerals({ user: PEOPLE.approver }).slice(before)[0]);
    expect(r.text).toContain('unknown or has expired');
    expect(tagCalls()).toEqual([]);
    const rec = (await h.guard.ctx.audit.list({ limit: 5 })).find(
      (x) => x.reason === 'unknown or expired plan',
    );
    expect(rec?.outcome).toBe('denied');
  });

  it('findings: newest first, filtered, with links to their cards', async () => {
    const web = h.estate.services.web;
    if (!web) throw new Error('no web service');
    const low = addFindingFor(h.aws.state, {
      type: 'Discovery:Runtime/SuspiciousCommand',
      task: web.tasks[0]!,
      severity: 2,
      at: Date.now() - 60_000,
    });
    const high = addFindingFor(h.aws.state, {
      type: 'Execution:Runtime/ReverseShell',
      task: web.tasks[1]!,
      severity: 8,
    });
    await h.guard.ctx.poller.poll('us-east-1');
    await waitFor(async () => (await h.guard.ctx.findings.getByIds([high.id]))[0]?.[0]?.ts, {
      what: 'card posted',
      timeoutMs: 15_000,
    });
    const all = textOf(await run('findings prod-web'));
    expect(all).toContain('Execution:Runtime/ReverseShell');
    expect(all).toContain('Discovery:Runtime/SuspiciousCommand');
    expect(all).toMatch(/<https:\/\/slack\.com\/archives\/CALERTS001\/p\d+\|card>/);
    expect(all.indexOf('ReverseShell')).toBeLessThan(all.indexOf('SuspiciousCommand'));
    const filtered = textOf(await run('findings --severity high --type Execution: --limit 5'));
    expect(filtered).toContain('ReverseShell');
    expect(filtered).not.toContain('SuspiciousCommand');
    expect(low.id).toBeTruthy();
    const none = textOf(await run('findings batch-jobs'));
    expect(none).toContain('No findings match');
  });

  it('audit lists records newest first, filters, and verifies the chain', async () => {
    const t = textOf(await run('audit 10'));
    expect(t).toContain('command');
    const byUser = textOf(await run(`audit 50 --user <@${PEOPLE.groupApprover}|gus>`));
    expect(byUser).toContain('enabled');
    expect(byUser).not.toContain('<@UOUTSIDER1>');
    const byCluster = textOf(await run('audit --cluster legacy-ec2'));
    expect(byCluster).toContain('disabled');
    expect(byCluster).not.toContain('batch-jobs');
    const v = textOf(await run('audit verify'));
    expect(v).toMatch(/Audit chain intact: \d+ record\(s\) verified/);
    const commands = await h.guard.ctx.audit.list({ limit: 200 });
    expect(commands.some((r) => r.event === 'command' && r.detail?.subcommand === 'coverage')).toBe(true);
  });

  it('status: identities per account, detectors, poll, queue depths, pending approvals, version', async () => {
    await run('enable prod-web', PEOPLE.approver); // leaves one plan pending
    const t = textOf(await run('status'));
    expect(t).toContain(`*${h.estate.homeAccountId}* (home)`);
    expect(t).toContain(`*${member}*`);
    expect(t).toContain(`role/${h.estate.roleName}`);
    expect(t).toMatch(/us-east-1: :white_check_mark: \*OK\* `[0-9a-f]{32}`/);
    expect(t).toContain('*OK* last poll');
    expect(t).toMatch(/`poll`: :white_check_mark: \*OK\* \d+ waiting, \d+ active, \d+ delayed, \d+ failed/);
    expect(t).toMatch(/`actions`: \S+ \*(OK|FAILED)\* \d+ waiting/);
    expect(t).toMatch(/\*(HEALTHY|UNHEALTHY)\*/);
    expect(t).toMatch(/\*Pending approvals\*: [1-9]/);
    expect(t).toContain(h.guard.ctx.version);
  });

  it('sample: approvers only; creates ECS runtime sample findings', async () => {
    const refused = textOf(await run('sample', PEOPLE.outsider));
    expect(refused).toContain('only approvers');
    expect(h.aws.calls({ operation: 'CreateSampleFindings' })).toHaveLength(0);
    const bad = textOf(await run('sample --types Recon:EC2/PortProbe', PEOPLE.approver));
    expect(bad).toContain('not an ECS runtime finding type');
    const ok = textOf(
      await run(
        'sample --types Execution:Runtime/NewBinaryExecuted,Execution:Runtime/ReverseShell',
        PEOPLE.approver,
      ),
    );
    expect(ok).toContain('2 sample finding(s)');
    const calls = h.aws.calls({ operation: 'CreateSampleFindings' });
    expect(calls).toHaveLength(1);
    expect((calls[0]?.input as { findingTypes?: string[] } | undefined)?.findingTypes).toEqual([
      'Execution:Runtime/NewBinaryExecuted',
      'Execution:Runtime/ReverseShell',
    ]);
  });

  it('--share posts the answer in the channel', async () => {
    const before = h.slack.messages(PEOPLE.prod).length;
    const m = await run('coverage --share', PEOPLE.approver);
    expect(h.slack.messages(PEOPLE.prod).length).toBe(before + 1);
    expect(textOf(m)).toContain('ECS clusters HEALTHY');
  });
});
