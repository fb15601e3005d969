/**
 * Per-call latency for the emulators, so benchmarks pay what a real service costs. Off unless
 * asked for (tests stay fast); `npm run bench` turns it on.
 *
 * The draw is log-uniform between `minMs` and `maxMs`: most calls near the low end, a tail towards
 * the high end, as API latencies look. The default ranges are the ones the benchmark targets
 * assume (GuardDuty/ECS/STS 50–200 ms, Slack Web API 100–300 ms); neither AWS nor Slack publishes
 * per-call latency figures, so measure from your own network (the SDK's `$metadata`, or the
 * timing of `curl https://slack.com/api/api.test`) and pass them in.
 */
export interface LatencySpec {
  minMs: number;
  maxMs: number;
}

export const AWS_LATENCY: LatencySpec = { minMs: 50, maxMs: 200 };
export const SLACK_LATENCY: LatencySpec = { minMs: 100, maxMs: 300 };

/** `"50-200"` → `{ minMs: 50, maxMs: 200 }`; `"0"`, `""` or `"off"` → none. Throws on anything else. */
export function parseLatency(text: string | undefined, fallback?: LatencySpec): LatencySpec | undefined {
  if (text === undefined) return fallback;
  const t = text.trim();
  if (t === '' || t === '0' || t === 'off') return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(t);
  if (!m) throw new Error(`latency must be MS or MIN-MAX in milliseconds (e.g. 50-200), not "${text}"`);
  const minMs = Number(m[1]);
  const maxMs = Number(m[2] ?? m[1]);
  if (maxMs < minMs) throw new Error(`latency ${text}: MAX is below MIN`);
  return { minMs, maxMs };
}

/** One draw in [minMs, maxMs]. */
export function drawLatency(spec: LatencySpec, random: () => number = Math.random): number {
  if (spec.maxMs <= spec.minMs) return spec.minMs;
  const lo = Math.log(Math.max(1, spec.minMs));
  const hi = Math.log(Math.max(1, spec.maxMs));
  return Math.round(Math.exp(lo + (hi - lo) * random()));
}

/** Waits one draw (nothing when `spec` is unset). */
export function callLatency(spec: LatencySpec | undefined): Promise<void> {
  if (!spec) return Promise.resolve();
  return new Promise((r) => setTimeout(r, drawLatency(spec)));
}
