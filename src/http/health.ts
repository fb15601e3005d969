import type { Request, Response } from 'express';
import type { Metrics } from '../metrics.js';
import { metricsRefusal } from './metrics-access.js';

/** Readiness probes: each resolves when its dependency is usable and throws (with why) otherwise. */
export interface HealthChecks {
  /** Redis reachable (e.g. `PING`). */
  redis: () => Promise<void>;
  /** Slack token valid (e.g. cached `auth.test`). */
  slack: () => Promise<void>;
  /** AWS identity known (e.g. cached `GetCallerIdentity`). */
  aws: () => Promise<void>;
}

export type CheckResult = { ok: true; ms: number } | { ok: false; ms: number; error: string };

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
  /** Names of the checks that failed or timed out. */
  failing: string[];
}

/** Anything with express's `get(path, handler)`: an express app, a Router, Bolt's ExpressReceiver router. */
export interface RouteTarget {
  get(path: string, handler: (req: Request, res: Response) => Promise<void> | void): unknown;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;
const MAX_REASON = 300;

/**
 * A failure reason safe to show on an unauthenticated endpoint: credentials in URLs and Slack
 * tokens are masked, and the text is bounded.
 */
export function safeReason(err: unknown): string {
  const raw = err instanceof Error ? err.message || err.name : String(err);
  return raw
    .replace(/(\w+:\/\/)[^/\s@]*@/g, '$1***@')
    .replace(/\bx(?:ox[abposr]|app)-[\w-]+/g, 'x***')
    .slice(0, MAX_REASON);
}

async function runCheck(check: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    // `Promise.resolve().then` turns a synchronous throw into a rejection too.
    await Promise.race([Promise.resolve().then(check), timeout]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), error: safeReason(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check at once, each bounded by `timeoutMs`. */
export async function checkReadiness(
  checks: HealthChecks,
  timeoutMs = DEFAULT_CHECK_TIMEOUT_MS,
): Promise<Readiness> {
  const entries = Object.entries(checks) as [string, () => Promise<void>][];
  const results = await Promise.all(entries.map(([, check]) => runCheck(check, timeoutMs)));
  const out: Record<string, CheckResult> = {};
  entries.forEach(([name], i) => {
    out[name] = results[i] as CheckResult;
  });
  const failing = entries.map(([name]) => name).filter((name) => !out[name]?.ok);
  return { ready: failing.length === 0, checks: out, failing };
}

/**
 * `GET /healthz` (the process is up; no dependency checks, so an orchestrator does not restart a
 * healthy process because Redis blipped), `GET /readyz` (dependencies usable; 503 with the failing
 * checks otherwise) and `GET /metrics` (Prometheus text, with the readiness gauges as of the scrape).
 */
export function registerHealthRoutes(
  router: RouteTarget,
  checks: HealthChecks,
  metrics: Pick<Metrics, 'registry' | 'ready' | 'readinessCheck'>,
  opts: {
    timeoutMs?: number;
    /**
     * What works but not fully (e.g. polling failing in a region): shown in /readyz's body under
     * `degraded` with details, without changing its status, and run before each /metrics scrape.
     */
    degraded?: () => Promise<{ degraded: string[]; [detail: string]: unknown }>;
    /** ECS_GUARD_METRICS_TOKEN: /metrics then needs it; without, only scrapers inside (metrics-access.ts). */
    metricsToken?: string;
  } = {},
): void {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const degraded = async () => {
    try {
      return (await opts.degraded?.()) ?? {};
    } catch (err) {
      return { degraded: ['unknown'], degradedError: safeReason(err) };
    }
  };

  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').status(200).json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const [r, more] = await Promise.all([checkReadiness(checks, timeoutMs), degraded()]);
    res
      .set('Cache-Control', 'no-store')
      .status(r.ready ? 200 : 503)
      .json(
        r.ready
          ? { status: 'ok', checks: r.checks, ...more }
          : { status: 'unavailable', failing: r.failing, checks: r.checks, ...more },
      );
  });

  router.get('/metrics', async (req, res) => {
    const refused = metricsRefusal(req, opts.metricsToken);
    if (refused) {
      res
        .set('Cache-Control', 'no-store')
        .status(refused.status)
        .json({ error: 'forbidden', reason: refused.reason });
      return;
    }
    // Readiness is worked out at each scrape, so the gauge is current even when nothing polls /readyz.
    const [r] = await Promise.all([checkReadiness(checks, timeoutMs), degraded()]);
    metrics.ready.set(r.ready ? 1 : 0);
    for (const [name, c] of Object.entries(r.checks))
      metrics.readinessCheck.set({ check: name }, c.ok ? 1 : 0);
    const body = await metrics.registry.metrics();
    res.set('Content-Type', metrics.registry.contentType).set('Cache-Control', 'no-store').send(body);
  });
}
