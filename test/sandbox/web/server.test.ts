import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addFindingFor } from '../../../sandbox/aws/index.js';
import { SANDBOX_CHANNELS, SANDBOX_PEOPLE, type Sandbox, startSandbox } from '../../../sandbox/sandbox.js';
import { buttonsOf } from '../../../sandbox/slack/index.js';
import type { ViewItem } from '../../../sandbox/web/view-model.js';
import { testPrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

// The sandbox server's HTTP API without a browser: assets, validation, and a click that goes
// through the bot's real /slack/events.
describe('sandbox web server', () => {
  let sandbox: Sandbox;
  const { requester, approver, outsider } = SANDBOX_PEOPLE;
  const ALERTS = SANDBOX_CHANNELS.alerts.id;

  beforeAll(async () => {
    sandbox = await startSandbox({
      pollSeconds: 1,
      initialFindings: 0,
      trickle: false,
      redisPrefix: testPrefix('sandbox-web'),
      logLevel: 'silent',
    });
  }, 30_000);
  afterAll(async () => {
    await sandbox?.close();
  });

  const post = (path: string, body: unknown, type = 'application/json') =>
    fetch(new URL(path, sandbox.url), {
      method: 'POST',
      headers: { 'content-type': type },
      body: JSON.stringify(body),
    });
  const view = async (user: string, channel = ALERTS): Promise<ViewItem[]> =>
    (
      (await (await fetch(new URL(`/api/channel?channel=${channel}&user=${user}`, sandbox.url))).json()) as {
        items: ViewItem[];
      }
    ).items;

  it('serves the page with a strict CSP, and its script and styles', async () => {
    const page = await fetch(sandbox.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="/app.js" defer></script>');
    expect((await fetch(new URL('/app.js', sandbox.url))).headers.get('content-type')).toContain(
      'javascript',
    );
    expect((await fetch(new URL('/style.css', sandbox.url))).status).toBe(200);
    expect((await fetch(new URL('/../package.json', sandbox.url))).status).toBe(404);
  });

  it('refuses non-JSON posts, unknown people, channels and messages', async () => {
    const click = {
      user: requester.id,
      channel: ALERTS,
      ts: '1.000001',
      action_id: 'stop_task',
      block_id: 'x',
    };
    expect((await post('/api/click', click, 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post('/api/click', { ...click, user: 'UEVIL0001' })).status).toBe(400);
    expect((await post('/api/command', { user: requester.id, channel: 'CNOPE', text: 'help' })).status).toBe(
      400,
    );
    expect((await post('/api/click', click)).status).toBe(404);
    expect((await fetch(new URL(`/api/channel?channel=${ALERTS}&user=nobody`, sandbox.url))).status).toBe(
      400,
    );
  });

  it('a click on Archive travels through the bot to ArchiveFindings; refusals are ephemeral to the clicker', async () => {
    const task = sandbox.estate.services.api!.tasks[0]!;
    const f = addFindingFor(sandbox.aws.state, { type: 'Execution:Runtime/NewBinaryExecuted', task });
    const card = await waitFor(
      () => sandbox.slack.messages(ALERTS).find((m) => JSON.stringify(m.blocks).includes(f.id)),
      { what: 'the card', timeoutMs: 15_000 },
    );
    const archive = buttonsOf(card).find((b) => b.action_id === 'archive')!;
    const click = (user: string) =>
      post('/api/click', {
        user,
        channel: ALERTS,
        ts: card.ts,
        action_id: 'archive',
        block_id: archive.block_id,
      });

    // The outsider may not archive: the bot says so, only to them.
    expect(await (await click(outsider.id)).json()).toMatchObject({ ok: true, status: 200 });
    const refusal = await waitFor(async () => (await view(outsider.id)).find((i) => i.ephemeral), {
      what: 'refusal',
    });
    expect(refusal.html).toMatch(/not (an approver|allowed)|may not|cannot/i);
    expect((await view(approver.id)).some((i) => i.ephemeral)).toBe(false);

    expect((await click(approver.id)).status).toBe(200);
    await waitFor(() => sandbox.aws.calls({ operation: 'ArchiveFindings' }).some((c) => !c.errorCode), {
      what: 'ArchiveFindings',
    });
    const updated = await waitFor(async () =>
      (await view(requester.id)).find((i) => i.ts === card.ts && i.edits > 0 && /Archived/i.test(i.html)),
    );
    expect(updated.html).not.toContain('data-action-id="archive"');

    const activity = (await (await fetch(new URL('/api/activity', sandbox.url))).json()) as {
      aws: { operation: string; detail: string }[];
      audit: { event: string }[];
    };
    expect(activity.aws.find((c) => c.operation === 'ArchiveFindings')?.detail).toContain('1 finding id(s)');
    expect(activity.audit.map((r) => r.event)).toContain('archived');
  });
});
