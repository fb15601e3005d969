import type { Server } from 'node:http';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { Queue } from 'bullmq';
import express, { type Express } from 'express';
import { ecsGuardCommand } from '../commands/index.js';
import { startAnchoring } from './audit/anchoring.js';
import { S3AuditExport } from './audit/s3-export.js';
import { SlackAnchorLog } from './audit/slack-anchor-log.js';
import { AuditTrail } from './audit/trail.js';
import { AwsClients, type AwsClientsOptions } from './aws/clients.js';
import { EcsContextCache } from './aws/ecs-context-cache.js';
import { type Clock, systemClock } from './clock.js';
import { ACTIONS, type Config } from './config.js';
import type { AppContext } from './context.js';
import { ingestHealthEvents } from './coverage/health-events.js';
import { EcsGuardError, ErrorCode } from './errors.js';
import { IncidentLinks } from './findings/incident-links.js';
import { DetectorAccounts } from './findings/members.js';
import { Pipeline } from './findings/pipeline.js';
import { failingForMs, PollHealthStore } from './findings/poll-health.js';
import { Poller } from './findings/poller.js';
import { PushVerifier } from './findings/push-verifier.js';
import { FindingStore } from './findings/store.js';
import { guardDutyEventsRouter, type IngestLimits } from './http/events-guardduty.js';
import { registerHealthRoutes } from './http/health.js';
import { slackRequestGuard } from './http/slack-request-guard.js';
import { Limiter } from './limiter.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics } from './metrics.js';
import { startActionWorker } from './queue/action-worker.js';
import { QUEUE } from './queue/names.js';
import { schedulePolls, startPollWorker } from './queue/poll-queue.js';
import { startQueueMetrics } from './queue/queue-metrics.js';
import { createRedis, keyspace } from './redis.js';
import { takeRequestEvidence } from './remediations/evidence.js';
import { REMEDIATIONS } from './remediations/index.js';
import { autoContainCard } from './requests/auto-contain.js';
import { GroupResolver } from './requests/membership.js';
import { RequestStore } from './requests/store.js';
import type { Service } from './service.js';
import { CardBlastRadius } from './slack/card-blast-radius.js';
import { CardRenderer } from './slack/card-renderer.js';
import { CardStore } from './slack/card-store.js';
import { countedFetch } from './slack/counted-fetch.js';
import { FindingDetails } from './slack/finding-details.js';
import { registerListeners } from './slack/listeners/index.js';
import { DEFAULT_OUTBOX_OPTIONS, Outbox, type OutboxOptions } from './slack/outbox.js';
import { SlackPacing } from './slack/pacing/index.js';
import { createSlackClient, slackLogger } from './slack/web-client.js';
import { packageVersion } from './version.js';

export interface EcsGuardOptions {
  log?: Logger;
  clock?: Clock;
  /** AWS client overrides for tests (explicit endpoint / credentials). */
  aws?: Pick<AwsClientsOptions, 'endpoint' | 'credentials' | 'maxAttempts'>;
  outbox?: Partial<OutboxOptions>;
  /** Slack handlers doing work after their ack at once (default 8); the rest wait their turn. */
  handlerConcurrency?: number;
  /** Limits of `POST /events/guardduty` (tests make them small). */
  ingestLimits?: Partial<IngestLimits>;
  /** How long shutdown waits for active jobs before closing anyway. */
  shutdownTimeoutMs?: number;
}

export interface EcsGuard {
  ctx: AppContext;
  bolt: App;
  http: Express;
  /** The posted cards' blast-radius reader (tests wait for it with `idle()`). */
  cardBlastRadius: CardBlastRadius;
  /** Starts workers, the outbox, the poll schedulers and the HTTP listener. Resolves with the port. */
  start(): Promise<number>;
  /** Graceful stop: no new work, active work finishes (bounded), every connection closed. */
  stop(): Promise<void>;
}

/**
 * Bolt's own `token` option runs auth.test in the constructor and leaves the rejection unhandled
 * until the first request, so a refused token (or Slack down at boot) crashed the process. This
 * asks on the first request instead, keeps a success, and retries after a failure; /readyz
 * reports the token meanwhile.
 */
