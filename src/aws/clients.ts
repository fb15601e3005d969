import { ECSClient } from '@aws-sdk/client-ecs';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { EcsGuardError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import {
  AssumeRoleCache,
  type AssumeRoleRequest,
  memberRoleArn,
  sanitiseSourceIdentity,
} from './credentials.js';
import { describeAwsError } from './errors.js';

/** Where to act. `accountId` undefined (or the home account) = the bot's own credentials. */
export interface Target {
  accountId?: string;
  region: string;
  /** The Slack user acting; becomes the STS SourceIdentity (CloudTrail shows who approved). */
  sourceIdentity?: string;
  /** Short action name for the RoleSessionName, e.g. `stop-task` → `ecs-guard-stop-task`. */
  purpose?: string;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export interface AwsClientsOptions {
  config: Pick<Config, 'memberRole' | 'externalId' | 'homeRegion'>;
  log: Logger;
  clock?: Clock;
  /** Explicit endpoint for every service (tests). Without it the SDK honours AWS_ENDPOINT_URL(_<SERVICE>). */
  endpoint?: string;
  /** Explicit home credentials (tests). Without them the SDK's default credential chain. */
  credentials?: AwsCredentialIdentity;
  /** SDK attempts per call, including retries of throttling and 5xx (default 3). */
  maxAttempts?: number;
  /** Per-request timeout, so a hung call (or AssumeRole) fails and is retried instead of blocking (default 15000). */
  requestTimeoutMs?: number;
  /** Called once per AWS API call (not per retry), e.g. to count calls by operation for /metrics. */
  onCall?: (operation: string) => void;
  /** AssumeRole session length (default 3600). */
  durationSeconds?: number;
}

/** SourceIdentity of member-account sessions no Slack user asked for. */
export const BOT_SOURCE_IDENTITY = 'ecs-guard';

type Resolved = { kind: 'home'; region: string } | ({ kind: 'member' } & AssumeRoleRequest);

/**
 * GuardDuty, ECS, IAM and STS clients per (account, region, identity). The home account uses the
 * default credential chain; member accounts assume `config.memberRole` through regional STS.
 */
export class AwsClients {
  private readonly opts: AwsClientsOptions;
  private readonly roles: AssumeRoleCache;
  private readonly stsClients = new Map<string, STSClient>();
  private readonly gdClients = new Map<string, GuardDutyClient>();
  private readonly ecsClients = new Map<string, ECSClient>();
  private readonly iamClients = new Map<string, IAMClient>();
  private readonly s3Clients = new Map<string, S3Client>();
  private homeAccount: Promise<string> | undefined;

  constructor(opts: AwsClientsOptions) {
    this.opts = opts;
    this.roles = new AssumeRoleCache({
      sts: (region) => this.sts(region),
      log: opts.log,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.durationSeconds ? { durationSeconds: opts.durationSeconds } : {}),
    });
  }

  /** Settings every client shares: region, retries, and the endpoint only when one was given. */
  private base(region: string) {
    return {
      region,
      maxAttempts: this.opts.maxAttempts ?? 3,
      requestHandler: {
        requestTimeout: this.opts.requestTimeoutMs ?? 15_000,
        connectionTimeout: 5_000,
        throwOnRequestTimeout: true,
      },
      ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
    };
  }

  /** Adds the call counter to a client (initialize step: once per call, before retries). */
  private instrument<C extends { middlewareStack: { add: (...a: never[]) => unknown } }>(client: C): C {
    const onCall = this.opts.onCall;
    if (onCall) {
      // biome-ignore lint/suspicious/noExplicitAny: the middleware stack's generics differ per client.
      (client.middlewareStack as any).add(
        // biome-ignore lint/suspicious/noExplicitAny: see above.
        (next: any, context: { commandName?: string }) => (args: unknown) => {
          onCall((context.commandName ?? 'Unknown').replace(/Command$/, ''));
          return next(args);
        },
        { step: 'initialize', name: 'ecsGuardCallCounter' },
      );
    }
    return client;
  }

  /** STS with the home credentials in `region` (regional endpoint). */
  sts(region: string): STSClient {
    let c = this.stsClients.get(region);
    if (!c) {
      c = this.instrument(
        new STSClient({
          ...this.base(region),
          ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
        }),
      );
      this.stsClients.set(region, c);
    }
    return c;
  }

  /** The account of the default credential chain, asked once (a failure is retried next time). */
  homeAccountId(): Promise<string> {
    if (!this.homeAccount) {
      const p = this.sts(this.opts.config.homeRegion)
        .send(new GetCallerIdentityCommand({}))
        .then((out) => {
          if (!out.Account) throw new Error('GetCallerIdentity returned no account');
          return out.Account;
        })
        .catch((err: unknown) => {
          this.homeAccount = undefined;
          throw new EcsGuardError(
            ErrorCode.AwsError,
            `cannot learn the home AWS account (STS GetCallerIdentity): ${describeAwsError(err).message}`,
            { cause: err },
          );
        });
      this.homeAccount = p;
    }
    return this.homeAccount;
  }

  /** Who the clients for (account, region) act as: a check of credentials and role set-up. */
  async callerIdentity(accountId?: string, region?: string): Promise<CallerIdentity> {
    const t: Target = { region: region ?? this.opts.config.homeRegion, ...(accountId ? { accountId } : {}) };
    const r = await this.resolve(t);
    const client =
      r.kind === 'home'
        ? this.sts(r.region)
        : this.instrument(new STSClient({ ...this.base(r.region), credentials: this.provider(r) }));
    try {
      const out = await client.send(new GetCallerIdentityCommand({}));
      return { account: out.Account ?? '', arn: out.Arn ?? '', userId: out.UserId ?? '' };
    } catch (err) {
      throw new EcsGuardError(
        ErrorCode.AwsError,
        describeAwsError(err, { operation: 'GetCallerIdentity' }).message,
        {
          cause: err,
        },
      );
    } finally {
      if (r.kind === 'member') client.destroy();
    }
  }

  async guardDuty(t: Target): Promise<GuardDutyClient> {
    return this.client(t, this.gdClients, (cfg) => new GuardDutyClient(cfg));
  }

  async ecs(t: Target): Promise<ECSClient> {
    return this.client(t, this.ecsClients, (cfg) => new ECSClient(cfg));
  }

  /** IAM (a global service) with the credentials for the target's account; the SDK picks the endpoint. */
  async iam(t: Target): Promise<IAMClient> {
    return this.client(t, this.iamClients, (cfg) => new IAMClient(cfg));
  }

  /**
   * S3 (the audit export) with the credentials for the target's account. Path-style requests when
   * an endpoint is configured (an emulator or a private endpoint: no bucket subdomains there).
   */
  async s3(t: Target): Promise<S3Client> {
    const custom = !!(this.opts.endpoint || process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3);
    return this.client(t, this.s3Clients, (cfg) => new S3Client({ ...cfg, forcePathStyle: custom }));
  }

  stats(): { assumeRoleCalls: number; cacheHits: number } {
    return { assumeRoleCalls: this.roles.assumeRoleCalls, cacheHits: this.roles.cacheHits };
  }

  destroy(): void {
    for (const m of [this.gdClients, this.ecsClients, this.iamClients, this.s3Clients, this.stsClients]) {
      for (const c of m.values()) c.destroy();
      m.clear();
    }
    this.roles.clear();
  }

  private async client<C>(
    t: Target,
    cache: Map<string, C>,
    make: (
      cfg: ReturnType<AwsClients['base']> & {
        credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
      },
    ) => C,
  ): Promise<C> {
    const r = await this.resolve(t);
    // Member credentials are fetched now so a role problem fails here, with a clear message,
    // rather than inside the first SDK call; the client's provider reads the same cache later.
    if (r.kind === 'member') await this.roles.get(r);
    const key = r.kind === 'home' ? `home|${r.region}` : AssumeRoleCache.key(r);
    let c = cache.get(key);
    if (!c) {
      const credentials = r.kind === 'home' ? this.opts.credentials : this.provider(r);
      c = make({ ...this.base(r.region), ...(credentials ? { credentials } : {}) });
      this.instrument(c as never);
      cache.set(key, c);
    }
    return c;
  }

  private provider(r: Extract<Resolved, { kind: 'member' }>): AwsCredentialIdentityProvider {
    return () => this.roles.get(r);
  }

  private async resolve(t: Target): Promise<Resolved> {
    if (!t.region) throw new EcsGuardError(ErrorCode.InvalidInput, 'AWS target has no region');
    if (!t.accountId) return { kind: 'home', region: t.region };
    if (!/^\d{12}$/.test(t.accountId)) {
      throw new EcsGuardError(ErrorCode.InvalidInput, `"${t.accountId}" is not an AWS account id`);
    }
    const home = await this.homeAccountId();
    if (t.accountId === home) return { kind: 'home', region: t.region };
    const { memberRole, externalId } = this.opts.config;
    if (!memberRole) {
      throw new EcsGuardError(
        ErrorCode.AwsError,
        `account ${t.accountId} is not the home account ${home} and no member role is configured (set ECS_GUARD_MEMBER_ROLE, e.g. arn:aws:iam::{accountId}:role/EcsGuardResponder)`,
      );
    }
    // The member role's trust requires a SourceIdentity: the Slack user who acted, or the bot
    // itself for its own reads (status and pre-flight checks).
    const sourceIdentity = sanitiseSourceIdentity(t.sourceIdentity) ?? BOT_SOURCE_IDENTITY;
    return {
      kind: 'member',
      accountId: t.accountId,
      region: t.region,
      roleArn: memberRoleArn(memberRole, t.accountId),
      ...(externalId ? { externalId } : {}),
      sourceIdentity,
      ...(t.purpose ? { purpose: t.purpose } : {}),
    };
  }
}
