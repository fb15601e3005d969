import type { Logger } from '../log.js';
import { intervalService, type Service } from '../service.js';
import type { AuditTrail } from './trail.js';

/**
 * Anchors the audit head every `intervalMs` (once per interval across replicas: the trail takes
 * a Redis lock) and once more on shutdown, so the last records before a stop are anchored too.
 * A failed anchor (Slack down) is logged and tried again at the next tick.
 */
export function startAnchoring(trail: AuditTrail, intervalMs: number, log: Logger): Service {
  return intervalService('audit-anchoring', intervalMs, () => trail.anchor(intervalMs), {
    immediately: true,
    last: () => trail.anchor(0),
    onError: (err) => log.warn({ err: (err as Error).message }, 'audit anchor failed'),
  });
}