function botAuthorization(slack: WebClient, botToken: string) {
  let known: Promise<{ botId?: string; botUserId?: string; teamId?: string }> | undefined;
  return async () => {
    known ??= slack.auth.test().then(
      (r) => ({ botId: r.bot_id, botUserId: r.user_id, teamId: r.team_id }),
      (err: unknown) => {
        known = undefined;
        throw err;
      },
    );
    return { botToken, ...(await known) };
  };
}

/** Wires ecs-guard together from a validated config. `main.ts` only calls this and handles signals. */
/** A policy file may only govern actions that exist: the fixed ones and the registry's remediations. */
function checkPolicyActions(config: Config): void {
  const known = new Set<string>([...ACTIONS, ...REMEDIATIONS.map((r) => r.name)]);
  const unknown = Object.keys(config.actionPolicy.overrides).filter((n) => !known.has(n));
  if (unknown.length) {
    throw new EcsGuardError(
      ErrorCode.ConfigError,
      `ecs-guard cannot start, the configuration is invalid:\n  - ECS_GUARD_CONFIG actions: unknown action(s) ${unknown.join(', ')} (known: ${[...known].join(', ')})`,
    );
  }
}

export function createEcsGuard(config: Config, opts: EcsGuardOptions = {}): EcsGuard {
  checkPolicyActions(config);
  const log = opts.log ?? createLogger({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const metrics = createMetrics();
  const redis = createRedis(config, { name: 'ecs-guard' });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  const keys = keyspace(config.redisPrefix);
  const aws = new AwsClients({
    config,
    log,
    clock,
    onCall: (operation) => metrics.awsCalls.inc({ operation }),
    ...opts.aws,
  });
  const slack = createSlackClient(config, log, metrics);
  const outboxOptions = { ...DEFAULT_OUTBOX_OPTIONS, ...opts.outbox };
  const pacing = new SlackPacing(
    { redis, keys, slack, log },
    { slotMs: outboxOptions.slotMs, updateGapMs: outboxOptions.updateGapMs },
  );
  if (config.audit.keyGenerated) {
    log.warn(
      'ECS_GUARD_AUDIT_HMAC_KEY is not set: the audit chain uses a random key for this process only (set it; it is required in production)',
    );
  }
  const audit = new AuditTrail({
    redis,
    keys,
    log,
    clock,
    key: config.audit.hmacKey.reveal(),
    retentionMs: config.audit.retentionDays * 86_400_000,
    ...(config.audit.channel
      ? { anchors: new SlackAnchorLog(slack, config.audit.channel, config.audit.hmacKey.reveal(), pacing) }
      : {}),
    ...(config.audit.bucket
      ? {
          exporter: new S3AuditExport(
            () => aws.s3({ region: config.homeRegion }),
            config.audit.bucket,
            config.audit.hmacKey.reveal(),
            config.audit.retentionDays,
            clock,
          ),
        }
      : {}),
  });
  const retentionMs = config.retentionDays * 86_400_000;
  const findings = new FindingStore(redis, keys, clock, retentionMs);
  const cards = new CardStore(redis, keys, clock, retentionMs);
  const incidents = new IncidentLinks({ redis, keys, cards, findings });
  const renderer = new CardRenderer(cards, findings, { consoleUrl: config.consoleUrl, incidents });
  const details = new FindingDetails({ redis, keys, cards, findings, slack, pacing, log, clock });
  const pipeline = new Pipeline({ findings, cards, config, log, metrics, incidents });
  const pollHealth = new PollHealthStore(redis, keys, clock);
  const poller = new Poller({
    health: pollHealth,
    aws,
    redis,
    keys,
    pipeline,
    findings,
    log,
    metrics,
    clock,
    minSeverity: config.minSeverity,
  });
  const pushes = new PushVerifier({
    redis,
    keys,
    aws,
    poller,
    accounts: new DetectorAccounts({ redis, keys, homeAccountId: () => aws.homeAccountId() }),
    pipeline,
    regions: config.regions,
    log,
    metrics,
    clock,
  });
  const queueConnection = { connection: redis, prefix: config.redisPrefix };
  const queues = {
    poll: new Queue(QUEUE.poll, queueConnection),
    actions: new Queue(QUEUE.actions, queueConnection),
  };
  for (const q of Object.values(queues))
    q.on('error', (err) => log.warn({ err: err.message }, 'queue error'));

  const ctx: AppContext = {
    config,
    log,
    clock,
    redis,
    keys,
    aws,
    slack,
    pacing,
    audit,
    metrics,
    findings,
    cards,
    renderer,
    details,
    pipeline,
    poller,
    pushes,
    requests: new RequestStore(redis, keys, clock, config.audit.hmacKey.reveal(), retentionMs),
    groups: new GroupResolver({ slack, redis, keys, log }),
    ecsContext: new EcsContextCache(30_000, clock),
    queues,
    work: new Limiter(opts.handlerConcurrency ?? 8),
    version: packageVersion(),
    // Evidence first: containment remediations snapshot the task before they change anything.
    evidence: takeRequestEvidence,
  };
  // The card's blast-radius line, worked out after the post request, off the burst path, and
  // again after a remediation changed ECS (the line then says what is left running).
  const blast = new CardBlastRadius(ctx);
  ctx.cardBlastRadius = blast;

  const http = express();
  http.disable('x-powered-by');
  // Click/command-to-ack latency: Bolt acks by ending the response, so 'finish' is the ack.
  http.use('/slack/events', (_req, res, next) => {
    const t0 = process.hrtime.bigint();
    res.on('finish', () => metrics.ackLatency.observe(Number(process.hrtime.bigint() - t0) / 1e9));
    next();
  });
  http.use(
    guardDutyEventsRouter({
      verifier: pushes,
      regions: config.regions,
      token: config.ingestToken,
      log,
      metrics,
      healthEvents: (events) => ingestHealthEvents(ctx, events),
      ...(opts.ingestLimits ? { limits: opts.ingestLimits } : {}),
    }),
  );
  let slackOk = 0;
  registerHealthRoutes(
    http,
    {
      redis: async () => {
        await redis.ping();
      },
      slack: async () => {
        if (clock() - slackOk < 60_000) return;
        await slack.auth.test();
        slackOk = clock();
      },
      aws: async () => {
        await aws.homeAccountId();
      },
    },
    metrics,
    {
      ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
      // A failing poll keeps /readyz at 200: clicks and pushed findings still work, and neither a
      // restart nor leaving the load balancer fixes a role that lacks guardduty:ListFindings. It
      // shows here, in the poll gauges, in /ecs-guard status and as a notice in the alert channel.
      degraded: async () => {
        const now = clock();
        const all = await pollHealth.all(config.pollSeconds > 0 ? config.regions : []);
        for (const h of all) {
          metrics.pollHealthy.set({ region: h.region }, h.failingSince === undefined ? 1 : 0);
          metrics.pollFailingSeconds.set({ region: h.region }, failingForMs(h, now) / 1000);
          if (h.lastSuccessAt) metrics.pollLastSuccess.set({ region: h.region }, h.lastSuccessAt / 1000);
        }
        const failing = all.filter((h) => h.failingSince !== undefined);
        return {
          degraded: failing.map((h) => `poll:${h.region}`),
          ...(failing.length
            ? {
                poll: Object.fromEntries(
                  failing.map((h) => [
                    h.region,
                    {
                      failingForSeconds: Math.round(failingForMs(h, now) / 1000),
                      lastSuccessAt: h.lastSuccessAt ? new Date(h.lastSuccessAt).toISOString() : null,
                      lastError: h.lastError,
                    },
                  ]),
                ),
              }
            : {}),
        };
      },
    },
  );

  const boltLogger = { ...slackLogger(log), getLevel: () => LogLevel.INFO };
  const socketMode = Boolean(config.slack.appToken);
  metrics.buildInfo.set({ version: ctx.version, mode: socketMode ? 'socket' : 'http' }, 1);
  // HTTP mode: ecs-guard checks the signature, the 5-minute window both ways and replays itself,
  // before Bolt (whose own check is then off: one check, with the replay memory in Redis).
  if (!socketMode)
    http.post(
      '/slack/events',
      slackRequestGuard({
        signingSecret: config.slack.signingSecret,
        redis,
        keys,
        audit,
        log,
        metrics,
        clock: systemClock,
      }),
    );
  const receiver = socketMode
    ? undefined
    : new ExpressReceiver({
        signingSecret: config.slack.signingSecret,
        signatureVerification: false,
        endpoints: '/slack/events',
        app: http,
        processBeforeResponse: false,
        logger: boltLogger,
      });
  const bolt = new App({
    authorize: botAuthorization(slack, config.slack.botToken),
    ...(receiver ? { receiver } : { socketMode: true, appToken: config.slack.appToken }),
    // Bolt builds its own clients (one per token): they count their calls through the same fetch.
    clientOptions: { slackApiUrl: config.slack.apiUrl, fetch: countedFetch(metrics) },
    // ecs-guard keeps its own state in Redis; Bolt's in-memory conversation store only costs time.
    convoStore: false,
    logger: boltLogger,
  });
  bolt.error(async (err) => {
    log.error({ err: err.message, code: (err as { code?: string }).code }, 'slack listener error');
  });
  registerListeners(bolt, ctx, { ecsGuardCommand });

  const outbox = new Outbox(
    {
      findings,
      cards,
      renderer,
      details,
      incidents,
      slack,
      pacing,
      log,
      metrics,
      clock,
      cardCreated: async (cardId, finding) => {
        blast.note(cardId, finding);
        await autoContainCard(ctx, cardId, finding);
      },
    },
    outboxOptions,
  );
  const services: Service[] = [];
  let server: Server | undefined;
  let stopping: Promise<void> | undefined;

  return {
    ctx,
    bolt,
    http,
    cardBlastRadius: blast,
    async start() {
      const pollWorker = startPollWorker(ctx);
      services.push({ name: 'poll-worker', close: () => pollWorker.close() });
      services.push(...startActionWorker(ctx));
      outbox.start();
      services.push(pushes.start());
      services.push({ name: 'outbox', close: () => outbox.stop() });
      services.push(blast.service());
      services.push(startQueueMetrics(queues, metrics, log));
      services.push({ name: 'slack-handlers', close: () => ctx.work.idle() });
      if (audit.anchors || audit.exporter)
        services.push(startAnchoring(audit, config.audit.anchorSeconds * 1000, log));
      await schedulePolls(queues.poll, config.regions, config.pollSeconds);
      if (socketMode) await bolt.start();
      const port = await new Promise<number>((resolve, reject) => {
        server = http.listen(config.port, () => {
          const addr = server?.address();
          resolve(typeof addr === 'object' && addr ? addr.port : config.port);
        });
        server.once('error', reject);
      });
      log.info(
        { port, mode: socketMode ? 'socket' : 'http', regions: config.regions, version: ctx.version },
        'ecs-guard started',
      );
      return port;
    },
    stop() {
      stopping ??= (async () => {
        log.info('ecs-guard stopping');
        // Stop taking requests first; keep-alive sockets are closed so close() can finish.
        const closed = server ? new Promise<void>((r) => server?.close(() => r())) : Promise.resolve();
        server?.closeIdleConnections();
        const timeout = opts.shutdownTimeoutMs ?? 20_000;
        const all = Promise.allSettled(services.reverse().map((s) => s.close()));
        const timedOut = await Promise.race([
          all.then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), timeout).unref()),
        ]);
        if (timedOut) log.warn({ timeoutMs: timeout }, 'shutdown timed out waiting for active work');
        if (socketMode) await bolt.stop().catch(() => {});
        server?.closeAllConnections();
        await closed;
        await Promise.allSettled(Object.values(queues).map((q) => q.close()));
        aws.destroy();
        await redis.quit().catch(() => redis.disconnect());
        log.info('ecs-guard stopped');
      })();
      return stopping;
    },
  };
}
