import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTexts } from '../helpers/block-kit.js';
import { type Harness, PEOPLE, startHarness } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait.js';

// A bot whose role may not call guardduty:ListFindings must look failed, not healthy: the AWS
// emulator refuses the call as AWS does (AccessDeniedException), the real poll job runs every
// second, and status, /metrics, /readyz and the alert channel are read back as a person would.
// The bot's clock is ours to move, so "15 minutes failing" takes no 15 minutes.
describe('a poller that fails looks failed', () => {
  let h: Harness;
  let offset = 0;
  const clock = () => Date.now() + offset;

  beforeAll(async () => {
    h = await startHarness({
      env: { ECS_GUARD_POLL_SECONDS: '1', ECS_GUARD_POLL_ALERT_MINUTES: '15' },
      guard: { clock },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const notices = () =>
    h.slack
      .messages(PEOPLE.alerts)
      .filter((m) => `${m.text ?? ''}`.includes('GuardDuty polling'))
      .map((m) => ({ ts: m.ts, text: `${m.text}\n${collectTexts(m.blocks ?? []).join('\n')}` }));
  const scrape = async () => (await fetch(`${h.baseUrl}/metrics`)).text();
  const readyz = async () => {
    const res = await fetch(`${h.baseUrl}/readyz`);
    return {
      status: res.status,
      body: (await res.json()) as { degraded?: string[]; poll?: Record<string, { lastError: string }> },
    };
  };
  async function status(): Promise<string> {
    const before = h.slack.ephemerals({ user: PEOPLE.approver }).length;
    await h.client.slashCommand({ userId: PEOPLE.approver, channelId: PEOPLE.alerts, text: 'status' });
    const m = await waitFor(() => h.slack.ephemerals({ user: PEOPLE.approver })[before], {
      what: 'status answer',
      timeoutMs: 15_000,
    });
    return `${m.text ?? ''}\n${collectTexts(m.blocks ?? []).join('\n')}`;
  }

  it('healthy first: a poll succeeds and nothing is degraded', async () => {
    await waitFor(async () => (await scrape()).includes('ecs_guard_poll_healthy{region="us-east-1"} 1'), {
      what: 'a successful poll',
      timeoutMs: 20_000,
    });
    expect((await readyz()).body.degraded).toEqual([]);
  }, 30_000);

  it('refused ListFindings: status, /metrics and /readyz say so, in words', async () => {
    h.aws.faults.inject({ operation: 'ListFindings', kind: 'accessDenied', times: Number.POSITIVE_INFINITY });
    await waitFor(async () => (await scrape()).includes('ecs_guard_poll_healthy{region="us-east-1"} 0'), {
      what: 'the poll gauge to turn 0',
      timeoutMs: 20_000,
    });
    const r = await readyz();
    // Decided: still 200 (clicks and pushes work; a restart fixes no IAM policy), but degraded.
    expect(r.status).toBe(200);
    expect(r.body.degraded).toEqual(['poll:us-east-1']);
    expect(r.body.poll?.['us-east-1']?.lastError).toMatch(/ListFindings.*(AccessDenied|not authorized)/i);
    expect(r.body.poll?.['us-east-1']?.lastError).not.toMatch(/arn:aws:(sts|iam)::/);

    const text = await status();
    expect(text).toContain('FAILED');
    expect(text).toMatch(/failing for/);
    expect(text).toMatch(/last error: .*ListFindings/);
    expect(text).toContain('UNHEALTHY');
    expect(text).not.toContain('no poll yet');
    // Not failing 15 minutes yet: no notice.
    expect(notices()).toHaveLength(0);
  }, 60_000);

  it('after ECS_GUARD_POLL_ALERT_MINUTES one notice, updated in place, then cleared on recovery', async () => {
    offset += 16 * 60_000;
    const [first] = await waitFor(() => (notices().length ? notices() : undefined), {
      what: 'the failing notice',
      timeoutMs: 20_000,
    });
    expect(first!.text).toContain('FAILING');
    expect(first!.text).toContain('us-east-1');
    expect(first!.text).toMatch(/ListFindings/);
    expect(await scrape()).toMatch(/ecs_guard_poll_failing_seconds\{region="us-east-1"\} (9[6-9]\d|\d{4,})/);

    // Later polls update the same message instead of posting again.
    const updates = () =>
      h.slack.calls('chat.update').filter((c) => (c.args as { ts?: string }).ts === first!.ts).length;
    await waitFor(() => updates() >= 1, { what: 'the notice updated in place', timeoutMs: 20_000 });
    expect(notices()).toHaveLength(1);

    h.aws.faults.clear();
    await waitFor(() => notices()[0]?.text.includes('RECOVERED'), {
      what: 'the notice cleared',
      timeoutMs: 20_000,
    });
    expect(notices()).toHaveLength(1);
    expect(notices()[0]!.ts).toBe(first!.ts);
    expect((await readyz()).body.degraded).toEqual([]);
    expect(await scrape()).toContain('ecs_guard_poll_healthy{region="us-east-1"} 1');
    expect(await status()).not.toContain('failing for');
  }, 90_000);
});
