import type { AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { type Clock, systemClock } from '../clock.js';
import { EcsGuardError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { describeAwsError } from './errors.js';

/** Refresh this long before AWS says the credentials expire (clock skew, long calls). */
export const REFRESH_EARLY_MS = 5 * 60_000;
const DEFAULT_DURATION_SECONDS = 3600;

/** Characters STS allows in RoleSessionName and SourceIdentity. */
const STS_NAME_CHARS = /[^\w+=,.@-]/g;

/** `ecs-guard` or `ecs-guard-<purpose>`, at most 64 of STS's allowed characters. */
export function roleSessionName(purpose?: string): string {
  const p = purpose?.replace(STS_NAME_CHARS, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return (p ? `ecs-guard-${p}` : 'ecs-guard').slice(0, 64);
}

/**
 * A Slack user id (or name) as an STS SourceIdentity: allowed characters only, 2-64 long, and
 * never the reserved `aws:` prefix. Returns undefined when nothing usable is left.
 */
export function sanitiseSourceIdentity(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let s = raw.trim().replace(STS_NAME_CHARS, '_').slice(0, 64);
  if (/^aws:/i.test(raw.trim())) s = `u_${s}`.slice(0, 64);
  if (s.length === 1) s = `u_${s}`;
  return s.length >= 2 ? s : undefined;
}

/** The member role for an account: `{accountId}` substituted; refuses a role in another account. */
export function memberRoleArn(template: string, accountId: string): string {
  const arn = template.replaceAll('{accountId}', accountId);
  const roleAccount = arn.split(':')[4];
  if (roleAccount !== accountId) {
    throw new EcsGuardError(
      ErrorCode.AwsError,
      `ECS_GUARD_MEMBER_ROLE names account ${roleAccount}, not ${accountId}; use {accountId} in the ARN to act in member accounts`,
    );
  }
  return arn;
}

export interface AssumeRoleRequest {
  accountId: string;
  region: string;
  roleArn: string;
  externalId?: string;
  sourceIdentity?: string;
  purpose?: string;
}

interface Entry {
  promise: Promise<AwsCredentialIdentity>;
  /** epoch ms after which a new AssumeRole is needed; undefined while in flight. */
  refreshAt?: number;
}

/**
 * Assume-role credential cache. One entry per (account, region, identity, purpose): concurrent
 * callers share one in-flight AssumeRole; credentials are reused until REFRESH_EARLY_MS before
 * expiry; a failure is dropped from the cache so the next call tries again.
 */
export class AssumeRoleCache {
  private readonly entries = new Map<string, Entry>();
  private readonly stsFor: (region: string) => STSClient;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly durationSeconds: number;
  assumeRoleCalls = 0;
  cacheHits = 0;

  constructor(opts: {
    sts: (region: string) => STSClient;
    log: Logger;
    clock?: Clock;
    durationSeconds?: number;
  }) {
    this.stsFor = opts.sts;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.durationSeconds = opts.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  }

  static key(r: Pick<AssumeRoleRequest, 'accountId' | 'region' | 'sourceIdentity' | 'purpose'>): string {
    return [r.accountId, r.region, r.sourceIdentity ?? '', r.purpose ?? ''].join('|');
  }

  get(req: AssumeRoleRequest): Promise<AwsCredentialIdentity> {
    const key = AssumeRoleCache.key(req);
    const hit = this.entries.get(key);
    if (hit && (hit.refreshAt === undefined || this.clock() < hit.refreshAt)) {
      this.cacheHits++;
      return hit.promise;
    }
    const entry: Entry = { promise: this.assume(req) };
    this.entries.set(key, entry);
    entry.promise.then(
      (c) => {
        const expires = c.expiration?.getTime() ?? this.clock() + this.durationSeconds * 1000;
        entry.refreshAt = expires - REFRESH_EARLY_MS;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.promise;
  }

  clear(): void {
    this.entries.clear();
  }

  private async assume(req: AssumeRoleRequest): Promise<AwsCredentialIdentity> {
    this.assumeRoleCalls++;
    const input: AssumeRoleCommandInput = {
      RoleArn: req.roleArn,
      RoleSessionName: roleSessionName(req.purpose),
      DurationSeconds: this.durationSeconds,
      ...(req.externalId ? { ExternalId: req.externalId } : {}),
      ...(req.sourceIdentity ? { SourceIdentity: req.sourceIdentity } : {}),
    };
    const started = this.clock();
    try {
      const out = await this.stsFor(req.region).send(new AssumeRoleCommand(input));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
      this.log.debug(
        {
          roleArn: req.roleArn,
          region: req.region,
          sessionName: input.RoleSessionName,
          ms: this.clock() - started,
        },
        'assumed member role',
      );
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
        accountId: req.accountId,
      };
    } catch (err) {
      const info = describeAwsError(err, { operation: 'AssumeRole' });
      this.log.warn({ roleArn: req.roleArn, region: req.region, code: info.code }, 'AssumeRole failed');
      throw new EcsGuardError(
        ErrorCode.AwsError,
        // The role ARN is in the log line above, not in what people are shown.
        `cannot assume the member role (ECS_GUARD_MEMBER_ROLE) in account ${req.accountId}, ${req.region}: ${info.message}`,
        { cause: err },
      );
    }
  }
}
