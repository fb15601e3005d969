/**
 * An AppContext for calling click handlers directly (test/slack/listeners/actions/*): the real
 * stores on real Redis (findings, cards, requests, audit, user groups; a unique prefix), the real
 * card renderer, pacing and handler pool, and fakes for what leaves the process — a Slack Web API
 * that records each call, a fake ECS client (test/helpers/fake-aws.ts), a queue that records the
 * jobs added. Config comes from `loadConfig` as in production (env + an optional policy file), with
 * the approvers of the harness (PEOPLE: an approver and the group SAPPROVERS).
 */
import { randomBytes } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import type { AuditRecord } from '../../src/audit/record.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { EcsContextCache } from '../../src/aws/ecs-context-cache.js';
import { loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import type { Finding } from '../../src/findings/model.js';
import { FindingStore, newCardId } from '../../src/findings/store.js';
import { Limiter } from '../../src/limiter.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { keyspace, type Redis } from '../../src/redis.js';
import { GroupResolver } from '../../src/requests/membership.js';
import { RequestStore } from '../../src/requests/store.js';
import { CardRenderer } from '../../src/slack/card-renderer.js';
import { CardStore } from '../../src/slack/card-store.js';
import type { Click } from '../../src/slack/listeners/actions/click.js';
import { SlackPacing } from '../../src/slack/pacing/index.js';
import { FakeAwsClient } from './fake-aws.js';
import { finding } from './fake-run.js';
import { PEOPLE } from './people.js';
import { testPrefix } from './redis.js';

/** The alert channel (PEOPLE.alerts), where every seeded card is. */
export const CHANNEL = PEOPLE.alerts;
export const TEAM = 'T0TEAM0001';

export interface SlackCall {
  method: string;
  // biome-ignore lint/suspicious/noExplicitAny: arguments of any Web API method; tests read what they expect.
  args: any;
}

export interface ClickWorld {
  ctx: AppContext;
  ecs: FakeAwsClient;
  /** The identities ECS clients were asked for (account, region, sourceIdentity = the clicker, purpose). */
  identities: Record<string, unknown>[];
  /** Every Slack Web API call, in order. */
  slack: SlackCall[];
  /** Jobs added to the actions queue. */
  jobs: { name: string; data: Record<string, unknown>; opts: { jobId: string } }[];
  /** The audit records (of `event`, when given), newest first. */
  audited(event?: string): Promise<AuditRecord[]>;
  /** Ephemeral messages (to `user`, when given). */
  ephemerals(user?: string): { channel: string; user: string; text: string; blocks?: unknown[] }[];
  /** Every pending request, then settles the handler pool. */
  idle(): Promise<void>;
}

export function clickWorld(
  redis: Redis,
  opts: { env?: Record<string, string>; policy?: string; members?: Record<string, string[]> } = {},
): ClickWorld {
  const prefix = testPrefix('click');
  const hmac = randomBytes(32).toString('hex');
  const config = loadConfig(
    {
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'test-signing-secret',
      SLACK_ALERT_CHANNEL: CHANNEL,
      AWS_REGION: 'us-east-1',
      ECS_GUARD_APPROVERS: `${PEOPLE.approver},${PEOPLE.approverGroup}`,
      ECS_GUARD_AUDIT_HMAC_KEY: hmac,
      ECS_GUARD_REDIS_PREFIX: prefix,
      ECS_GUARD_POLL_SECONDS: '0',
      ...(opts.policy ? { ECS_GUARD_CONFIG: '/policy.yml' } : {}),
      ...opts.env,
    },
    (() => opts.policy ?? '') as never,
  );
  const log = createLogger({ level: 'silent' });
  const clock = () => Date.now();
  const keys = keyspace(prefix);
  const calls: SlackCall[] = [];
  const members = { [PEOPLE.approverGroup]: [PEOPLE.groupApprover], ...opts.members };
  let ts = 0;
  const rec =
    (method: string, answer: (args: never) => object = () => ({})) =>
    async (args: never) => {
      calls.push({ method, args });
      return { ok: true, ...answer(args) };
    };
  const slack = {
    chat: {
      postMessage: rec('chat.postMessage', () => ({ ts: `1767000001.${String(++ts).padStart(6, '0')}` })),
      update: rec('chat.update'),
      postEphemeral: rec('chat.postEphemeral'),
    },
    views: { open: rec('views.open') },
    usergroups: {
      users: {
        list: rec('usergroups.users.list', (a: { usergroup: string }) => ({
          users: members[a.usergroup] ?? [],
        })),
      },
    },
    auth: { test: rec('auth.test', () => ({ team_id: TEAM })) },
  } as unknown as WebClient;
  const ecs = new FakeAwsClient();
  const identities: Record<string, unknown>[] = [];
  const jobs: ClickWorld['jobs'] = [];
  const queue = {
    async getJob(id: string) {
      return jobs.find((j) => j.opts.jobId === id);
    },
    async add(name: string, data: Record<string, unknown>, o: { jobId: string }) {
      if (!jobs.some((j) => j.opts.jobId === o.jobId)) jobs.push({ name, data, opts: o });
      return { id: o.jobId };
    },
  };
  const findings = new FindingStore(redis, keys, clock);
  const cards = new CardStore(redis, keys, clock);
  const pacing = new SlackPacing({ redis, keys, slack, log }, { slotMs: 1, updateGapMs: 1, waitMs: 500 });
  const work = new Limiter(4);
  const ctx = {
    config,
    log,
    clock,
    redis,
    keys,
    aws: {
      ecs: async (id: Record<string, unknown>) => {
        identities.push(id);
        return ecs.asEcs;
      },
    },
    slack,
    pacing,
    audit: new AuditTrail({ redis, keys, log, clock, key: hmac }),
    metrics: createMetrics(),
    findings,
    cards,
    renderer: new CardRenderer(cards, findings, { consoleUrl: config.consoleUrl }),
    details: { ensure: async () => undefined },
    requests: new RequestStore(redis, keys, clock, hmac, 90 * 86_400_000),
    groups: new GroupResolver({ slack, redis, keys, log }),
    ecsContext: new EcsContextCache(30_000, clock),
    queues: { actions: queue, poll: queue },
    work,
    version: 'test',
  } as unknown as AppContext;
  return {
    ctx,
    ecs,
    identities,
    slack: calls,
    jobs,
    audited: async (event) =>
      (await ctx.audit.list({ limit: 100 })).filter((r) => !event || r.event === event),
    ephemerals: (user) =>
      calls
        .filter((c) => c.method === 'chat.postEphemeral' && (!user || c.args.user === user))
        .map((c) => c.args),
    idle: () => work.idle(),
  };
}

/** A finding stored as the pipeline stores it, with its card posted (ts set). */
export async function seedCard(
  w: ClickWorld,
  patch: Partial<Finding> = {},
): Promise<{ cardId: string; ts: string; finding: Finding }> {
  const f = finding({ id: `f${randomBytes(8).toString('hex')}`, ...patch });
  const { key } = await w.ctx.findings.ingest(f, CHANNEL, 'g');
  const cardId = newCardId();
  await w.ctx.cards.create({ cardId, kind: 'finding', findingKey: key, channel: CHANNEL, state: { cardId } });
  const ts = `1767000000.${randomBytes(3).toString('hex')}`;
  await w.ctx.cards.setTs(cardId, ts);
  await w.ctx.findings.markCard(key, { state: 'posted', cardId, ts });
  return { cardId, ts, finding: f };
}

/** A click as `clickFrom` makes it from a Bolt body (value = a card or request id). */
export const clickOf = (userId: string, value: string, patch: Partial<Click> = {}): Click => ({
  userId,
  channelId: CHANNEL,
  value,
  teamId: TEAM,
  userTeamId: TEAM,
  ...patch,
});
