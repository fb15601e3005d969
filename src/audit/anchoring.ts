import type { Logger } from '../log.js';
import type { Service } from '../service.js';
import type { AuditTrail } from './trail.js';

/**
 * Anchors the audit head every `intervalMs` (once per interval across replicas: the trail takes
 * a Redis lock) and once more on shutdown, so the last records before a stop are anchored too.
 * A failed anchor (Slack down) is logged and tried again at the next tick.
 */
export function startAnchoring(trail: AuditTrail, intervalMs: number, log: Logger): Service {
  let running: Promise<unknown> = Promise.resolve();
  const tick = (minIntervalMs: number) => {
    running = running
      .then(() => trail.anchor(minIntervalMs))
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'audit anchor failed'));
    return running;
  };
  const timer = setInterval(() => void tick(intervalMs), intervalMs);
  timer.unref();
  void tick(intervalMs);
  return {
    name: 'audit-anchoring',
    async close() {
      clearInterval(timer);
      await tick(0);
    },
  };
}
