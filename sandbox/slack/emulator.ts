/**
 * A local Slack Web API server the real `@slack/web-api` WebClient talks to
 * (`new WebClient(token, { slackApiUrl: emu.apiUrl })`). It keeps workspace state, validates
 * Block Kit, paces chat.postMessage per channel, injects faults and records every call.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../src/clock.js';
import { callLatency, type LatencySpec } from '../latency.js';
import { Faults } from './faults.js';
import { decodeJsonFields } from './message-rules.js';
import { ChannelPacer, maxInWindow, type PacingOptions } from './pacing.js';
import { parseCall, readRaw } from './request-body.js';
import { respondTo } from './response-url.js';
import { METHODS, type MethodEnv, type Obj, type Reply } from './web-api-methods.js';
import {
  type SlackChannel,
  type SlackUser,
  type StoredEphemeral,
  type StoredMessage,
  type StoredView,
  Workspace,
} from './workspace.js';

export interface SlackEmulatorOptions {
  port?: number;
  host?: string;
  botToken?: string;
  signingSecret?: string;
  pacing?: PacingOptions;
  clock?: Clock;
  team?: { id?: string; domain?: string; name?: string };
  bot?: { userId?: string; botId?: string; appId?: string; name?: string };
  users?: Array<Partial<SlackUser> & { name: string }>;
  /** `members` unset = every registered user is in the channel. */
  channels?: Array<{ id?: string; name: string; is_private?: boolean; members?: string[] }>;
  groups?: Array<{ id?: string; handle?: string; users: string[] }>;
  /** Create unknown `C…`/`G…` channels on first use instead of answering channel_not_found (sandbox). */
  autoCreateChannels?: boolean;
  /** Per-call latency (sandbox/latency.ts); none by default. */
  latency?: LatencySpec;
}

export interface RecordedCall {
  /** Epoch ms when the call arrived. */
  at: number;
  /** Web API method, or `response_url`. */
  method: string;
  /** Decoded arguments (blocks parsed, token removed). */
  args: Obj;
  status: number;
  ok: boolean;
  result?: Obj;
  error?: string;
  /** Seconds, on a 429. */
  retryAfter?: number;
}

export interface SlackEmulator {
  url: string;
  apiUrl: string;
  botToken: string;
  signingSecret: string;
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
  workspace: Workspace;
  faults: Faults;
  addUser(u: Partial<SlackUser> & { name: string }): SlackUser;
  addGroup(g: { id?: string; handle?: string; users: string[] }): {
    id: string;
    handle: string;
    users: string[];
  };
  addChannel(c: { id?: string; name: string; is_private?: boolean; members?: string[] }): SlackChannel;
  /** Top-level messages of a channel (with `includeReplies`, thread replies too), oldest first. */
  messages(channel: string, opts?: { includeReplies?: boolean }): StoredMessage[];
  message(channel: string, ts: string): StoredMessage | undefined;
  /** The thread parent followed by its replies. */
  thread(channel: string, ts: string): StoredMessage[];
  ephemerals(filter?: { channel?: string; user?: string }): StoredEphemeral[];
  views(): StoredView[];
  calls(method?: string): RecordedCall[];
  clearCalls(): void;
  /** Every call answered 429 (pacing or injected). */
  rateLimited(): RecordedCall[];
  /** Highest accepted chat.postMessage count in any `windowMs` (default 1000) window, per channel. */
  postRateReport(windowMs?: number): Record<string, number>;
  /** A single-use trigger id valid for 3 s (views.open checks it). */
  createTriggerId(user?: string): string;
  createResponseUrl(t: { channel: string; user: string; messageTs?: string; ephemeral?: boolean }): string;
  /** Applies a message sent as the HTTP ack of a slash command (Slack shows it like a response_url post). */
  applyAck(responseUrl: string, body: Obj): Reply;
  close(): Promise<void>;
}

const json = (res: ServerResponse, reply: Reply) => {
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
  res.end(JSON.stringify(reply.body));
};

