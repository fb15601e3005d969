import { timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import { isHealthEvent } from '../coverage/health-events.js';
import type { Pipeline } from '../findings/pipeline.js';
import type { Logger } from '../log.js';

/** EventBridge caps an event at 256 KB; an array of them from a replay tool gets some room. */
const BODY_LIMIT = '10mb';

export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1] as string);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type EventCheck = { ok: true; detail: unknown } | { ok: false; status: 400 | 202; reason: string };

/** Validates one EventBridge event: a GuardDuty Finding with a `detail` object. */
export function checkEvent(ev: unknown, i: number): EventCheck {
  if (!ev || typeof ev !== 'object' || Array.isArray(ev)) {
    return { ok: false, status: 400, reason: `event ${i}: not a JSON object` };
  }
  const e = ev as Record<string, unknown>;
  const detail = e.detail;
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) {
    return { ok: false, status: 400, reason: `event ${i}: missing "detail" object` };
  }
  if (e['detail-type'] !== undefined && e['detail-type'] !== 'GuardDuty Finding') {
    return {
      ok: false,
      status: 202,
      reason: `event ${i}: detail-type "${String(e['detail-type']).slice(0, 60)}" ignored`,
    };
  }
  if (e.source !== undefined && e.source !== 'aws.guardduty') {
    return {
      ok: false,
      status: 202,
      reason: `event ${i}: source "${String(e.source).slice(0, 60)}" ignored`,
    };
  }
  return { ok: true, detail };
}

/**
 * `POST /events/guardduty`: an EventBridge "GuardDuty Finding" event, or an array of them, sent
 * by an API destination with `Authorization: Bearer $ECS_GUARD_INGEST_TOKEN`. Same pipeline as
 * polling, so a finding that arrives both ways gives one card.
 */
export function guardDutyEventsRouter(deps: {
  pipeline: Pipeline;
  token?: string;
  log: Logger;
  /** Runtime Protection (coverage) health events go here instead of the finding pipeline. */
  healthEvents?: (events: unknown[]) => Promise<unknown>;
}): Router {
  const router = express.Router();
  router.post(
    '/events/guardduty',
    express.text({ type: () => true, limit: BODY_LIMIT }),
    async (req, res) => {
      if (!deps.token) {
        res.status(503).json({ error: 'ingest_disabled', reason: 'ECS_GUARD_INGEST_TOKEN is not set' });
        return;
      }
      if (!bearerMatches(req.header('authorization'), deps.token)) {
        res.status(401).json({ error: 'unauthorized', reason: 'missing or wrong bearer token' });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(typeof req.body === 'string' ? req.body : '');
      } catch (err) {
        res.status(400).json({ error: 'bad_json', reason: `malformed JSON: ${(err as Error).message}` });
        return;
      }
      const events = Array.isArray(body) ? body : [body];
      if (!events.length) {
        res.status(400).json({ error: 'bad_shape', reason: 'empty array' });
        return;
      }
      const details: unknown[] = [];
      const ignored: { reason: string; id?: string }[] = [];
      const health: unknown[] = [];
      for (const [i, ev] of events.entries()) {
        if (deps.healthEvents && isHealthEvent(ev)) {
          health.push(ev);
          continue;
        }
        const c = checkEvent(ev, i);
        if (c.ok) details.push(c.detail);
        else if (c.status === 400) {
          res.status(400).json({ error: 'bad_shape', reason: c.reason });
          return;
        } else ignored.push({ reason: c.reason });
      }
      try {
        const result = await deps.pipeline.ingestRaw(details, 'push');
        result.ignored.unshift(...ignored);
        const coverage = health.length && deps.healthEvents ? await deps.healthEvents(health) : undefined;
        res.status(202).json({ accepted: details.length, ...result, ...(coverage ? { coverage } : {}) });
      } catch (err) {
        deps.log.error({ err }, 'ingest failed');
        res.status(503).json({ error: 'unavailable', reason: 'could not store the findings; retry' });
      }
    },
  );
  return router;
}
