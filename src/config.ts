import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EcsGuardError, ErrorCode } from './errors.js';
import type { SeverityLabel } from './findings/model.js';
import { hashTagOf } from './redis-slot.js';

/**
 * Actions a policy governs whose defaults are fixed here. Any other remediation in
 * src/remediations/ is governed too: its defaults come from its definition (`approval`), merged
 * with the same environment and policy-file values by `resolveActionRule`.
 */
export const ACTIONS = ['stop-task', 'archive', 'enable', 'disable', 'sample'] as const;
export type ActionName = (typeof ACTIONS)[number];

/** An action's defaults before the policy file: the form remediations declare (`approval`). */
export interface ActionDefaults {
  needsApproval: boolean;
  /** Four-eyes: `env` = ECS_GUARD_TWO_PERSON (default true); `true`/`false` = fixed default. */
  twoPerson: 'env' | boolean;
  /** `requesters` = ECS_GUARD_REQUESTERS (unset = anyone); `approvers` = only approvers may request. */
  requesters: 'requesters' | 'approvers';
}

/** What the environment and the policy file say about actions, for rules computed later. */
export interface ActionPolicy {
  requesters?: string[];
  approvers: string[];
  twoPerson: boolean;
  /** `actions.<name>` of the policy file, as written. */
  overrides: Record<string, Partial<ActionRule>>;
}

/** The rule of action `name`: its defaults, then the environment, then the policy file. */
export function resolveActionRule(policy: ActionPolicy, name: string, d: ActionDefaults): ActionRule {
  const p = policy.overrides[name] ?? {};
  return {
    requesters: p.requesters ?? (d.requesters === 'approvers' ? policy.approvers : policy.requesters),
    approvers: p.approvers ?? policy.approvers,
    twoPerson: p.twoPerson ?? (d.twoPerson === 'env' ? policy.twoPerson : d.twoPerson),
    needsApproval: p.needsApproval ?? (p.twoPerson ? true : d.needsApproval),
  };
}

export interface ActionRule {
  /** Who may request. `undefined` = anyone in the channel. Slack user (`U…`/`W…`) or user-group (`S…`) ids. */
  requesters?: string[];
  /** Who may approve (or, for single-person actions, execute). */
  approvers: string[];
  /** The requester cannot approve their own request; a second person must. */
  twoPerson: boolean;
  /** Whether a request needs an approval at all. `false` = an approver's click runs it at once. */
  needsApproval: boolean;
}

export interface RouteRule {
  channel: string;
  accounts?: string[];
  regions?: string[];
  /** Glob patterns (`*`, `?`) on the cluster name. */
  clusters?: string[];
  minSeverity?: SeverityLabel;
  /** Finding-type prefixes, e.g. `Execution:Runtime/`. */
  types?: string[];
}

export interface Config {
  slack: {
    botToken: string;
    signingSecret: string;
    appToken?: string;
    apiUrl?: string;
    alertChannel: string;
    /** Where coverage-gap cards go (ECS_GUARD_COVERAGE_CHANNEL; default the alert channel). */
    coverageChannel: string;
  };
  actions: Record<ActionName, ActionRule>;
  /**
   * Who may use the viewing commands (findings, audit, status, coverage). `undefined` = anyone
   * (the default while any action's requesters are unrestricted); default otherwise: every
   * action's requesters and approvers. Non-approvers see only findings of channels they are in.
   */
  viewers?: string[];
  /** Inputs of `resolveActionRule`, for remediations without a fixed entry in `actions`. */
  actionPolicy: ActionPolicy;
  contextVisibility: 'thread' | 'ephemeral';
  minSeverity: SeverityLabel;
  pollSeconds: number;
  /** ECS_GUARD_POLL_ALERT_MINUTES: a region failing this long posts a notice (0 = never). */
  pollAlertMinutes: number;
  /** Regions to poll and act in. */
  regions: string[];
  /** The bot's own (home / delegated-administrator) region; the first of `regions` unless AWS_REGION. */
  homeRegion: string;
  /** Extra member accounts (for status and coverage) named in the policy file. */
  accounts: string[];
  memberRole?: string;
  externalId?: string;
  ingestToken?: string;
  /** ECS_GUARD_METRICS_TOKEN: bearer token for GET /metrics; unset = only scrapers inside the host's network. */
  metricsToken?: string;
  approvalTtlSeconds: number;
  routes: RouteRule[];
  redisUrl: string;
  /**
   * REDIS_CLUSTER_NODES: Redis Cluster start-up nodes; when set every connection is an ioredis
   * Cluster (credentials and TLS from `redisUrl`).
   */
  redisClusterNodes?: { host: string; port: number }[];
  /** Prefix for every Redis key and BullMQ queue (lets several deployments or test files share a Redis). */
  redisPrefix: string;
  port: number;
  logLevel: string;
  /** Base URL for console links (tests keep the default). */
  consoleUrl: string;
  audit: AuditConfig;
  /** Finding, card and request records are kept this long after the finding was last seen (open cards kept). */
  retentionDays: number;
  /** The Contain plan (policy file `containment`). */
  containment: ContainmentConfig;
}

