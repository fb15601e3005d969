/**
 * Sends requests to the bot's `POST /slack/events` exactly as Slack does: form-encoded, signed
 * with the signing secret (v0), slash commands as form fields and clicks as `payload=<JSON>`
 * block_actions. With an emulator attached it reads the clicked message from the emulator,
 * hands out the emulator's response URLs and trigger ids, and shows a slash command's ack body
 * the way Slack would.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type Clock, systemClock } from '../../src/clock.js';
import type { SlackEmulator } from './emulator.js';
import { signedHeaders } from './signing.js';
import { shownMessage } from './workspace.js';

export interface SlackTestClientOptions {
  /** The bot's events URL, e.g. `http://127.0.0.1:3000/slack/events`. */
  eventsUrl: string;
  /** Defaults to the emulator's signing secret. */
  signingSecret?: string;
  emulator?: SlackEmulator;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** The legacy verification token Slack includes in payloads. */
  verificationToken?: string;
  /** Used for X-Slack-Request-Timestamp and action_ts. */
  clock?: Clock;
  /** The slash command name (default `/ecs-guard`). */
  command?: string;
}

export interface SendOptions {
  /** Unix seconds for X-Slack-Request-Timestamp (default now); set it old to test replay rejection. */
  timestamp?: number;
  /** Sign with this secret instead of the right one. */
  secret?: string;
  /** Sends X-Slack-Retry-Num (and X-Slack-Retry-Reason, default http_timeout). */
  retry?: number;
  retryReason?: string;
}

export interface SubmitViewInput extends SendOptions {
  userId: string;
  /** The view to submit; default the last one the emulator opened (for `userId`, or `viewId`). */
  viewId?: string;
  view?: Record<string, unknown>;
  /** block_id → action_id → the typed text or the chosen option's value. */
  values: Record<string, Record<string, string>>;
}

export interface SlackResponse {
  status: number;
  /** Parsed JSON when the body is JSON, otherwise the text ('' for an empty ack). */
  body: unknown;
  text: string;
  /** Milliseconds from sending the request to having the whole response. */
  ackMs: number;
}

export interface InteractionResponse extends SlackResponse {
  /** The response_url sent with the request (the emulator's, when one is attached). */
  responseUrl: string;
  triggerId: string;
  /** The exact payload that was sent. */
  payload: Record<string, unknown>;
}

export interface SlashCommandInput extends SendOptions {
  userId: string;
  channelId: string;
  text?: string;
  command?: string;
}

export interface ClickInput extends SendOptions {
  userId: string;
  channelId: string;
  /** ts of the message holding the button. */
  ts: string;
  /** The button's action_id or its label text ("Stop task"). */
  action: string;
  /** Overrides the button's value (to test forged values). */
  value?: string;
  /**
   * Selected option values of the message's checkboxes, by action id (what the person ticked);
   * untouched checkboxes send their initial options, as Slack does.
   */
  checked?: Record<string, string[]>;
  /** The message to click in, when no emulator is attached (or to override it). */
  message?: { blocks?: unknown[]; attachments?: unknown[]; text?: string; [k: string]: unknown };
}

interface FoundButton {
  block_id: string;
  action_id: string;
  text: unknown;
  value?: string;
  style?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every button in a message's blocks (top level and inside attachments). */
export function buttonsOf(message: { blocks?: unknown[]; attachments?: unknown[] }): FoundButton[] {
  const blockLists: unknown[][] = [];
  if (Array.isArray(message.blocks)) blockLists.push(message.blocks);
  for (const a of message.attachments ?? [])
    if (isObj(a) && Array.isArray(a.blocks)) blockLists.push(a.blocks);
  const found: FoundButton[] = [];
  for (const blocks of blockLists) {
    for (const b of blocks) {
      if (!isObj(b)) continue;
      const elements = b.type === 'actions' && Array.isArray(b.elements) ? b.elements : [];
      const candidates = b.type === 'section' && b.accessory ? [b.accessory] : elements;
      for (const e of candidates) {
        if (!isObj(e) || e.type !== 'button' || typeof e.action_id !== 'string') continue;
        found.push({
          block_id: typeof b.block_id === 'string' ? b.block_id : '',
          action_id: e.action_id,
          text: e.text,
          ...(typeof e.value === 'string' ? { value: e.value } : {}),
          ...(typeof e.style === 'string' ? { style: e.style } : {}),
        });
      }
    }
  }
  return found;
}

/** `state.values` of a message's checkboxes: block id → action id → { type, selected_options }. */
function inputState(message: { blocks?: unknown[] }, checked: Record<string, string[]> = {}): Obj {
  const values: Obj = {};
  for (const b of message.blocks ?? []) {
    if (!isObj(b) || !Array.isArray(b.elements)) continue;
    for (const e of b.elements) {
      if (!isObj(e) || e.type !== 'checkboxes' || typeof e.action_id !== 'string') continue;
      const options = (Array.isArray(e.options) ? e.options : []).filter(isObj);
      const want = checked[e.action_id];
      const selected = want
        ? options.filter((o) => want.includes(String(o.value)))
        : Array.isArray(e.initial_options)
          ? e.initial_options
          : [];
      const blockId = typeof b.block_id === 'string' ? b.block_id : '';
      values[blockId] = {
        ...(values[blockId] as Obj),
        [e.action_id]: { type: 'checkboxes', selected_options: selected },
      };
    }
  }
  return values;
}

const labelOf = (b: FoundButton) => (isObj(b.text) && typeof b.text.text === 'string' ? b.text.text : '');

export class SlackTestClient {
  private readonly clock: Clock;
  private readonly secret: string;
  /** The response_url of the last slash command or click. */
  lastResponseUrl: string | undefined;

