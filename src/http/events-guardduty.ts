import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import express, { type Response, type Router } from 'express';
import { FINDING_ID, isAccountId, isRegionName } from '../aws/names.js';
import { isHealthEvent } from '../coverage/health-events.js';
import type { PushHint, PushVerifier } from '../findings/push-verifier.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export interface IngestLimits {
  /** EventBridge caps an event at 256 KB; so does this endpoint for a whole request. */
  maxBodyBytes: number;
  /** An API destination sends one event a request; a replay tool may send an array of up to this many. */
  maxEvents: number;
  /** A body not fully received by then is refused (408): slow uploads cannot hold memory or slots. */
  bodyTimeoutMs: number;
  /** Requests reading their body at once; more get 429 with Retry-After. */
  maxConcurrent: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxBodyBytes: 256 * 1024,
  maxEvents: 100,
  bodyTimeoutMs: 10_000,
  maxConcurrent: 8,
};

export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1] as string);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type EventCheck =
  | { ok: true; hint: PushHint }
  | { ok: false; status: 400 | 202; reason: string; id?: string };

const short = (v: unknown) => String(v).slice(0, 60);

/**
 * Reads one EventBridge "GuardDuty Finding" event as a hint: only the finding id, account id and
 * region are taken from it (everything else comes from GuardDuty when the hint is verified).
 */
export function checkEvent(ev: unknown, i: number, regions: readonly string[]): EventCheck {
  if (!ev || typeof ev !== 'object' || Array.isArray(ev)) {
    return { ok: false, status: 400, reason: `event ${i}: not a JSON object` };
  }
  const e = ev as Record<string, unknown>;
  const detail = e.detail as Record<string, unknown> | undefined;
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) {
    return { ok: false, status: 400, reason: `event ${i}: missing "detail" object` };
  }
  if (e['detail-type'] !== undefined && e['detail-type'] !== 'GuardDuty Finding') {
    return { ok: false, status: 202, reason: `event ${i}: detail-type "${short(e['detail-type'])}" ignored` };
  }
  if (e.source !== undefined && e.source !== 'aws.guardduty') {
    return { ok: false, status: 202, reason: `event ${i}: source "${short(e.source)}" ignored` };
  }
  const { id, accountId } = detail;
  const region = detail.region ?? e.region;
  if (typeof id !== 'string' || !FINDING_ID.test(id)) {
    return { ok: false, status: 202, reason: `event ${i}: refused: finding id missing or malformed` };
  }
  if (!isAccountId(accountId)) {
    return { ok: false, status: 202, id, reason: `event ${i}: refused: account id is not 12 digits` };
  }
  if (!isRegionName(region)) {
    return { ok: false, status: 202, id, reason: `event ${i}: refused: region is not an AWS region name` };
  }
  if (!regions.includes(region)) {
    return {
      ok: false,
      status: 202,
      id,
      reason: `event ${i}: refused: region ${region} is not in ECS_GUARD_REGIONS`,
    };
  }
  return { ok: true, hint: { id, accountId, region } };
}

class BodyError extends Error {
  constructor(
    readonly status: 408 | 413 | 400,
    message: string,
  ) {
    super(message);
  }
}

