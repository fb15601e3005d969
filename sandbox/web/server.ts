/**
 * The sandbox page's HTTP server (node:http, 127.0.0.1). It renders what the Slack emulator
 * holds for the chosen person and channel, shows the AWS calls and the audit trail, and turns
 * the page's clicks and slash commands into requests signed exactly as Slack signs them,
 * sent to the bot's real `/slack/events`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditRecord } from '../../src/audit/record.js';
import type { AwsEmulator, CallRecord } from '../aws/index.js';
import { buttonsOf, type SlackEmulator, type SlackTestClient } from '../slack/index.js';
import { readStatic } from './assets.js';
import type { RenderDirectory } from './render.js';
import { channelView } from './view-model.js';

export interface SandboxPerson {
  id: string;
  name: string;
  /** What the switcher says about them, e.g. "requester". */
  role: string;
  note: string;
}

export interface SandboxWebOptions {
  slack: SlackEmulator;
  aws: AwsEmulator;
  client: SlackTestClient;
  audit: { list(filter: { limit?: number }): Promise<AuditRecord[]> };
  people: SandboxPerson[];
  channels: { id: string; name: string; topic?: string }[];
  /** Shown in the page header: what is running. */
  info: Record<string, string>;
  port?: number;
  host?: string;
  /** Called when a click or command fails in a way the page should not hide. */
  onError?: (what: string, err: unknown) => void;
}

export interface SandboxWebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;
const AWS_CALLS_SHOWN = 200;

