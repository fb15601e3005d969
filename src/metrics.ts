import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Click-to-ack latency buckets in seconds: 1 ms up to Slack's 3 s ack deadline, dense at the low
 * end where the 50 ms p99 target lives.
 */
export const ACK_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3];

export interface Metrics {
  registry: Registry;
  /** Findings that entered the pipeline, by how they arrived. */
  findingsIngested: Counter<'source'>;
  /** Findings refused at ingest, by reason (`account`, `region`: malformed; `resource`: an update tried to move it). */
  findingsRejected: Counter<'reason'>;
  /** Pushed events, by what became of them (`queued`, `duplicate`, `full`, `refused-region`, `refused-account`, `unknown`, `verified`, …). */
  pushedEvents: Counter<'outcome'>;
  cardsPosted: Counter;
  cardsUpdated: Counter;
  /** Group (digest) cards posted for a burst. */
  cardsGrouped: Counter;
  /** Findings counted into a group card instead of getting their own. */
  findingsGrouped: Counter;
  /** Slack Web API calls by method (`chat.postMessage`, …). */
  slackCalls: Counter<'method'>;
  /** Slack answers with HTTP 429, by method. */
  slackRateLimited: Counter<'method'>;
  /** Remediation/actions by action (`stop-task`, `archive`, …) and outcome (`requested`, `succeeded`, …). */
  actions: Counter<'action' | 'outcome'>;
  /** Jobs per BullMQ queue and state (`waiting`, `active`, `delayed`, `failed`). */
  queueDepth: Gauge<'queue' | 'state'>;
  /** Seconds between now and the newest finding time the last poll covered, per region. */
  pollLag: Gauge<'region'>;
  pollRuns: Counter<'region' | 'outcome'>;
  /** Seconds from a Slack click or slash command arriving to its ack. */
  ackLatency: Histogram;
  /** Requests to /slack/events refused before Bolt, by reason (`signature`, `future`, `replay`, `body`, …). */
  slackRequestsRefused: Counter<'reason'>;
  /** AWS API calls by operation (`GetFindings`, `StopTask`, …). */
  awsCalls: Counter<'operation'>;
  /** Always 1; the labels say which build runs in which mode (`http` or `socket`). */
  buildInfo: Gauge<'version' | 'mode'>;
  /** 1 when /readyz would answer 200, else 0; worked out at each scrape. */
  ready: Gauge;
  /** Each readiness check: 1 passing, 0 failing. */
  readinessCheck: Gauge<'check'>;
  /** Per region: 1 while polls succeed (or none ran yet), 0 while failing; read from Redis at each scrape. */
  pollHealthy: Gauge<'region'>;
  /** Per region: seconds since the first failed poll after the last success (0 when healthy). */
  pollFailingSeconds: Gauge<'region'>;
  /** Per region: Unix time of the last successful poll. */
  pollLastSuccess: Gauge<'region'>;
}

/**
 * A fresh registry per call (never prom-client's global one) so tests and several app instances in
 * one process do not collide on metric names.
 */
export function createMetrics(opts: { defaultMetrics?: boolean; prefix?: string } = {}): Metrics {
  const registry = new Registry();
  const p = opts.prefix ?? 'ecs_guard_';
  // Default process metrics keep their standard unprefixed names so stock Node.js dashboards work.
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  return {
    registry,
    findingsIngested: new Counter({
      name: `${p}findings_ingested_total`,
      help: 'GuardDuty findings received, by source (poll or push)',
      labelNames: ['source'],
      registers,
    }),
    findingsRejected: new Counter({
      name: `${p}findings_rejected_total`,
      help: 'Findings refused at ingest: malformed account or region, or an update that would change its resource',
      labelNames: ['reason'],
      registers,
    }),
    pushedEvents: new Counter({
      name: `${p}pushed_events_total`,
      help: 'Events pushed to /events/guardduty, by outcome (queued for verification, verified with GetFindings, unknown to GuardDuty, refused)',
      labelNames: ['outcome'],
      registers,
    }),
    cardsPosted: new Counter({
      name: `${p}cards_posted_total`,
      help: 'Finding cards posted to Slack',
      registers,
    }),
    cardsUpdated: new Counter({
      name: `${p}cards_updated_total`,
      help: 'Finding or group cards updated in place (repeat finding, state change)',
      registers,
    }),
    cardsGrouped: new Counter({
      name: `${p}cards_grouped_total`,
      help: 'Group cards posted for bursts of similar findings',
      registers,
    }),
    findingsGrouped: new Counter({
      name: `${p}findings_grouped_total`,
      help: 'Findings counted into a group card rather than a card of their own',
      registers,
    }),
    slackCalls: new Counter({
      name: `${p}slack_calls_total`,
      help: 'Slack Web API calls, by method',
      labelNames: ['method'],
      registers,
    }),
    slackRateLimited: new Counter({
      name: `${p}slack_rate_limited_total`,
      help: 'Slack Web API answers with HTTP 429, by method',
      labelNames: ['method'],
      registers,
    }),
    actions: new Counter({
      name: `${p}actions_total`,
      help: 'Actions by type and outcome',
      labelNames: ['action', 'outcome'],
      registers,
    }),
    queueDepth: new Gauge({
      name: `${p}queue_depth`,
      help: 'Jobs in each queue, by state',
      labelNames: ['queue', 'state'],
      registers,
    }),
    pollLag: new Gauge({
      name: `${p}poll_lag_seconds`,
      help: 'Seconds between now and the point the last successful poll reached, by region',
      labelNames: ['region'],
      registers,
    }),
    pollRuns: new Counter({
      name: `${p}poll_runs_total`,
      help: 'GuardDuty poll runs, by region and outcome',
      labelNames: ['region', 'outcome'],
      registers,
    }),
    slackRequestsRefused: new Counter({
      name: `${p}slack_requests_refused_total`,
      help: 'Requests to /slack/events refused before any work: bad or missing signature, timestamp out of the 5-minute window, replayed signature, oversized body',
      labelNames: ['reason'],
      registers,
    }),
    ackLatency: new Histogram({
      name: `${p}ack_latency_seconds`,
      help: 'Time from a Slack interaction arriving to its ack',
      buckets: ACK_LATENCY_BUCKETS,
      registers,
    }),
    awsCalls: new Counter({
      name: `${p}aws_calls_total`,
      help: 'AWS API calls, by operation',
      labelNames: ['operation'],
      registers,
    }),
    buildInfo: new Gauge({
      name: `${p}build_info`,
      help: 'Always 1: the running version and mode (http or socket)',
      labelNames: ['version', 'mode'],
      registers,
    }),
    ready: new Gauge({
      name: `${p}ready`,
      help: '1 when every readiness check passes (what /readyz answers), else 0',
      registers,
    }),
    readinessCheck: new Gauge({
      name: `${p}readiness_check`,
      help: 'Each readiness check: 1 passing, 0 failing',
      labelNames: ['check'],
      registers,
    }),
    pollHealthy: new Gauge({
      name: `${p}poll_healthy`,
      help: 'Per region: 1 while GuardDuty polls succeed, 0 while they fail',
      labelNames: ['region'],
      registers,
    }),
    pollFailingSeconds: new Gauge({
      name: `${p}poll_failing_seconds`,
      help: 'Per region: seconds the GuardDuty poll has been failing (0 when healthy)',
      labelNames: ['region'],
      registers,
    }),
    pollLastSuccess: new Gauge({
      name: `${p}poll_last_success_timestamp_seconds`,
      help: 'Per region: Unix time of the last successful GuardDuty poll',
      labelNames: ['region'],
      registers,
    }),
  };
}