/** Containment steps, in the order they run. */
export const CONTAINMENT_STEPS = [
  'hold-service',
  'stop-task',
  'stop-image-tasks',
  'revoke-sessions',
] as const;
export type ContainmentStep = (typeof CONTAINMENT_STEPS)[number];

export interface ContainmentConfig {
  /** Ticked in the plan by default. */
  defaultSteps: ContainmentStep[];
  /** Revoke touches IAM: offered only when the policy file turns it on. */
  revokeSessions: boolean;
  /** Auto-contain rules (first match wins); none = never automatic. */
  autoContain: AutoContainRule[];
}

/**
 * Auto-contain (policy file `containment.autoContain`): a finding card that matches shows
 * "Containing in 5:00 unless someone cancels"; when the window ends the default plan runs with
 * ecs-guard as the actor. Matching as routes do (type prefixes, cluster globs, minimum severity).
 */
export interface AutoContainRule extends Omit<RouteRule, 'channel'> {
  /** Named in the card, the thread and the audit records. */
  name: string;
  /** The cancel window (default 300). */
  windowSeconds: number;
}

export interface AuditConfig {
  /** HMAC key of the audit chain and of request records (ECS_GUARD_AUDIT_HMAC_KEY). */
  hmacKey: SecretValue;
  /** No key was configured (not production): a random one for this process only. */
  keyGenerated: boolean;
  /** Slack channel that receives the chain-head anchors (ECS_GUARD_AUDIT_CHANNEL). */
  channel?: string;
  /** S3 bucket (Object Lock enabled) that receives the records as JSON lines (ECS_GUARD_AUDIT_BUCKET). */
  bucket?: string;
  /** How often the head is anchored. */
  anchorSeconds: number;
  /** Audit records older than this are trimmed from Redis, but only behind an anchor. */
  retentionDays: number;
}

/**
 * A secret that stays out of logs and JSON: pino and JSON.stringify see `[redacted]`; only
 * `reveal()` gives the value.
 */
export class SecretValue {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}

const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const severityLabelOf = (s: (typeof SEVERITIES)[number]): SeverityLabel =>
  (s.charAt(0).toUpperCase() + s.slice(1)) as SeverityLabel;

const principalList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .refine((ids) => ids.every((id) => /^[UWS][A-Z0-9]{2,}$/.test(id)), {
    message: 'must be comma-separated Slack user ids (U…/W…) or user-group ids (S…)',
  });

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ['true', 'false', '1', '0', 'yes', 'no'].includes(s), { message: 'must be true or false' })
  .transform((s) => ['true', '1', 'yes'].includes(s));

const intIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be between ${min} and ${max}` });

const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as us-east-1' });
const accountId = z.string().regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' });
const channelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, { message: 'must be a Slack channel id (C…/G…)' });

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required' })
    .regex(/^xoxb-/, { message: 'must be a bot token (xoxb-…)' }),
  SLACK_SIGNING_SECRET: z.string().min(8, { message: 'must be the app signing secret' }).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, { message: 'must be an app-level token (xapp-…)' })
    .optional(),
  SLACK_API_URL: z.url({ message: 'must be a URL' }).optional(),
  SLACK_ALERT_CHANNEL: channelId,
  ECS_GUARD_COVERAGE_CHANNEL: channelId.optional(),
  ECS_GUARD_APPROVERS: principalList.optional(),
  ECS_GUARD_REQUESTERS: principalList.optional(),
  ECS_GUARD_TWO_PERSON: bool.optional(),
  ECS_GUARD_MIN_SEVERITY: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(SEVERITIES, { message: 'must be low, medium, high or critical' }))
    .optional(),
  ECS_GUARD_POLL_SECONDS: intIn(0, 86_400).optional(),
  ECS_GUARD_POLL_ALERT_MINUTES: intIn(0, 10_080).optional(),
  ECS_GUARD_REGIONS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(region).min(1, { message: 'must name at least one region' }))
    .optional(),
  AWS_REGION: region.optional(),
  ECS_GUARD_MEMBER_ROLE: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::(\d{12}|\{accountId\}):role\/[\w+=,.@/-]+$/, {
      message: 'must be a role ARN, e.g. arn:aws:iam::{accountId}:role/EcsGuardResponder',
    })
    .optional(),
  ECS_GUARD_EXTERNAL_ID: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, { message: 'must be 2-1224 characters of [A-Za-z0-9+=,.@:/-]' })
    .optional(),
  ECS_GUARD_INGEST_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  ECS_GUARD_METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  ECS_GUARD_APPROVAL_TTL: z
    .string()
    .trim()
    .regex(/^\d+[smh]?$/, { message: 'must be a duration such as 1800, 30m or 1h' })
    .transform(parseDurationSeconds)
    .refine((n) => n >= 10 && n <= 7 * 86_400, { message: 'must be between 10s and 7 days' })
    .optional(),
  ECS_GUARD_CONFIG: z.string().min(1).optional(),
  ECS_GUARD_REDIS_PREFIX: z
    .string()
    .regex(/^[\w.{}-]+$/, { message: 'must be letters, digits, _ . - { }' })
    .optional(),
  ECS_GUARD_CONSOLE_URL: z.url({ message: 'must be a URL' }).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
    .optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    )
    .refine((nodes) => nodes.length > 0 && nodes.every((n) => /^[\w.-]+:\d{1,5}$/.test(n)), {
      message: 'must be host:port pairs separated by commas, e.g. node-1:6379,node-2:6379',
    })
    .transform((nodes) =>
      nodes.map((n) => {
        const i = n.lastIndexOf(':');
        return { host: n.slice(0, i), port: Number(n.slice(i + 1)) };
      }),
    )
    .optional(),
  PORT: intIn(0, 65_535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  NODE_ENV: z.string().optional(),
  ECS_GUARD_AUDIT_HMAC_KEY: z
    .string()
    .min(32, { message: 'must be at least 32 characters (e.g. `openssl rand -hex 32`)' })
    .refine((s) => new Set(s).size >= 8, { message: 'is too repetitive to be a key' })
    .optional(),
  ECS_GUARD_AUDIT_CHANNEL: channelId.optional(),
  ECS_GUARD_AUDIT_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
      message: 'must be an S3 bucket name (3-63 of a-z 0-9 . -)',
    })
    .optional(),
  ECS_GUARD_AUDIT_ANCHOR_SECONDS: intIn(1, 86_400).optional(),
  ECS_GUARD_AUDIT_RETENTION_DAYS: intIn(1, 3650).optional(),
  ECS_GUARD_RETENTION_DAYS: intIn(1, 3650).optional(),
});

const principal = z
  .string()
  .regex(/^[UWS][A-Z0-9]{2,}$/, { message: 'must be a Slack user or user-group id' });
const actionRuleSchema = z
  .object({
    requesters: z.array(principal).optional(),
    approvers: z.array(principal).optional(),
    twoPerson: z.boolean().optional(),
    needsApproval: z.boolean().optional(),
  })
  .strict();
const policySchema = z
  .object({
    minSeverity: z.enum(SEVERITIES).optional(),
    regions: z.array(region).optional(),
    accounts: z.array(accountId).optional(),
    viewers: z.array(principal).optional(),
    contextVisibility: z.enum(['thread', 'ephemeral']).optional(),
    containment: z
      .object({
        defaultSteps: z.array(z.enum(CONTAINMENT_STEPS)).min(1).optional(),
        revokeSessions: z.boolean().optional(),
        autoContain: z
          .array(
            z
              .object({
                name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$/, {
                  message: 'must be 1-63 letters, digits, spaces, _ . -',
                }),
                accounts: z.array(accountId).optional(),
                regions: z.array(region).optional(),
                clusters: z.array(z.string().min(1)).optional(),
                minSeverity: z.enum(SEVERITIES).optional(),
                types: z.array(z.string().min(1)).optional(),
                // Long enough that people can see it and cancel (tests use a few seconds).
                windowSeconds: z.number().int().min(5).max(3600).optional(),
              })
              .strict(),
          )
          .optional(),
      })
      .strict()
      .optional(),
    // Any remediation name (kebab-case); names that match no action are refused at start-up (app.ts).
    actions: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,40}$/), actionRuleSchema).optional(),
    routes: z
      .array(
        z
          .object({
            channel: channelId,
            accounts: z.array(accountId).optional(),
            regions: z.array(region).optional(),
            clusters: z.array(z.string().min(1)).optional(),
            minSeverity: z.enum(SEVERITIES).optional(),
            types: z.array(z.string().min(1)).optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();
export type PolicyFile = z.infer<typeof policySchema>;

export function parseDurationSeconds(s: string): number {
  const m = /^(\d+)([smh]?)$/.exec(s.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : n;
}

/**
 * A rule asking for a second person (`twoPerson`) but no approval (`needsApproval: false`) would
 * silently drop four-eyes (nobody approves, so nobody second): a config error naming the settings.
 */
function fourEyesProblem(
  name: ActionName,
  rule: ActionRule,
  p: { twoPerson?: boolean; needsApproval?: boolean },
  twoPersonFromEnv: boolean,
): string | undefined {
  if (!rule.twoPerson || rule.needsApproval) return undefined;
  const from =
    p.twoPerson !== undefined
      ? `actions.${name}.twoPerson: true`
      : name === 'stop-task'
        ? `twoPerson: true (ECS_GUARD_TWO_PERSON${twoPersonFromEnv ? '' : ', default true'})`
        : `twoPerson: true (the default for ${name})`;
  return `ECS_GUARD_CONFIG actions.${name}.needsApproval: false contradicts ${from}: with no approval there is no second person; set needsApproval: true or twoPerson: false`;
}

/** Default viewers: anyone while any action lets anyone request; else every requester and approver. */
function defaultViewers(actions: Record<ActionName, ActionRule>): string[] | undefined {
  const rules = Object.values(actions);
  if (rules.some((r) => r.requesters === undefined)) return undefined;
  return [...new Set(rules.flatMap((r) => [...(r.requesters ?? []), ...r.approvers]))];
}

/** One line per problem: "NAME: why". Values are never echoed (they may be secrets). */
function issuesOf(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    const message = i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message;
    return `${prefix}${path || '(root)'}: ${message}`;
  });
}

/**
 * Reads and validates the configuration once. Any problem stops start-up with one
 * `ecs_guard_config_error` listing every bad variable and why.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, readFile = readFileSync): Config {
  const problems: string[] = [];
  const clean = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k in envSchema.shape && v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(clean);
  if (!parsed.success) problems.push(...issuesOf(parsed.error));
  const e = parsed.success ? parsed.data : ({} as Partial<z.infer<typeof envSchema>>);

  if (parsed.success && !e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET: is required in HTTP mode (set SLACK_APP_TOKEN for Socket Mode)');
  }
  if (parsed.success && !e.ECS_GUARD_REGIONS && !e.AWS_REGION) {
    problems.push('AWS_REGION: is required unless ECS_GUARD_REGIONS is set');
  }
  if (parsed.success && e.NODE_ENV === 'production' && !e.ECS_GUARD_AUDIT_HMAC_KEY) {
    problems.push(
      'ECS_GUARD_AUDIT_HMAC_KEY: is required in production (NODE_ENV=production); at least 32 random characters, e.g. `openssl rand -hex 32`',
    );
  }
  // In Redis Cluster an operation's keys (a Lua script's, a MULTI's, BullMQ's) must share one hash
  // slot; the prefix's hash tag is what makes every ecs-guard key hash alike.
  if (e.REDIS_CLUSTER_NODES && e.ECS_GUARD_REDIS_PREFIX && !hashTagOf(e.ECS_GUARD_REDIS_PREFIX)) {
    problems.push(
      `ECS_GUARD_REDIS_PREFIX: must contain a hash tag such as {${e.ECS_GUARD_REDIS_PREFIX.replace(/[{}]/g, '') || 'ecs-guard'}} ` +
        'when REDIS_CLUSTER_NODES is set: without one, the keys of one operation would land in different hash slots',
    );
  }
  if (e.ECS_GUARD_EXTERNAL_ID && !e.ECS_GUARD_MEMBER_ROLE) {
    problems.push('ECS_GUARD_MEMBER_ROLE: is required when ECS_GUARD_EXTERNAL_ID is set');
  }

  let policy: PolicyFile = {};
  if (e.ECS_GUARD_CONFIG) {
    const path = e.ECS_GUARD_CONFIG;
    try {
      const text = readFile(path, 'utf8');
      const raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
      const p = policySchema.safeParse(raw ?? {});
      if (p.success) policy = p.data;
      else problems.push(...issuesOf(p.error, `ECS_GUARD_CONFIG (${path}) `));
    } catch (err) {
      const why =
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
      problems.push(`ECS_GUARD_CONFIG: cannot read ${path}: ${why}`);
    }
  }

  const actionPolicy: ActionPolicy = {
    requesters: e.ECS_GUARD_REQUESTERS,
    approvers: e.ECS_GUARD_APPROVERS ?? [],
    twoPerson: e.ECS_GUARD_TWO_PERSON ?? true,
    overrides: policy.actions ?? {},
  };
  const defaults: Record<ActionName, ActionDefaults> = {
    'stop-task': { needsApproval: true, twoPerson: 'env', requesters: 'requesters' },
    archive: { needsApproval: false, twoPerson: false, requesters: 'approvers' },
    enable: { needsApproval: true, twoPerson: false, requesters: 'requesters' },
    // Turning monitoring off blinds GuardDuty: a second person confirms it, like Stop task.
    disable: { needsApproval: true, twoPerson: true, requesters: 'requesters' },
    sample: { needsApproval: false, twoPerson: false, requesters: 'approvers' },
  };
  const actions = Object.fromEntries(
    ACTIONS.map((name) => {
      const rule = resolveActionRule(actionPolicy, name, defaults[name]);
      const p = actionPolicy.overrides[name] ?? {};
      const fourEyes = fourEyesProblem(name, rule, p, e.ECS_GUARD_TWO_PERSON !== undefined);
      if (fourEyes) problems.push(fourEyes);
      return [name, rule];
    }),
  ) as Record<ActionName, ActionRule>;

  if (problems.length) {
    throw new EcsGuardError(
      ErrorCode.ConfigError,
      `ecs-guard cannot start, the configuration is invalid:\n  - ${problems.join('\n  - ')}`,
    );
  }

  const regions = e.ECS_GUARD_REGIONS ?? policy.regions ?? [e.AWS_REGION as string];
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN as string,
      signingSecret: e.SLACK_SIGNING_SECRET ?? '',
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      alertChannel: e.SLACK_ALERT_CHANNEL as string,
      coverageChannel: e.ECS_GUARD_COVERAGE_CHANNEL ?? (e.SLACK_ALERT_CHANNEL as string),
    },
    actions,
    viewers: policy.viewers ?? defaultViewers(actions),
    actionPolicy,
    contextVisibility: policy.contextVisibility ?? 'thread',
    minSeverity: severityLabelOf(e.ECS_GUARD_MIN_SEVERITY ?? policy.minSeverity ?? 'medium'),
    pollSeconds: e.ECS_GUARD_POLL_SECONDS ?? 60,
    pollAlertMinutes: e.ECS_GUARD_POLL_ALERT_MINUTES ?? 15,
    regions,
    homeRegion: e.AWS_REGION ?? (regions[0] as string),
    accounts: policy.accounts ?? [],
    memberRole: e.ECS_GUARD_MEMBER_ROLE,
    externalId: e.ECS_GUARD_EXTERNAL_ID,
    ingestToken: e.ECS_GUARD_INGEST_TOKEN,
    metricsToken: e.ECS_GUARD_METRICS_TOKEN,
    approvalTtlSeconds: e.ECS_GUARD_APPROVAL_TTL ?? 1800,
    routes: (policy.routes ?? []).map((r) => ({
      ...r,
      minSeverity: r.minSeverity ? severityLabelOf(r.minSeverity) : undefined,
    })),
    redisUrl: e.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    redisPrefix: e.ECS_GUARD_REDIS_PREFIX ?? (e.REDIS_CLUSTER_NODES ? '{ecs-guard}' : 'ecs-guard'),
    port: e.PORT ?? 3000,
    logLevel: e.LOG_LEVEL ?? 'info',
    consoleUrl: e.ECS_GUARD_CONSOLE_URL ?? 'https://console.aws.amazon.com',
    audit: {
      // Outside production a missing key becomes a random one: records still chain and verify
      // within this process's life, and the bot warns at start-up.
      hmacKey: new SecretValue(e.ECS_GUARD_AUDIT_HMAC_KEY ?? randomBytes(32).toString('hex')),
      keyGenerated: !e.ECS_GUARD_AUDIT_HMAC_KEY,
      ...(e.ECS_GUARD_AUDIT_CHANNEL ? { channel: e.ECS_GUARD_AUDIT_CHANNEL } : {}),
      ...(e.ECS_GUARD_AUDIT_BUCKET ? { bucket: e.ECS_GUARD_AUDIT_BUCKET } : {}),
      anchorSeconds: e.ECS_GUARD_AUDIT_ANCHOR_SECONDS ?? 300,
      retentionDays: e.ECS_GUARD_AUDIT_RETENTION_DAYS ?? 365,
    },
    retentionDays: e.ECS_GUARD_RETENTION_DAYS ?? 90,
    containment: containmentOf(policy.containment),
  };
}

function containmentOf(c: PolicyFile['containment']): ContainmentConfig {
  const revokeSessions = c?.revokeSessions === true;
  const defaults = c?.defaultSteps ?? ['hold-service', 'stop-task', 'stop-image-tasks'];
  if (defaults.includes('revoke-sessions') && !revokeSessions)
    throw new EcsGuardError(
      ErrorCode.ConfigError,
      'ECS_GUARD_CONFIG containment.defaultSteps names revoke-sessions but containment.revokeSessions is not true (it touches IAM: turn it on explicitly)',
    );
  const autoContain = (c?.autoContain ?? []).map((r) => ({
    ...r,
    minSeverity: r.minSeverity ? severityLabelOf(r.minSeverity) : undefined,
    windowSeconds: r.windowSeconds ?? 300,
  }));
  return {
    defaultSteps: CONTAINMENT_STEPS.filter((s) => defaults.includes(s)),
    revokeSessions,
    autoContain,
  };
}
