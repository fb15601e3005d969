/** The bot's own ack-latency histogram (Prometheus text from /metrics): count and bucket p50/p99. */
export interface ServerAck {
  count: number;
  /** Upper bound (ms) of the bucket holding the 50th / 99th percentile. */
  p50AtMostMs: number | null;
  p99AtMostMs: number | null;
  /** Share of acks within 50 ms. */
  within50ms: number | null;
}

export async function serverAck(baseUrl: string): Promise<ServerAck> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const buckets: [number, number][] = [];
  for (const m of text.matchAll(/^ecs_guard_ack_latency_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
    buckets.push([m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2])]);
  }
  const count = buckets.at(-1)?.[1] ?? 0;
  const at = (q: number) => {
    const b = buckets.find(([, n]) => n >= q * count);
    return b && Number.isFinite(b[0]) ? b[0] * 1000 : null;
  };
  const fifty = buckets.find(([le]) => le === 0.05)?.[1];
  return {
    count,
    p50AtMostMs: count ? at(0.5) : null,
    p99AtMostMs: count ? at(0.99) : null,
    within50ms: count && fifty !== undefined ? Math.round((fifty / count) * 1000) / 1000 : null,
  };
}