/** Reads at most `max` bytes within `timeoutMs`; never buffers more than `max`. */
function readBody(req: IncomingMessage, max: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: BodyError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      if (err) {
        req.resume(); // discard whatever else arrives, without keeping it
        reject(err);
      } else resolve(Buffer.concat(chunks));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) finish(new BodyError(413, `body larger than ${max} bytes`));
      else chunks.push(c);
    };
    const timer = setTimeout(
      () => finish(new BodyError(408, `body not received within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('data', onData);
    req.once('end', () => finish());
    req.once('error', () => finish(new BodyError(400, 'request aborted')));
  });
}

/** Answers and closes the connection: what the client still sends is not read. */
function refuse(res: Response, status: number, error: string, reason: string, retryAfterS?: number): void {
  res.set('Connection', 'close');
  if (retryAfterS !== undefined) res.set('Retry-After', String(retryAfterS));
  res.status(status).json({ error, reason });
}

/**
 * `POST /events/guardduty`: an EventBridge "GuardDuty Finding" event, or an array of them, sent
 * by an API destination with `Authorization: Bearer $ECS_GUARD_INGEST_TOKEN`. The token is checked
 * from the headers before any of the body is read; the body is capped, timed and read by a bounded
 * number of requests at once. Each event is a hint ("look at finding X"): it is queued for
 * verification with GetFindings (PushVerifier), and 202 means "accepted for verification".
 */
export function guardDutyEventsRouter(deps: {
  verifier: Pick<PushVerifier, 'enqueue'>;
  regions: readonly string[];
  token?: string;
  log: Logger;
  metrics?: Metrics;
  limits?: Partial<IngestLimits>;
  /** Runtime Protection (coverage) health events go here instead of the finding verifier. */
  healthEvents?: (events: unknown[]) => Promise<unknown>;
}): Router {
  const limits = { ...DEFAULT_INGEST_LIMITS, ...deps.limits };
  let reading = 0;
  const router = express.Router();
  router.post('/events/guardduty', async (req, res) => {
    if (!deps.token) {
      refuse(res, 503, 'ingest_disabled', 'ECS_GUARD_INGEST_TOKEN is not set');
      return;
    }
    if (!bearerMatches(req.header('authorization'), deps.token)) {
      refuse(res, 401, 'unauthorized', 'missing or wrong bearer token');
      return;
    }
    const declared = Number(req.header('content-length') ?? 0);
    if (declared > limits.maxBodyBytes) {
      refuse(res, 413, 'too_large', `body larger than ${limits.maxBodyBytes} bytes`);
      return;
    }
    if (reading >= limits.maxConcurrent) {
      deps.metrics?.pushedEvents.inc({ outcome: 'busy' });
      refuse(res, 429, 'busy', `more than ${limits.maxConcurrent} requests at once; retry`, 1);
      return;
    }
    reading++;
    let raw: Buffer;
    try {
      raw = await readBody(req, limits.maxBodyBytes, limits.bodyTimeoutMs);
    } catch (err) {
      const e = err as BodyError;
      refuse(
        res,
        e.status,
        e.status === 408 ? 'timeout' : e.status === 413 ? 'too_large' : 'aborted',
        e.message,
      );
      return;
    } finally {
      reading--;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      res.status(400).json({ error: 'bad_json', reason: `malformed JSON: ${(err as Error).message}` });
      return;
    }
    const events = Array.isArray(body) ? body : [body];
    if (!events.length) {
      res.status(400).json({ error: 'bad_shape', reason: 'empty array' });
      return;
    }
    if (events.length > limits.maxEvents) {
      res
        .status(413)
        .json({ error: 'too_many_events', reason: `more than ${limits.maxEvents} events in one request` });
      return;
    }
    const hints: PushHint[] = [];
    const ignored: { reason: string; id?: string }[] = [];
    const health: unknown[] = [];
    for (const [i, ev] of events.entries()) {
      if (deps.healthEvents && isHealthEvent(ev)) {
        health.push(ev);
        continue;
      }
      const c = checkEvent(ev, i, deps.regions);
      if (c.ok) hints.push(c.hint);
      else if (c.status === 400) {
        res.status(400).json({ error: 'bad_shape', reason: c.reason });
        return;
      } else ignored.push({ reason: c.reason, ...(c.id ? { id: c.id } : {}) });
    }
    const refused = ignored.filter((x) => x.reason.includes(': refused: ')).length;
    if (refused) deps.metrics?.pushedEvents.inc({ outcome: 'refused' }, refused);
    try {
      const q = hints.length ? await deps.verifier.enqueue(hints) : { queued: 0, duplicate: 0, full: 0 };
      const coverage = health.length && deps.healthEvents ? await deps.healthEvents(health) : undefined;
      const result = {
        accepted: q.queued + q.duplicate,
        ...q,
        ignored,
        verification: 'GetFindings',
        ...(coverage ? { coverage } : {}),
      };
      if (q.full) {
        res.set('Retry-After', '5');
        res.status(429).json({ error: 'verification_queue_full', ...result });
        return;
      }
      res.status(202).json(result);
    } catch (err) {
      deps.log.error({ err }, 'could not queue pushed events');
      res.status(503).json({ error: 'unavailable', reason: 'could not queue the events; retry' });
    }
  });
  return router;
}