export async function startSlackEmulator(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const clock = opts.clock ?? systemClock;
  const botToken = opts.botToken ?? 'xoxb-ecs-guard-test';
  const signingSecret = opts.signingSecret ?? 'test-signing-secret';
  const ws = new Workspace(
    {
      id: opts.team?.id ?? 'T0ECSGUARD',
      domain: opts.team?.domain ?? 'ecs-guard-sandbox',
      name: opts.team?.name ?? 'ecs-guard sandbox',
    },
    {
      userId: opts.bot?.userId ?? 'U0ECSBOT',
      botId: opts.bot?.botId ?? 'B0ECSBOT',
      appId: opts.bot?.appId ?? 'A0ECSGUARD',
      name: opts.bot?.name ?? 'ecs-guard',
    },
    clock,
  );
  ws.autoCreateChannels = opts.autoCreateChannels ?? false;
  for (const u of opts.users ?? []) ws.addUser(u);
  for (const c of opts.channels ?? []) ws.addChannel(c);
  for (const g of opts.groups ?? []) ws.addGroup(g);

  const faults = new Faults();
  const env: MethodEnv = {
    ws,
    pacer: new ChannelPacer(opts.pacing, clock),
    baseUrl: '',
    postTimes: new Map(),
  };
  let recorded: RecordedCall[] = [];

  const record = (at: number, method: string, args: Obj, reply: Reply) => {
    const ok = reply.body.ok === true;
    const call: RecordedCall = { at, method, args, status: reply.status, ok };
    if (ok) call.result = reply.body;
    else call.error = String(reply.body.error ?? `http_${reply.status}`);
    const retry = reply.headers?.['retry-after'];
    if (retry !== undefined) call.retryAfter = Number(retry);
    recorded.push(call);
  };

  const handleApi = (method: string, token: string | undefined, args: Obj, channel: string | undefined) => {
    const fault = faults.take(method, channel);
    if (fault) return fault;
    if (!token) return { status: 200, body: { ok: false, error: 'not_authed' } };
    if (token !== botToken) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    const impl = METHODS[method];
    if (!impl) return { status: 200, body: { ok: false, error: 'unknown_method' } };
    return impl(env, args);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const at = clock();
    const url = new URL(req.url ?? '/', env.baseUrl);
    const raw = await readRaw(req);
    const apiMatch = /^\/api\/([\w.]+)$/.exec(url.pathname);
    if (apiMatch && (req.method === 'POST' || req.method === 'GET')) {
      const method = apiMatch[1] as string;
      const parsed = parseCall(req, raw, url);
      const decoded = decodeJsonFields(parsed.args);
      let reply: Reply;
      let args = parsed.args;
      if (parsed.malformed) reply = { status: 200, body: { ok: false, error: 'invalid_json' } };
      else if ('rejection' in decoded) {
        const { error, messages } = decoded.rejection;
        reply = {
          status: 200,
          body: { ok: false, error, ...(messages ? { response_metadata: { messages } } : {}) },
        };
      } else {
        args = decoded.args;
        const channel = typeof args.channel === 'string' ? args.channel : undefined;
        reply = handleApi(method, parsed.token, args, channel);
      }
      record(at, method, args, reply);
      json(res, reply);
      return;
    }
    const respMatch = /^\/response\/(\w+)$/.exec(url.pathname);
    if (respMatch && req.method === 'POST') {
      const parsed = parseCall(req, raw, url);
      const target = ws.responseUrls.get(respMatch[1] as string);
      const decoded = decodeJsonFields(parsed.args);
      const args = 'args' in decoded ? decoded.args : parsed.args;
      let reply: Reply =
        faults.take('response_url', target?.channel) ??
        (!target
          ? { status: 404, body: { ok: false, error: 'invalid_url' } }
          : parsed.malformed
            ? { status: 400, body: { ok: false, error: 'invalid_json' } }
            : respondTo(ws, target, args));
      if ('rejection' in decoded && reply.status === 200) {
        reply = { status: 400, body: { ok: false, error: decoded.rejection.error } };
      }
      record(at, 'response_url', args, reply);
      json(res, reply);
      return;
    }
    json(res, { status: 404, body: { ok: false, error: 'not_found' } });
  };

  const server = createServer((req, res) => {
    callLatency(opts.latency)
      .then(() => handle(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) json(res, { status: 500, body: { ok: false, error: 'internal_error' } });
        else res.destroy(err as Error);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  env.baseUrl = url;

  return {
    url,
    apiUrl: `${url}/api/`,
    botToken,
    signingSecret,
    teamId: ws.team.id,
    teamDomain: ws.team.domain,
    botUserId: ws.bot.userId,
    botId: ws.bot.botId,
    appId: ws.bot.appId,
    workspace: ws,
    faults,
    addUser: (u) => ws.addUser(u),
    addGroup: (g) => ws.addGroup(g),
    addChannel: (c) => ws.addChannel(c),
    messages: (channel, o = {}) =>
      ws.allMessages(channel).filter((m) => o.includeReplies || !m.thread_ts || m.thread_ts === m.ts),
    message: (channel, ts) => ws.message(channel, ts),
    thread: (channel, ts) => {
      const all = ws.allMessages(channel);
      const parent = all.find((m) => m.ts === ts);
      return parent ? [parent, ...all.filter((m) => m.thread_ts === ts && m.ts !== ts)] : [];
    },
    ephemerals: (f = {}) =>
      ws.ephemerals.filter(
        (e) =>
          (f.channel === undefined || e.channel === f.channel) && (f.user === undefined || e.user === f.user),
      ),
    views: () => [...ws.views.values()],
    calls: (method) => (method ? recorded.filter((c) => c.method === method) : [...recorded]),
    clearCalls: () => {
      recorded = [];
    },
    rateLimited: () => recorded.filter((c) => c.status === 429),
    postRateReport: (windowMs = 1000) =>
      Object.fromEntries(
        [...env.postTimes].map(([channel, times]) => [channel, maxInWindow(times, windowMs)]),
      ),
    createTriggerId: (user) => ws.createTriggerId(user),
    createResponseUrl: (t) =>
      ws.createResponseUrl(url, {
        channel: t.channel,
        user: t.user,
        ...(t.messageTs ? { messageTs: t.messageTs } : {}),
        ephemeral: t.ephemeral ?? false,
      }),
    applyAck: (responseUrl, body) => {
      const id = responseUrl.slice(responseUrl.lastIndexOf('/') + 1);
      const target = ws.responseUrls.get(id);
      if (!target) return { status: 404, body: { ok: false, error: 'invalid_url' } };
      const reply = respondTo(ws, target, body, { countUse: false });
      record(clock(), 'ack', body, reply);
      return reply;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
