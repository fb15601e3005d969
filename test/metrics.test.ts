import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.js';

/** The value of one sample line in Prometheus text, e.g. `name{a="b"} 3`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetrics', () => {
  it('exposes every named metric in Prometheus text format with its labels', async () => {
    const m = createMetrics();
    m.findingsIngested.inc({ source: 'poll' }, 3);
    m.findingsIngested.inc({ source: 'push' });
    m.cardsPosted.inc(2);
    m.cardsUpdated.inc();
    m.cardsGrouped.inc();
    m.findingsGrouped.inc(40);
    m.slackCalls.inc({ method: 'chat.postMessage' }, 5);
    m.slackRateLimited.inc({ method: 'chat.postMessage' });
    m.actions.inc({ action: 'stop-task', outcome: 'succeeded' });
    m.queueDepth.set({ queue: 'actions', state: 'waiting' }, 7);
    m.pollLag.set({ region: 'us-east-1' }, 12.5);
    m.pollRuns.inc({ region: 'us-east-1', outcome: 'ok' });
    m.awsCalls.inc({ operation: 'GetFindings' }, 4);

    const text = await m.registry.metrics();
    expect(m.registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE ecs_guard_findings_ingested_total counter');
    expect(sample(text, 'ecs_guard_findings_ingested_total{source="poll"}')).toBe(3);
    expect(sample(text, 'ecs_guard_findings_ingested_total{source="push"}')).toBe(1);
    expect(sample(text, 'ecs_guard_cards_posted_total')).toBe(2);
    expect(sample(text, 'ecs_guard_cards_updated_total')).toBe(1);
    expect(sample(text, 'ecs_guard_cards_grouped_total')).toBe(1);
    expect(sample(text, 'ecs_guard_findings_grouped_total')).toBe(40);
    expect(sample(text, 'ecs_guard_slack_calls_total{method="chat.postMessage"}')).toBe(5);
    expect(sample(text, 'ecs_guard_slack_rate_limited_total{method="chat.postMessage"}')).toBe(1);
    expect(sample(text, 'ecs_guard_actions_total{action="stop-task",outcome="succeeded"}')).toBe(1);
    expect(text).toContain('# TYPE ecs_guard_queue_depth gauge');
    expect(sample(text, 'ecs_guard_queue_depth{queue="actions",state="waiting"}')).toBe(7);
    expect(sample(text, 'ecs_guard_poll_lag_seconds{region="us-east-1"}')).toBe(12.5);
    expect(sample(text, 'ecs_guard_poll_runs_total{region="us-east-1",outcome="ok"}')).toBe(1);
    expect(sample(text, 'ecs_guard_aws_calls_total{operation="GetFindings"}')).toBe(4);
  });

  it('buckets ack latency from 1 ms to 3 s', async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.ackLatency.observe(0.0008);
    m.ackLatency.observe(0.03);
    m.ackLatency.observe(2.5);
    const text = await m.registry.metrics();
    expect(text).toContain('# TYPE ecs_guard_ack_latency_seconds histogram');
    expect(sample(text, 'ecs_guard_ack_latency_seconds_bucket{le="0.001"}')).toBe(1);
    expect(sample(text, 'ecs_guard_ack_latency_seconds_bucket{le="0.05"}')).toBe(2);
    expect(sample(text, 'ecs_guard_ack_latency_seconds_bucket{le="3"}')).toBe(3);
    expect(sample(text, 'ecs_guard_ack_latency_seconds_bucket{le="+Inf"}')).toBe(3);
    expect(sample(text, 'ecs_guard_ack_latency_seconds_count')).toBe(3);
  });

  it('includes default process metrics and keeps registries independent', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.cardsPosted.inc(9);
    const textA = await a.registry.metrics();
    const textB = await b.registry.metrics();
    expect(textA).toContain('process_resident_memory_bytes');
    expect(textA).toContain('nodejs_eventloop_lag_seconds');
    expect(sample(textA, 'ecs_guard_cards_posted_total')).toBe(9);
    expect(sample(textB, 'ecs_guard_cards_posted_total')).toBe(0);
  });
});
