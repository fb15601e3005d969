/**
 * `POST /slack/events` in HTTP mode, before Bolt: the request must be signed by Slack
 * (`checkSlackSignature`: signature, and a timestamp within 5 minutes either way) and must not
 * be a replay. Each signature is remembered in Redis until its timestamp leaves the window
 * (SET NX PX), so a captured click or command sent again is refused before any work. A repeat
 * marked as Slack's own retry (`x-slack-retry-num`) is answered 200 and not run twice; a retry
 * Slack signs anew is a new request and the handlers stay idempotent for it, as before.
 * Socket Mode has no signatures and does not use this (Slack's WebSocket is the trust there).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { AuditTrail } from '../audit/trail.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Keyspace, Redis } from '../redis.js';
import { checkSlackHeaders, checkSlackSignature, replayWindowMs } from '../slack/request-signature.js';

/** Slack payloads are small; a card's blocks URL-encoded stay well under this. */
export const SLACK_BODY_LIMIT = 1024 * 1024;

export interface SlackRequestGuardDeps {
  signingSecret: string;
  redis: Redis;
  keys: Keyspace;
  audit: AuditTrail;
  log: Logger;
  metrics: Pick<Metrics, 'slackRequestsRefused'>;
  /** The wall clock Slack signs with (not a test's skewed business clock). */
  clock: Clock;
  bodyLimit?: number;
}

class BodyError extends Error {
  constructor(readonly status: number) {
    super(`request body refused (${status})`);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyError(413));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new BodyError(413));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => reject(new BodyError(400)));
  });
}

/** The Slack user a signed body names (`user_id` of a command, `user.id` of a click), for the audit. */
export function requestUser(rawBody: string): string {
  const form = new URLSearchParams(rawBody);
  let id = form.get('user_id') ?? undefined;
  const payload = form.get('payload');
  if (!id && payload) {
    try {
      id = (JSON.parse(payload) as { user?: { id?: unknown } }).user?.id as string | undefined;
    } catch {
      id = undefined;
    }
  }
  return typeof id === 'string' && /^[UW][A-Z0-9]{2,}$/.test(id) ? id : 'unknown';
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function slackRequestGuard(d: SlackRequestGuardDeps): RequestHandler {
  const limit = d.bodyLimit ?? SLACK_BODY_LIMIT;
  const refuse = (res: Parameters<RequestHandler>[1], status: number, reason: string) => {
    d.metrics.slackRequestsRefused.inc({ reason });
    res.status(status).end();
  };
  return async (req, res, next) => {
    const timestamp = header(req, 'x-slack-request-timestamp');
    const signature = header(req, 'x-slack-signature');
    // Headers first: an unsigned or stale request is refused without reading its body.
    const pre = checkSlackHeaders({ timestamp, signature, nowMs: d.clock() });
    if (!pre.ok) {
      d.log.warn({ reason: pre.reason }, 'slack request refused');
      refuse(res, 401, pre.reason.includes('future') ? 'future' : 'signature');
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, limit);
    } catch (err) {
      refuse(res, err instanceof BodyError ? err.status : 400, 'body');
      return;
    }
    const rawBody = raw.toString('utf8');
    const check = checkSlackSignature({
      signingSecret: d.signingSecret,
      timestamp,
      signature,
      rawBody,
      nowMs: d.clock(),
    });
    if (!check.ok) {
      d.log.warn({ reason: check.reason }, 'slack request refused');
      refuse(res, 401, 'signature');
      return;
    }
    const key = d.keys(
      'slack-request',
      createHash('sha256').update(check.signature).digest('hex').slice(0, 32),
    );
    let first: boolean;
    try {
      first = (await d.redis.set(key, '1', 'PX', replayWindowMs(check.timestamp, d.clock()), 'NX')) === 'OK';
    } catch (err) {
      // Without Redis nothing can be handled anyway; refuse rather than risk running a replay.
      d.log.warn({ err: (err as Error).message }, 'slack request: cannot check for a replay');
      refuse(res, 503, 'unavailable');
      return;
    }
    if (!first) {
      const retry = header(req, 'x-slack-retry-num');
      if (retry !== undefined) {
        // Slack delivering again what it already delivered: received, so answer; do not run it twice.
        d.metrics.slackRequestsRefused.inc({ reason: 'retry-duplicate' });
        res.status(200).end();
        return;
      }
      const seen = await d.redis.incr(key).catch(() => 0);
      const user = requestUser(rawBody);
      d.log.warn({ user, repeats: seen - 1 }, 'slack request refused: replayed signature');
      // On the record once per captured request (a flood of repeats is counted, not audited).
      if (seen === 2)
        await d.audit
          .append({
            actor: { id: user },
            action: 'slack-request',
            event: 'refused',
            outcome: 'denied',
            reason: 'replayed request: this signed request was already received within the last 5 minutes',
          })
          .catch((err: unknown) => d.log.error({ err: (err as Error).message }, 'audit append failed'));
      refuse(res, 401, 'replay');
      return;
    }
    // Bolt's body parser reads this instead of the (consumed) stream.
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    next();
  };
}
