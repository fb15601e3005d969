import type { WebClient } from '@slack/web-api';
import type { Queue } from 'bullmq';
import type { AuditTrail } from './audit/trail.js';
import type { AwsClients } from './aws/clients.js';
import type { EcsContextCache } from './aws/ecs-context-cache.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Pipeline } from './findings/pipeline.js';
import type { Poller } from './findings/poller.js';
import type { PushVerifier } from './findings/push-verifier.js';
import type { FindingStore } from './findings/store.js';
import type { Limiter } from './limiter.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { Keyspace, Redis } from './redis.js';
import type { EvidenceSnapshot } from './remediations/types.js';
import type { GroupResolver } from './requests/membership.js';
import type { RequestStore } from './requests/store.js';
import type { CardBlastRadius } from './slack/card-blast-radius.js';
import type { CardRenderer } from './slack/card-renderer.js';
import type { CardStore } from './slack/card-store.js';
import type { FindingDetails } from './slack/finding-details.js';
import type { SlackPacing } from './slack/pacing/index.js';

/**
 * Everything a listener, command or job needs, built once in `app.ts`. Handlers take what they
 * use from it; tests build one against the emulators and real Redis.
 */
export interface AppContext {
  config: Config;
  log: Logger;
  clock: Clock;
  /** Producer connection (bounded retries). Workers open their own blocking connections. */
  redis: Redis;
  keys: Keyspace;
  aws: AwsClients;
  /** Web API client for work outside a Bolt request (outbox, workers); 429s are rejected, not hidden. */
  slack: WebClient;
  /** Every post and update outside the outbox goes through this (channel slot, update gap, 429s). */
  pacing: SlackPacing;
  audit: AuditTrail;
  metrics: Metrics;
  findings: FindingStore;
  cards: CardStore;
  renderer: CardRenderer;
  /** The one Details thread reply per finding card (posted when the channel is idle, or on request). */
  details: FindingDetails;
  pipeline: Pipeline;
  poller: Poller;
  /** Pushed events wait here until GetFindings confirms them. */
  pushes: PushVerifier;
  /** Remediation requests (listeners, jobs and the sweeper share the one store). */
  requests: RequestStore;
  /** Slack user-group membership for the policy's principals (cached in Redis). */
  groups: GroupResolver;
  /** ECS context clicks: what was gathered for a task in the last 30 s. */
  ecsContext: EcsContextCache;
  queues: { poll: Queue; actions: Queue };
  /** Slack handler work after the ack (clicks, commands): bounded, so acks keep their CPU. */
  work: Limiter;
  version: string;
  /** Evidence first: snapshot taken before a containment remediation runs (none = skipped). */
  evidence?: EvidenceSnapshot;
  /** The cards' blast-radius lines: a card is noted again after a remediation changed ECS. */
  cardBlastRadius?: Pick<CardBlastRadius, 'note'>;
}
