import { AwsServiceError } from './aws-error.js';
import { el } from './query-xml.js';
import type { RequestContext } from './request-context.js';

/** awsQuery handlers for STS. Results are XML fragments placed inside `<OpResult>`. */

export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const accessDenied = (message: string) => new AwsServiceError('AccessDenied', 403, message);
const validation = (message: string) => new AwsServiceError('ValidationError', 400, message);

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

function getCallerIdentity(ctx: RequestContext): string {
  const p = ctx.principal;
  return el('Arn', p.arn) + el('UserId', p.userId) + el('Account', p.accountId);
}

function assumeRole(ctx: RequestContext, params: URLSearchParams): string {
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? '';
  const externalId = params.get('ExternalId') ?? undefined;
  const sourceIdentity = params.get('SourceIdentity') ?? undefined;
  const duration = params.get('DurationSeconds') === null ? 3600 : Number(params.get('DurationSeconds'));
  if (!SESSION_NAME.test(sessionName))
    throw validation("1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint");
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200)
    throw validation(
      "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200",
    );
  if (sourceIdentity !== undefined && !SESSION_NAME.test(sourceIdentity))
    throw validation("1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint");
  const m = ROLE_ARN.exec(roleArn);
  const denied = () =>
    accessDenied(
      `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  if (!m?.[1] || !m[2]) throw denied();
  const role = ctx.state.role(m[1], m[2]);
  if (!role) throw denied();
  if (role.trustedAccount && role.trustedAccount !== ctx.accountId) throw denied();
  if (role.trustedService && !role.trustedAccount) throw denied();
  if (role.externalId !== undefined && role.externalId !== externalId) throw denied();
  // A session that already has a source identity cannot change it (role chaining keeps it).
  const inherited = ctx.principal.session?.sourceIdentity;
  if (inherited && sourceIdentity && inherited !== sourceIdentity) throw denied();
  const at = ctx.state.now();
  const effectiveSource = sourceIdentity ?? inherited;
  if (role.requireSourceIdentity && !effectiveSource) throw denied();
  const p = ctx.state.issueSession(role, {
    roleArn,
    roleName: role.roleName,
    roleSessionName: sessionName,
    ...(externalId !== undefined ? { externalId } : {}),
    ...(effectiveSource !== undefined ? { sourceIdentity: effectiveSource } : {}),
    callerAccountId: ctx.accountId,
    durationSeconds: duration,
    at,
  });
  const creds =
    el('AccessKeyId', p.accessKeyId) +
    el('SecretAccessKey', p.secretAccessKey) +
    el('SessionToken', p.sessionToken ?? '') +
    el('Expiration', new Date(p.expiresAt ?? at).toISOString());
  return (
    (effectiveSource ? el('SourceIdentity', effectiveSource) : '') +
    `<AssumedRoleUser>${el('Arn', p.arn)}${el('AssumedRoleId', p.userId)}</AssumedRoleUser>` +
    `<Credentials>${creds}</Credentials>` +
    el('PackedPolicySize', 6)
  );
}

export function handleSts(ctx: RequestContext, operation: string, params: URLSearchParams): string {
  switch (operation) {
    case 'GetCallerIdentity':
      return getCallerIdentity(ctx);
    case 'AssumeRole':
      return assumeRole(ctx, params);
    default:
      throw new AwsServiceError(
        'InvalidAction',
        400,
        `Could not find operation ${operation} for version 2011-06-15`,
      );
  }
}
