import type { Queue } from 'bullmq';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { intervalService, type Service } from '../service.js';

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** Refreshes the `queue_depth` gauge every `everyMs`, so /metrics shows background work. */
export function startQueueMetrics(
  queues: Record<string, Queue>,
  metrics: Pick<Metrics, 'queueDepth'>,
  log: Logger,
  everyMs = 5000,
): Service {
  const refresh = async () => {
    for (const [name, q] of Object.entries(queues)) {
      const counts = await q.getJobCounts(...QUEUE_STATES);
      for (const state of QUEUE_STATES) metrics.queueDepth.set({ queue: name, state }, counts[state] ?? 0);
    }
  };
  return intervalService('queue-metrics', everyMs, refresh, {
    immediately: true,
    onError: (err) => log.debug({ err: (err as Error).message }, 'queue metrics refresh failed'),
  });
}
