import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../../sandbox/aws/index.js';
import { SANDBOX_CHANNELS, SANDBOX_PEOPLE, type Sandbox, startSandbox } from '../../../sandbox/sandbox.js';
import { findChromium } from '../../helpers/chromium.js';
import { testPrefix } from '../../helpers/redis.js';

// The sandbox page in real headless Chromium: the bot, both emulators and real Redis run
// in-process; the page's clicks travel as signed block_actions through the bot's /slack/events.

const SKIP = process.env.ECS_GUARD_SKIP_BROWSER === '1';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const { requester, approver, outsider } = SANDBOX_PEOPLE;
const ALERTS = SANDBOX_CHANNELS.alerts.id;
const PAYMENTS = SANDBOX_CHANNELS.payments.id;

describe.skipIf(SKIP)('sandbox page in headless Chromium', () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // CHROMIUM_PATH, a system Chromium, or the one an npm dev dependency ships (see the helper).
    const chromiumBinary = await findChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    sandbox = await startSandbox({
      pollSeconds: 1,
      initialFindings: 0,
      trickle: false,
      redisPrefix: testPrefix('sandbox'),
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    });
    browser = await chromium.launch({
      executablePath: chromiumBinary.executablePath,
      args: [
        ...chromiumBinary.args,
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(20_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  }, 30_000);

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const switchTo = async (user: { id: string; name: string }) => {
    await page.locator(`.person[data-user="${user.id}"]`).click();
    await page.locator('#viewer', { hasText: `@${user.name}` }).waitFor();
  };
  /** Clicks a button on the card and confirms its dialog, checking the dialog's title. */
  const clickAndConfirm = async (card: ReturnType<Page['locator']>, label: string, title: RegExp) => {
    await card.locator('button.sk-btn', { hasText: label }).click();
    await page.locator('#modal:not([hidden])').waitFor();
    expect(await page.locator('#modal-title').textContent()).toMatch(title);
    await page.locator('#modal-confirm').click();
    await page.locator('#modal').waitFor({ state: 'hidden' });
  };

  it('four-eyes Stop task: request as the requester, refused for the outsider, approved by the approver', async () => {
    // A task in the member account: its findings go to #payments-oncall, and the StopTask runs
    // through AssumeRole with the approver as SourceIdentity.
    const task = sandbox.estate.services.payments!.tasks[0]!;
    const f = addFindingFor(sandbox.aws.state, { type: 'Execution:Runtime/ReverseShell', task, severity: 8 });
    await page.goto(`${sandbox.url}?channel=${ALERTS}&user=${requester.id}`);
    await page.locator('#channels button', { hasText: 'payments-oncall' }).click();
    await page.locator('#channel-name', { hasText: 'payments-oncall' }).waitFor();
    const card = page.locator('#messages > .msg', { hasText: 'Execution:Runtime/ReverseShell' });
    await card.waitFor();
    expect(await card.locator('.sk-header').textContent()).toContain('HIGH');
    // Stop task and Contain are both danger buttons.
    expect(await card.locator('button.sk-btn-danger').allTextContents()).toContain('Stop task');

    // Requester: Stop task, through Slack's confirm dialog.
    await card.locator('button.sk-btn', { hasText: 'Stop task' }).click();
    await page.locator('#modal:not([hidden])').waitFor();
    expect(await page.locator('#modal-title').textContent()).toBe('Stop this task?');
    await shot('sandbox-confirm-dialog');
    await page.locator('#modal-confirm').click();
    await card.locator('button.sk-btn', { hasText: 'Approve' }).waitFor();
    expect(await card.textContent()).toContain('Stop task requested');
    expect(await card.locator('.sk-mention', { hasText: '@rita' }).count()).toBeGreaterThan(0);
    expect(await card.locator('.msg-head .edited').count()).toBe(1);

    // Outsider: the bot refuses, in an ephemeral only oscar sees.
    await switchTo(outsider);
    await clickAndConfirm(card, 'Approve', /Approve/);
    const refusal = page.locator('#messages .msg.ephemeral', { hasText: 'not an approver' });
    await refusal.waitFor();
    expect(await refusal.locator('.only-you').textContent()).toContain('Only visible to you');
    await shot('sandbox-outsider-refused');

    // Approver: the ephemeral is not theirs; Approve runs the StopTask.
    await switchTo(approver);
    await page
      .locator('#messages .msg.ephemeral', { hasText: 'not an approver' })
      .waitFor({ state: 'detached' });
    await clickAndConfirm(card, 'Approve', /Approve Stop task/);
    await page.locator('#messages > .msg', { hasText: 'Stop task succeeded' }).waitFor();
    expect(await card.locator('button.sk-btn', { hasText: 'Approve' }).count()).toBe(0);
    expect(await card.locator('.sk-mention', { hasText: '@alice' }).count()).toBeGreaterThan(0);

    // The AWS panel shows the StopTask, made as the approver; the audit trail has every step.
    const stop = page.locator('#aws-calls li[data-operation="StopTask"]');
    await stop.waitFor();
    expect(await stop.textContent()).toContain('as @alice');
    expect(await stop.textContent()).toContain(sandbox.estate.memberAccountId);
    expect(
      await page.locator('#aws-calls li[data-operation="AssumeRole"]', { hasText: 'as @alice' }).count(),
    ).toBe(1);
    await page.locator('#audit li[data-event="executed"]').waitFor();
    for (const event of ['requested', 'refused', 'approved'])
      expect(await page.locator(`#audit li[data-event="${event}"]`).count()).toBeGreaterThan(0);

    // What the page showed is what happened: one StopTask on that task, in the emulator.
    const calls = sandbox.aws.calls({ operation: 'StopTask' }).filter((c) => !c.errorCode);
    expect(calls.map((c) => c.input.task)).toEqual([task.taskArn]);
    expect(calls[0]?.sourceIdentity).toBe(approver.id);
    expect(JSON.stringify(sandbox.slack.messages(PAYMENTS).map((m) => m.blocks))).toContain(f.id);

    // The thread reply is there when the thread is opened.
    const toggle = card.locator('button.thread-toggle');
    await toggle.waitFor();
    await toggle.click();
    await card.locator('.thread .msg').first().waitFor();
    await shot('sandbox-stop-approved');
  }, 90_000);

  it('Contain from the page: plan checkboxes as ticked, Request containment, Approve, Restore', async () => {
    // A task of a service in the member account; the sandbox's policy offers revoke-sessions.
    const payments = sandbox.estate.services.payments!;
    const task = payments.tasks[1]!;
    addFindingFor(sandbox.aws.state, { type: 'Impact:Runtime/CryptoMinerExecuted', task, severity: 8 });
    await page.goto(`${sandbox.url}?channel=${PAYMENTS}&user=${requester.id}`);
    await page.locator('#channel-name', { hasText: 'payments-oncall' }).waitFor();
    const card = page.locator('#messages > .msg', { hasText: 'Impact:Runtime/CryptoMinerExecuted' });
    await card.waitFor();
    sandbox.aws.clearCalls();

    // Contain opens the plan in an ephemeral only the requester sees, with the policy's defaults.
    await card.locator('button.sk-btn', { hasText: 'Contain' }).click();
    const plan = page.locator('#messages .msg.ephemeral', { hasText: 'Contain task' });
    await plan.waitFor();
    const box = (step: string) => plan.locator(`input[type=checkbox][value="${step}"]`);
    expect(await box('hold-service').isChecked()).toBe(true);
    expect(await box('stop-task').isChecked()).toBe(true);
    expect(await box('stop-image-tasks').isChecked()).toBe(true);
    expect(await box('revoke-sessions').isChecked()).toBe(false);
    // The person changes the plan; the page keeps it across its redraws and sends it with the click.
    await box('stop-image-tasks').uncheck();
    await box('revoke-sessions').check();
    await shot('sandbox-contain-plan');
    await clickAndConfirm(plan, 'Request containment', /Request containment/);
    await card.locator('button.sk-btn', { hasText: 'Approve' }).waitFor();
    expect(await card.textContent()).toContain('Contain requested');

    // The approver approves; the ticked steps run in order, each reported in the thread.
    await switchTo(approver);
    await clickAndConfirm(card, 'Approve', /Approve Contain/);
    await card.locator('button.sk-btn', { hasText: 'Restore' }).waitFor({ timeout: 30_000 });
    expect(await card.textContent()).toContain('Contain succeeded');
    const ok = (operation: string) => sandbox.aws.calls({ operation }).filter((c) => !c.errorCode);
    expect(ok('UpdateService').map((c) => [c.input.service, c.input.desiredCount])).toEqual([
      ['payments-api', 0],
    ]);
    // Desired count 0 makes the scheduler drain the service, as ECS does: this task is stopped
    // (by the scheduler or by the stop step, whichever came first) and nothing relaunches it.
    expect(ok('StopTask').every((c) => c.input.task === task.taskArn)).toBe(true);
    const store = sandbox.aws.state.store(sandbox.estate.memberAccountId, task.taskArn.split(':')[3]!);
    expect(store.tasks.get(task.taskArn.split('/').pop()!)?.desiredStatus).toBe('STOPPED');
    // The steps the person left ticked ran, revoke included; stop-image-tasks did not.
    const steps = (await sandbox.guard.ctx.audit.list({ limit: 100 }))
      .filter((r) => r.event === 'step' && r.action === 'contain')
      .map((r) => String(r.detail?.step));
    expect(steps).toContain('revoke-sessions');
    expect(steps).not.toContain('stop-image-tasks');
    const put = ok('PutRolePolicy');
    expect(put).toHaveLength(1);
    expect(put[0]?.sourceIdentity).toBe(approver.id);
    expect(String(put[0]?.input.PolicyDocument)).toContain('aws:TokenIssueTime');
    // Evidence came before the first change.
    const order = sandbox.aws.calls().map((c) => c.operation);
    expect(order.indexOf('DescribeTaskDefinition')).toBeLessThan(order.indexOf('UpdateService'));
    await page.locator('#aws-calls li[data-operation="UpdateService"]').waitFor();
    await page.locator('#audit li[data-event="evidence"]', { hasText: 'contain' }).first().waitFor();
    await shot('sandbox-contain-done');

    // Restore: the service back to its stored desired count, the deny policy removed.
    sandbox.aws.clearCalls();
    await clickAndConfirm(card, 'Restore', /Restore after Contain/);
    await card
      .locator('.sk-block', { hasText: 'Restore after Contain succeeded' })
      .waitFor({ timeout: 30_000 });
    expect(ok('UpdateService').map((c) => [c.input.service, c.input.desiredCount])).toEqual([
      ['payments-api', 2],
    ]);
    expect(ok('DeleteRolePolicy')).toHaveLength(1);
  }, 120_000);

  it('/ecs-guard coverage from the message box answers in an ephemeral', async () => {
    await page.goto(`${sandbox.url}?channel=${ALERTS}&user=${requester.id}`);
    await page.locator('#command').fill('/ecs-guard coverage');
    await page.locator('#command').press('Enter');
    const answer = page.locator('#messages .msg.ephemeral', { hasText: 'GuardDuty ECS coverage' });
    await answer.waitFor();
    const text = (await answer.textContent()) ?? '';
    for (const cluster of ['batch-jobs', 'legacy-ec2', 'ml-training']) expect(text).toContain(cluster);
    expect(await answer.locator('.only-you').count()).toBe(1);
    expect(await page.locator('#command').inputValue()).toBe('');
    await shot('sandbox-coverage');

    // Somebody else does not see it.
    await switchTo(approver);
    await answer.waitFor({ state: 'detached' });
  }, 60_000);
});