  constructor(private readonly opts: SlackTestClientOptions) {
    this.clock = opts.clock ?? systemClock;
    const secret = opts.signingSecret ?? opts.emulator?.signingSecret;
    if (!secret) throw new Error('SlackTestClient needs signingSecret or an emulator');
    this.secret = secret;
  }

  private get teamId() {
    return this.opts.teamId ?? this.opts.emulator?.teamId ?? 'T0ECSGUARD';
  }
  private get teamDomain() {
    return this.opts.teamDomain ?? this.opts.emulator?.teamDomain ?? 'ecs-guard-sandbox';
  }
  private get apiAppId() {
    return this.opts.apiAppId ?? this.opts.emulator?.appId ?? 'A0ECSGUARD';
  }
  private get token() {
    return this.opts.verificationToken ?? 'verification-token';
  }

  private userName(userId: string): string {
    return this.opts.emulator?.workspace.users.get(userId)?.name ?? userId.toLowerCase();
  }
  private channelName(channelId: string): string {
    return this.opts.emulator?.workspace.channels.get(channelId)?.name ?? channelId.toLowerCase();
  }
  private triggerId(user: string): string {
    return this.opts.emulator?.createTriggerId(user) ?? `${Date.now()}.${randomBytes(6).toString('hex')}`;
  }
  private responseUrl(t: { channel: string; user: string; messageTs?: string; ephemeral?: boolean }): string {
    if (this.opts.emulator) return this.opts.emulator.createResponseUrl(t);
    return `http://127.0.0.1:9/response/${randomBytes(6).toString('hex')}`;
  }

  /** Sends `/ecs-guard <text>` as Slack does. */
  async slashCommand(input: SlashCommandInput): Promise<InteractionResponse> {
    const responseUrl = this.responseUrl({ channel: input.channelId, user: input.userId });
    const triggerId = this.triggerId(input.userId);
    const payload: Record<string, string> = {
      token: this.token,
      team_id: this.teamId,
      team_domain: this.teamDomain,
      channel_id: input.channelId,
      channel_name: this.channelName(input.channelId),
      user_id: input.userId,
      user_name: this.userName(input.userId),
      command: input.command ?? this.opts.command ?? '/ecs-guard',
      text: input.text ?? '',
      api_app_id: this.apiAppId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    };
    this.lastResponseUrl = responseUrl;
    const res = await this.sendSigned(new URLSearchParams(payload).toString(), input);
    // Slack shows a message returned in the ack body like a response_url post.
    if (
      this.opts.emulator &&
      res.status === 200 &&
      isObj(res.body) &&
      ('text' in res.body || 'blocks' in res.body)
    ) {
      this.opts.emulator.applyAck(responseUrl, res.body);
    }
    return { ...res, responseUrl, triggerId, payload };
  }

  /** Clicks a button (by action_id or label) in a stored message, as a block_actions payload. */
  async click(input: ClickInput): Promise<InteractionResponse> {
    const { message, ephemeral } = this.findMessage(input);
    const buttons = buttonsOf(message);
    const button =
      buttons.find((b) => b.action_id === input.action) ?? buttons.find((b) => labelOf(b) === input.action);
    if (!button) {
      const have = buttons.map((b) => `"${labelOf(b)}" (${b.action_id})`).join(', ') || 'none';
      throw new Error(
        `no button "${input.action}" in message ${input.channelId}/${input.ts}; buttons: ${have}`,
      );
    }
    const responseUrl = this.responseUrl({
      channel: input.channelId,
      user: input.userId,
      messageTs: input.ts,
      ephemeral,
    });
    const triggerId = this.triggerId(input.userId);
    const actionTs = (this.clock() / 1000).toFixed(6);
    const action: Obj = {
      action_id: button.action_id,
      block_id: button.block_id,
      text: button.text,
      type: 'button',
      action_ts: actionTs,
    };
    const value = input.value ?? button.value;
    if (value !== undefined) action.value = value;
    if (button.style) action.style = button.style;
    const payload: Obj = {
      type: 'block_actions',
      user: {
        id: input.userId,
        username: this.userName(input.userId),
        name: this.userName(input.userId),
        team_id: this.teamId,
      },
      api_app_id: this.apiAppId,
      token: this.token,
      container: {
        type: 'message',
        message_ts: input.ts,
        channel_id: input.channelId,
        is_ephemeral: ephemeral,
      },
      trigger_id: triggerId,
      team: { id: this.teamId, domain: this.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: input.channelId, name: this.channelName(input.channelId) },
      // Slack leaves `message` out for clicks in ephemeral messages.
      ...(ephemeral ? {} : { message: { ...message, ts: input.ts } }),
      state: { values: inputState(message, input.checked) },
      response_url: responseUrl,
      actions: [action],
    };
    this.lastResponseUrl = responseUrl;
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const res = await this.sendSigned(body, input);
    return { ...res, responseUrl, triggerId, payload };
  }

