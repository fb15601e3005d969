import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCoverageHealth } from '../../sandbox/aws/coverage-health.js';
import { addCoverage, addService, COVERAGE_ISSUES } from '../../sandbox/aws/index.js';
import { coverageCardOf } from '../../src/coverage/alerts.js';
import { watchCoverage } from '../../src/coverage/watch.js';
import { assertWithinBlockKitLimits, collectTexts } from '../helpers/block-kit.js';
import { type Harness, INGEST_TOKEN, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// Coverage-gap alerts end to end in one process: GuardDuty coverage changes in the AWS emulator
// reach ecs-guard by an EventBridge health event (verified with ListCoverage) or by the poll
// diff, and become one card per cluster in ECS_GUARD_COVERAGE_CHANNEL, updated in place.
const REGION = 'us-east-1';
const COVERAGE = 'CCOVERAGE1';

describe('coverage-gap alerts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ECS_GUARD_COVERAGE_CHANNEL: COVERAGE } });
    h.slack.workspace.addChannel({ id: COVERAGE, name: 'coverage' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const home = () => h.aws.homeAccountId;
  const textOf = (m: { text?: string; blocks?: unknown[] }) =>
    `${m.text ?? ''}\n${collectTexts(m.blocks ?? []).join('\n')}`;
  const cardsFor = (cluster: string) =>
    h.slack.messages(COVERAGE).filter((m) => textOf(m).includes(`cluster *${cluster}*`));

  function healthEvent(status: 'Unhealthy' | 'Healthy', cluster: string, accountId = home()) {
    return {
      version: '0',
      id: `ev-${Math.random().toString(16).slice(2)}`,
      'detail-type': `GuardDuty Runtime Protection ${status}`,
      source: 'aws.guardduty',
      account: home(),
      time: new Date().toISOString(),
      region: REGION,
      resources: [],
      detail: {
        schemaVersion: '1.0',
        resourceAccountId: accountId,
        currentStatus: status.toUpperCase(),
        previousStatus: status === 'Healthy' ? 'UNHEALTHY' : 'HEALTHY',
        resourceDetails: {
          resourceType: 'ECS',
          ecsClusterDetails: {
            clusterName: cluster,
            fargateDetails: { issues: [], managementType: 'AUTO_MANAGED' },
            containerInstanceDetails: { coveredContainerInstances: 0, compatibleContainerInstances: 0 },
          },
        },
        issue: status === 'Unhealthy' ? 'Agent exited' : '',
        lastUpdatedAt: new Date().toISOString(),
      },
    };
  }

  async function push(body: unknown) {
    const res = await fetch(`${h.baseUrl}/events/guardduty`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('Unhealthy then Healthy events for a cluster: one coverage card, updated in place', async () => {
    setCoverageHealth(h.aws.state, {
      accountId: home(),
      region: REGION,
      cluster: 'prod-web',
      issue: COVERAGE_ISSUES.agentExited(),
    });
    const r1 = await push(healthEvent('Unhealthy', 'prod-web'));
    expect(r1.status).toBe(202);
    expect(r1.body.coverage).toMatchObject({ verified: 1, outcomes: { posted: 1 } });
    // The same event twice (EventBridge retries) does not post a second card.
    expect((await push(healthEvent('Unhealthy', 'prod-web'))).body.coverage).toMatchObject({
      outcomes: { updated: 1 },
    });
    const card = await waitFor(() => cardsFor('prod-web')[0], { what: 'coverage card' });
    assertWithinBlockKitLimits(card.blocks ?? [], card.text);
    const t = textOf(card);
    expect(t).toContain('UNHEALTHY');
    expect(t).toContain('Agent exited');
    expect(t).toContain('CannotPullContainerError');
    // The remediation hint `/ecs-guard coverage <cluster>` gives for this issue.
    expect(t).toContain('The agent image cannot be pulled');
    expect(h.slack.messages(PEOPLE.alerts).some((m) => textOf(m).includes('Coverage gap'))).toBe(false);

    setCoverageHealth(h.aws.state, { accountId: home(), region: REGION, cluster: 'prod-web' });
    expect((await push(healthEvent('Healthy', 'prod-web'))).body.coverage).toMatchObject({
      outcomes: { recovered: 1 },
    });
    await waitFor(
      () =>
        h.slack
          .calls('chat.update')
          .some(
            (c) =>
              (c.args as { ts?: string }).ts === card.ts && JSON.stringify(c.args).includes('HEALTHY again'),
          ),
      { what: 'chat.update of the coverage card' },
    );
    const after = cardsFor('prod-web');
    expect(after).toHaveLength(1);
    expect(after[0]?.ts).toBe(card.ts);
    expect(textOf(after[0] as never)).toContain('Coverage restored');
    expect(textOf(after[0] as never)).toContain('HEALTHY');
  });

  it('a pushed event is only a hint: GuardDuty is asked, and what it says wins', async () => {
    // The body says UNHEALTHY but GuardDuty reports the cluster HEALTHY: no card.
    emuCallsBefore = h.aws.calls({ operation: 'ListCoverage' }).length;
    const r = await push(healthEvent('Unhealthy', 'eu-less-cluster-none'));
    expect(r.body.coverage).toMatchObject({ verified: 0 });
    expect(JSON.stringify(r.body.coverage)).toContain('not in GuardDuty coverage');
    const lie = await push(healthEvent('Unhealthy', 'prod-web'));
    expect(lie.body.coverage).toMatchObject({ verified: 1, outcomes: { unchanged: 1 } });
    expect(h.aws.calls({ operation: 'ListCoverage' }).length).toBeGreaterThan(emuCallsBefore);
    // Hostile or foreign events are ignored with a reason, nothing posted.
    const bad = await push([
      {
        ...healthEvent('Unhealthy', 'x'),
        detail: { ...healthEvent('Unhealthy', 'x').detail, resourceAccountId: '<!channel>' },
      },
      {
        ...healthEvent('Unhealthy', 'x'),
        detail: {
          ...healthEvent('Unhealthy', 'x').detail,
          resourceDetails: { resourceType: 'ECS', ecsClusterDetails: { clusterName: '<@U123> *hi*' } },
        },
      },
      {
        ...healthEvent('Unhealthy', 'x'),
        detail: { ...healthEvent('Unhealthy', 'x').detail, resourceDetails: { resourceType: 'EKS' } },
      },
    ]);
    expect(bad.status).toBe(202);
    expect(JSON.stringify(bad.body.coverage)).toMatch(/valid account id.*valid ECS cluster name.*not ECS/);
    expect(cardsFor('prod-web')).toHaveLength(1);
  });

  let emuCallsBefore = 0;

  it('the poll diff finds the same change with no push: baseline first, then a card, then recovery', async () => {
    const member = h.estate.memberAccountId;
    const first = await watchCoverage(h.guard.ctx, REGION);
    expect(first.baseline).toBe(true);
    const postsBefore = h.slack.calls('chat.postMessage').length;
    setCoverageHealth(h.aws.state, {
      accountId: member,
      region: REGION,
      cluster: 'payments',
      issue: COVERAGE_ISSUES.notReporting('payments-api'),
    });
    const second = await watchCoverage(h.guard.ctx, REGION);
    expect(second).toMatchObject({ baseline: false, changed: 1, outcomes: { posted: 1 } });
    const card = await waitFor(() => cardsFor('payments')[0], { what: 'poll-side coverage card' });
    expect(textOf(card)).toContain(`account ${member}`);
    expect(textOf(card)).toContain('Agent not reporting');
    expect(textOf(card)).toContain('guardduty-data VPC endpoint');
    // Nothing changed: nothing posted or updated.
    expect((await watchCoverage(h.guard.ctx, REGION)).changed).toBe(0);
    setCoverageHealth(h.aws.state, { accountId: member, region: REGION, cluster: 'payments' });
    expect((await watchCoverage(h.guard.ctx, REGION)).outcomes).toEqual({ recovered: 1 });
    await waitFor(() => textOf(cardsFor('payments')[0] ?? {}).includes('Coverage restored'), {
      what: 'payments card restored',
    });
    expect(cardsFor('payments')).toHaveLength(1);
    expect(h.slack.calls('chat.postMessage').length - postsBefore).toBe(1);
    // It breaks again later: a new card (the old one keeps saying when the earlier gap closed).
    setCoverageHealth(h.aws.state, {
      accountId: member,
      region: REGION,
      cluster: 'payments',
      issue: COVERAGE_ISSUES.agentExited(),
    });
    await watchCoverage(h.guard.ctx, REGION);
    await waitFor(() => cardsFor('payments').length === 2, { what: 'second payments card' });
  });

  it('running uncovered: two old tasks without the sidecar are listed under their service', async () => {
    const old = addService(h.aws.state, {
      accountId: home(),
      region: REGION,
      cluster: 'billing',
      service: 'invoices',
      image: `${home()}.dkr.ecr.${REGION}.amazonaws.com/invoices:7`,
      taskCount: 2,
      sidecar: false,
      startedAt: Date.now() - 7 * 86400_000,
    });
    addService(h.aws.state, {
      accountId: home(),
      region: REGION,
      cluster: 'billing',
      service: 'covered',
      image: `${home()}.dkr.ecr.${REGION}.amazonaws.com/covered:1`,
      taskCount: 1,
    });
    addCoverage(h.aws.state, { accountId: home(), region: REGION, cluster: 'billing' });
    await watchCoverage(h.guard.ctx, REGION);
    const ids = old.tasks.map((t) => t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1));
    setCoverageHealth(h.aws.state, {
      accountId: home(),
      region: REGION,
      cluster: 'billing',
      issue: COVERAGE_ISSUES.relaunch(ids),
    });
    await watchCoverage(h.guard.ctx, REGION);
    const card = await waitFor(() => cardsFor('billing')[0], { what: 'billing coverage card' });
    assertWithinBlockKitLimits(card.blocks ?? [], card.text);
    const t = textOf(card);
    expect(t).toContain('Running without the GuardDuty agent');
    expect(t).toContain('service *invoices*: 2 tasks without the agent');
    for (const id of ids) expect(t).toContain(id);
    expect(t).not.toContain('service *covered*');
    expect(
      await coverageCardOf(h.guard.ctx, { accountId: home(), region: REGION, cluster: 'billing' }),
    ).toMatch(/^c[0-9a-f]{24}$/);
    // The same list in `/ecs-guard coverage billing`.
    const before = h.slack.ephemerals({ user: PEOPLE.approver }).length;
    await h.client.slashCommand({
      userId: PEOPLE.approver,
      channelId: PEOPLE.alerts,
      text: 'coverage billing',
    });
    const answer = await waitFor(() => h.slack.ephemerals({ user: PEOPLE.approver })[before], {
      what: 'coverage billing answer',
      timeoutMs: 15_000,
    });
    const a = textOf(answer);
    expect(a).toContain('Running without the GuardDuty agent');
    expect(a).toContain('service *invoices*: 2 tasks');
    for (const id of ids) expect(a).toContain(id);

    // Redeploy per service: requested on the card, approved, then exactly one UpdateService.
    h.aws.clearCalls();
    const forged = await h.client.click({
      userId: PEOPLE.requester,
      channelId: COVERAGE,
      ts: card.ts,
      action: 'Redeploy',
      value: 'c000000000000000000000000.x',
    });
    expect(forged.status).toBe(200);
    await waitFor(
      () => h.slack.ephemerals({ user: PEOPLE.requester }).some((e) => /unknown id/.test(e.text ?? '')),
      {
        what: 'forged Redeploy refused',
      },
    );
    await h.client.click({ userId: PEOPLE.requester, channelId: COVERAGE, ts: card.ts, action: 'Redeploy' });
    const pending = await waitFor(
      () => {
        const m = h.slack.message(COVERAGE, card.ts);
        return m && textOf(m).includes('REQUESTED') ? m : undefined;
      },
      { what: 'Redeploy pending on the coverage card' },
    );
    expect(textOf(pending)).toContain('service *invoices*');
    expect(h.aws.calls({ operation: 'UpdateService' })).toHaveLength(0);
    await h.client.click({ userId: PEOPLE.approver, channelId: COVERAGE, ts: card.ts, action: 'Approve' });
    await waitFor(() => h.aws.calls({ operation: 'UpdateService' }).length === 1, { what: 'UpdateService' });
    expect(h.aws.calls({ operation: 'UpdateService' })[0]?.input).toMatchObject({
      cluster: 'billing',
      service: 'invoices',
      forceNewDeployment: true,
    });
    await waitFor(() => textOf(h.slack.message(COVERAGE, card.ts) ?? {}).includes('DONE'), {
      what: 'Redeploy outcome on the card',
    });
    expect(h.aws.calls({ operation: 'UpdateService' })).toHaveLength(1);
    // The new tasks carry the agent: GuardDuty (the emulator) reports the cluster HEALTHY again.
    expect(h.aws.state.store(home(), REGION).coverage.get('billing')?.coverageStatus).toBe('HEALTHY');
    const audit = await h.guard.ctx.audit.list({ cluster: 'billing', limit: 50 });
    expect(audit.some((r) => r.action === 'redeploy' && r.event === 'executed')).toBe(true);
  });
});
