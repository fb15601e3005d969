import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../../sandbox/slack/index.js';
import { platformError, type WebClient, webClient } from './web-client.js';

const C = 'C0ALERTS';
const ALICE = 'U0ALICE';

describe('response_url posts and trigger ids', () => {
  let emu: SlackEmulator;
  let web: WebClient;
  let now = 1_732_838_400_000;

  const post = async (url: string, body: unknown, contentType = 'application/json') => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    emu = await startSlackEmulator({ clock: () => now, channels: [{ id: C, name: 'alerts' }] });
    web = webClient(emu);
  });
  afterAll(async () => {
    await emu.close();
  });
  beforeEach(() => {
    emu.clearCalls();
    emu.faults.clear();
  });

  it('a slash-command response_url is ephemeral by default and in_channel when asked (also in a thread)', async () => {
    const url = emu.createResponseUrl({ channel: C, user: ALICE });
    expect(await post(url, { text: 'just you' })).toEqual({ status: 200, body: { ok: true } });
    expect(emu.ephemerals({ channel: C, user: ALICE }).at(-1)).toMatchObject({
      text: 'just you',
      via: 'response_url',
    });
    const parent = await web.chat.postMessage({ channel: C, text: 'card' });
    expect(
      (await post(url, { response_type: 'in_channel', text: 'reply', thread_ts: parent.ts })).status,
    ).toBe(200);
    expect(emu.thread(C, parent.ts!).map((m) => [m.text, m.via])).toEqual([
      ['card', 'chat.postMessage'],
      ['reply', 'response_url'],
    ]);
    // replace_original with no original (slash command) posts a new ephemeral, as Slack does.
    expect((await post(url, { replace_original: true, text: 'again' })).status).toBe(200);
    expect(emu.ephemerals({ user: ALICE }).at(-1)?.text).toBe('again');
    expect(emu.calls('response_url')).toHaveLength(3);
  });

  it('replace_original and delete_original act on the message the click came from', async () => {
    const { ts } = await web.chat.postMessage({ channel: C, text: 'original' });
    const url = emu.createResponseUrl({ channel: C, user: ALICE, messageTs: ts! });
    expect((await post(url, { replace_original: 'true', text: 'replaced' })).status).toBe(200);
    expect(emu.message(C, ts!)).toMatchObject({ text: 'replaced', history: [{ text: 'original' }] });
    expect((await post(url, { delete_original: true })).status).toBe(200);
    expect(emu.message(C, ts!)).toBeUndefined();
    expect(await post(url, { delete_original: true })).toEqual({
      status: 404,
      body: { ok: false, error: 'message_not_found' },
    });
  });

  it('validates Block Kit and text, answering non-2xx so Bolt respond() throws', async () => {
    const url = emu.createResponseUrl({ channel: C, user: ALICE });
    const bad = await post(url, {
      text: 't',
      blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(JSON.stringify(bad.body)).toContain('/blocks/0/text/text');
    expect((await post(url, {})).body).toMatchObject({ error: 'no_text' });
    expect((await post(`${emu.url}/response/R0NOPE`, { text: 'x' })).status).toBe(404);
    expect(emu.ephemerals({ user: ALICE })).not.toContainEqual(expect.objectContaining({ text: 't' }));
  });

  it('expires after 30 minutes and can be faulted', async () => {
    const url = emu.createResponseUrl({ channel: C, user: ALICE });
    emu.faults.inject({ method: 'response_url', kind: '500' });
    expect((await post(url, { text: 'x' })).status).toBe(500);
    expect((await post(url, { text: 'x' })).status).toBe(200);
    now += 30 * 60 * 1000 + 1;
    expect(await post(url, { text: 'late' })).toEqual({
      status: 404,
      body: { ok: false, error: 'expired_url' },
    });
  });

  it('a trigger id is good for 3 seconds', async () => {
    const view = { type: 'modal', title: { type: 'plain_text', text: 'ECS context' }, blocks: [] };
    const trigger = emu.createTriggerId(ALICE);
    now += 3001;
    expect((await platformError(web.views.open({ trigger_id: trigger, view: view as never }))).error).toBe(
      'expired_trigger_id',
    );
    const fresh = emu.createTriggerId(ALICE);
    now += 2000;
    await expect(web.views.open({ trigger_id: fresh, view: view as never })).resolves.toMatchObject({
      ok: true,
    });
    expect(emu.views().at(-1)?.user).toBe(ALICE);
  });
});