  /**
   * Submits a modal the bot opened (views.open), as Slack sends a `view_submission`: the stored
   * view with `state.values` filled from `values` (block_id → action_id → value). Inputs are sent
   * in their element's shape: plain text as `value`, selects and radios as `selected_option`.
   */
  async submitView(input: SubmitViewInput): Promise<SlackResponse & { payload: Obj }> {
    const emu = this.opts.emulator;
    const stored = input.view
      ? { id: String(input.view.id ?? 'V0'), view: input.view }
      : emu
          ?.views()
          .filter(
            (v) => (!input.viewId || v.id === input.viewId) && (!input.userId || v.user === input.userId),
          )
          .at(-1);
    if (!stored) throw new Error(`no open view${input.viewId ? ` ${input.viewId}` : ''} to submit`);
    const view = stored.view as Obj;
    const blocks = Array.isArray(view.blocks) ? (view.blocks as Obj[]) : [];
    const values: Record<string, Record<string, Obj>> = {};
    for (const b of blocks) {
      if (b.type !== 'input' || !isObj(b.element)) continue;
      const el = b.element as Obj;
      const blockId = String(b.block_id ?? '');
      const actionId = String(el.action_id ?? '');
      const given = input.values[blockId]?.[actionId];
      const type = String(el.type);
      const options = Array.isArray(el.options) ? (el.options as Obj[]) : [];
      const option = options.find((o) => o.value === given);
      const state: Obj = { type };
      if (type === 'plain_text_input') state.value = given ?? null;
      else if (type === 'static_select' || type === 'radio_buttons')
        state.selected_option = option ? { text: option.text, value: option.value } : null;
      else state.value = given ?? null;
      values[blockId] = { ...(values[blockId] ?? {}), [actionId]: state };
    }
    const payload: Obj = {
      type: 'view_submission',
      team: { id: this.teamId, domain: this.teamDomain },
      user: {
        id: input.userId,
        username: this.userName(input.userId),
        name: this.userName(input.userId),
        team_id: this.teamId,
      },
      api_app_id: this.apiAppId,
      token: this.token,
      trigger_id: this.triggerId(input.userId),
      view: { ...view, id: stored.id, state: { values } },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const res = await this.sendSigned(body, input);
    return { ...res, payload };
  }

  /** Sends any body with exactly these headers (no signing): for forged or malformed requests. */
  async sendRaw(body: string, headers: Record<string, string> = {}): Promise<SlackResponse> {
    const started = performance.now();
    const res = await fetch(this.opts.eventsUrl, { method: 'POST', headers, body });
    const text = await res.text();
    const ackMs = performance.now() - started;
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : '';
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, text, ackMs };
  }

  /** Signs `body` like Slack (optionally with a wrong secret or an old timestamp) and sends it. */
  sendSigned(body: string, o: SendOptions = {}): Promise<SlackResponse> {
    const ts = o.timestamp ?? Math.floor(this.clock() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      ...signedHeaders(o.secret ?? this.secret, body, ts),
    };
    if (o.retry !== undefined) {
      headers['x-slack-retry-num'] = String(o.retry);
      headers['x-slack-retry-reason'] = o.retryReason ?? 'http_timeout';
    }
    return this.sendRaw(body, headers);
  }

  private findMessage(input: ClickInput): {
    message: NonNullable<ClickInput['message']>;
    ephemeral: boolean;
  } {
    if (input.message) return { message: input.message, ephemeral: false };
    const emu = this.opts.emulator;
    if (!emu) throw new Error('click needs `message` when no emulator is attached');
    const stored = emu.message(input.channelId, input.ts);
    if (stored) {
      return { message: shownMessage(stored), ephemeral: false };
    }
    const eph = emu
      .ephemerals({ channel: input.channelId, user: input.userId })
      .find((e) => e.ts === input.ts && !e.deleted);
    if (eph) {
      const message: NonNullable<ClickInput['message']> = {};
      if (eph.blocks !== undefined) message.blocks = eph.blocks;
      if (eph.attachments !== undefined) message.attachments = eph.attachments;
      return { message, ephemeral: true };
    }
    throw new Error(
      `no message ${input.channelId}/${input.ts} in the Slack emulator (deleted, or never posted?)`,
    );
  }
}