/** A short, display-only summary of an emulator call (never its credentials). */
export function summariseCall(c: CallRecord) {
  const input = c.input ?? {};
  const pick = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  const short = (s: string | undefined) => (s ? s.slice(s.lastIndexOf('/') + 1) : undefined);
  const ids = Array.isArray(input.findingIds) ? input.findingIds.length : undefined;
  const detail = [
    pick('cluster') ? `cluster ${short(pick('cluster'))}` : undefined,
    pick('task') ? `task ${short(pick('task'))}` : undefined,
    Array.isArray(input.tasks) ? `${input.tasks.length} task(s)` : undefined,
    pick('service') ? `service ${short(pick('service'))}` : undefined,
    pick('RoleArn') ? `role ${pick('RoleArn')}` : undefined,
    ids !== undefined ? `${ids} finding id(s)` : undefined,
    pick('reason') ? `reason "${pick('reason')}"` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  return {
    at: c.at,
    service: c.service,
    operation: c.operation,
    accountId: c.accountId ?? '',
    region: c.region ?? '',
    status: c.status,
    errorCode: c.errorCode ?? '',
    sourceIdentity:
      c.sourceIdentity ?? (typeof input.SourceIdentity === 'string' ? input.SourceIdentity : ''),
    detail,
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  // JSON only: a cross-site form post cannot send application/json without a preflight.
  if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
    throw new HttpError(415, 'expected application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'body too large');
    chunks.push(c as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'invalid JSON');
}

const SECURITY_HEADERS = {
  // Everything on the page is rendered by us; even if escaping failed, no inline script could run.
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS });
  res.end(JSON.stringify(body));
}

export async function startSandboxWeb(opts: SandboxWebOptions): Promise<SandboxWebServer> {
  const { slack, aws, client } = opts;
  const people = new Map(opts.people.map((p) => [p.id, p]));
  const channels = new Map(opts.channels.map((c) => [c.id, c]));

  const directory = (): RenderDirectory => {
    const ws = slack.workspace;
    return {
      users: Object.fromEntries([...ws.users.values()].map((u) => [u.id, u.name])),
      groups: Object.fromEntries([...ws.groups.values()].map((g) => [g.id, g.handle])),
      channels: Object.fromEntries([...ws.channels.values()].map((c) => [c.id, c.name])),
    };
  };

  const person = (v: unknown): string => {
    if (typeof v !== 'string' || !people.has(v)) throw new HttpError(400, 'unknown user');
    return v;
  };
  const channel = (v: unknown): string => {
    if (typeof v !== 'string' || !channels.has(v)) throw new HttpError(400, 'unknown channel');
    return v;
  };

  const meta = () => ({
    people: opts.people,
    channels: opts.channels,
    info: opts.info,
    bot: { id: slack.botUserId, name: 'ecs-guard' },
    directory: directory(),
  });

  const channelState = (ch: string, user: string) => {
    const items = channelView(slack.workspace.allMessages(ch), slack.ephemerals(), ch, user, directory());
    const counts = Object.fromEntries(opts.channels.map((c) => [c.id, slack.messages(c.id).length]));
    return { channel: ch, user, items, counts };
  };

  const activity = async () => {
    const calls = aws.calls();
    const shown = calls.slice(-AWS_CALLS_SHOWN).reverse().map(summariseCall);
    const audit = await opts.audit.list({ limit: 50 }).catch(() => []);
    return { awsTotal: calls.length, aws: shown, audit };
  };

  /**
   * What the page says is ticked: action_id → option values. Only strings survive; the test
   * client sends just the options the message itself offers, so nothing else can be injected.
   */
  const checkedOf = (raw: unknown): Record<string, string[]> => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
    const out: Record<string, string[]> = {};
    for (const [id, values] of Object.entries(raw).slice(0, 20))
      if (Array.isArray(values))
        out[id] = values.filter((v): v is string => typeof v === 'string').slice(0, 20);
    return out;
  };

  /** Clicks the button with this action_id in this block, in a message or the user's ephemeral. */
  const click = async (body: Record<string, unknown>) => {
    const user = person(body.user);
    const ch = channel(body.channel);
    const ts = typeof body.ts === 'string' ? body.ts : '';
    const actionId = typeof body.action_id === 'string' ? body.action_id : '';
    const blockId = typeof body.block_id === 'string' ? body.block_id : '';
    const msg =
      slack.message(ch, ts) ?? slack.ephemerals({ channel: ch, user }).find((e) => e.ts === ts && !e.deleted);
    if (!msg) throw new HttpError(404, 'that message is gone');
    const buttons = buttonsOf(msg);
    // The message may have been updated since the page drew it (Slack gives blocks without a
    // block_id a new random one on every update): the same button, if it is the only one with
    // that action id, is still the one the person clicked.
    const sameAction = buttons.filter((b) => b.action_id === actionId);
    const target =
      buttons.find((b) => b.action_id === actionId && b.block_id === blockId) ??
      (sameAction.length === 1 ? sameAction[0] : undefined);
    if (!target) throw new HttpError(409, 'that button is no longer on the message');
    // The test client finds a button by action_id; when several blocks share one, send the exact value.
    const shared = sameAction.length > 1;
    const res = await client.click({
      userId: user,
      channelId: ch,
      ts,
      action: actionId,
      ...(shared && target.value !== undefined ? { value: target.value } : {}),
      checked: checkedOf(body.checked),
    });
    return { ok: res.status === 200, status: res.status, ackMs: Math.round(res.ackMs) };
  };

  const command = async (body: Record<string, unknown>) => {
    const user = person(body.user);
    const ch = channel(body.channel);
    const raw = typeof body.text === 'string' ? body.text.trim() : '';
    const text = raw.replace(/^\/ecs-guard\b\s*/, '').slice(0, 4000);
    const res = await client.slashCommand({ userId: user, channelId: ch, text });
    return { ok: res.status === 200, status: res.status, ackMs: Math.round(res.ackMs) };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') {
      const asset = readStatic(url.pathname);
      if (asset) {
        res.writeHead(200, { 'content-type': asset.type, ...SECURITY_HEADERS });
        res.end(asset.body);
        return;
      }
      if (url.pathname === '/api/meta') return send(res, 200, meta());
      if (url.pathname === '/api/channel')
        return send(
          res,
          200,
          channelState(channel(url.searchParams.get('channel')), person(url.searchParams.get('user'))),
        );
      if (url.pathname === '/api/activity') return send(res, 200, await activity());
      if (url.pathname === '/healthz') return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && url.pathname === '/api/click')
      return send(res, 200, await click(await readJson(req)));
    if (req.method === 'POST' && url.pathname === '/api/command')
      return send(res, 200, await command(await readJson(req)));
    send(res, 404, { ok: false, error: 'not found' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return send(res, err.status, { ok: false, error: err.message });
      opts.onError?.(`${req.method} ${req.url}`, err);
      send(res, 500, { ok: false, error: (err as Error)?.message ?? 'internal error' });
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
