import { AwsServiceError } from './aws-error.js';
import { el } from './query-xml.js';
import type { RequestContext } from './request-context.js';
import { type AwsState, type Principal, type RoleRecord, roleArnOf } from './state.js';

/**
 * awsQuery handlers for the IAM role operations ecs-guard uses (GetRole, Get/Put/Delete/
 * ListRolePolicies), with IAM's validation, limits and error codes. Results are XML fragments
 * placed inside `<OpResult>`; `undefined` = an operation without output.
 */

export const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const IAM_VERSION = '2010-05-08';

/** IAM's limit on a role's inline policies together, counted without whitespace. */
export const ROLE_INLINE_POLICY_LIMIT = 10_240;

const NAME = /^[\w+=,.@-]+$/;

const validation = (message: string) => new AwsServiceError('ValidationError', 400, message);
const noSuchEntity = (message: string) => new AwsServiceError('NoSuchEntity', 404, message);
const malformed = (message: string) => new AwsServiceError('MalformedPolicyDocument', 400, message);

function param(params: URLSearchParams, name: string, member: string, max: number): string {
  const v = params.get(name);
  if (v === null || v === '')
    throw validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  if (v.length > max)
    throw validation(
      `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  if (!NAME.test(v))
    throw validation(
      `1 validation error detected: Value '${v}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
    );
  return v;
}

/** RFC 3986 encoding, as IAM returns policy documents. */
export const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function roleOf(ctx: RequestContext, params: URLSearchParams): RoleRecord {
  const name = param(params, 'RoleName', 'roleName', 64);
  const role = ctx.state.role(ctx.accountId, name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

function trustPolicy(role: RoleRecord): string {
  const principal = role.trustedService
    ? { Service: role.trustedService }
    : { AWS: `arn:aws:iam::${role.trustedAccount ?? role.accountId}:root` };
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: principal,
        Action: 'sts:AssumeRole',
        ...(role.externalId ? { Condition: { StringEquals: { 'sts:ExternalId': role.externalId } } } : {}),
      },
    ],
  });
}

function getRole(ctx: RequestContext, params: URLSearchParams): string {
  const r = roleOf(ctx, params);
  return (
    `<Role>${el('Path', r.path)}${el('RoleName', r.roleName)}${el('RoleId', r.roleId)}${el('Arn', roleArnOf(r))}` +
    `${el('CreateDate', new Date(r.createdAt).toISOString())}${el('AssumeRolePolicyDocument', rfc3986(trustPolicy(r)))}` +
    `${el('MaxSessionDuration', 3600)}<RoleLastUsed/></Role>`
  );
}

const EFFECTS = ['Allow', 'Deny'];

/** The checks IAM makes of an identity policy that matter here: JSON, version, statement shape. */
function validatePolicy(doc: string): void {
  let v: unknown;
  try {
    v = JSON.parse(doc);
  } catch {
    throw malformed('Syntax errors in policy.');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw malformed('Syntax errors in policy.');
  const p = v as { Version?: unknown; Statement?: unknown };
  if (p.Version !== undefined && p.Version !== '2012-10-17' && p.Version !== '2008-10-17')
    throw malformed('The policy failed legacy parsing');
  if (p.Statement === undefined) throw malformed('Syntax errors in policy.');
  const statements = Array.isArray(p.Statement) ? p.Statement : [p.Statement];
  for (const s of statements as Record<string, unknown>[]) {
    if (!s || typeof s !== 'object') throw malformed('Syntax errors in policy.');
    if (!EFFECTS.includes(String(s.Effect))) throw malformed('Syntax errors in policy.');
    if (s.Principal !== undefined || s.NotPrincipal !== undefined)
      throw malformed('Policy document should not specify a principal.');
    if (s.Action === undefined && s.NotAction === undefined)
      throw malformed('Policy statement must contain actions.');
    if (s.Resource === undefined && s.NotResource === undefined)
      throw malformed('Policy statement must contain resources.');
  }
}

const nonWhitespace = (s: string) => s.replace(/\s/g, '').length;

function putRolePolicy(ctx: RequestContext, params: URLSearchParams): undefined {
  const role = roleOf(ctx, params);
  const name = param(params, 'PolicyName', 'policyName', 128);
  const doc = params.get('PolicyDocument');
  if (!doc)
    throw validation(
      "1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null",
    );
  if (role.path.startsWith('/aws-service-role/'))
    throw new AwsServiceError(
      'UnmodifiableEntity',
      400,
      `Cannot perform the operation on the protected role '${role.roleName}' - this role is only modifiable by AWS`,
    );
  validatePolicy(doc);
  let total = nonWhitespace(doc);
  for (const [n, d] of role.inlinePolicies) if (n !== name) total += nonWhitespace(d);
  if (total > ROLE_INLINE_POLICY_LIMIT)
    throw new AwsServiceError(
      'LimitExceeded',
      409,
      `Maximum policy size of ${ROLE_INLINE_POLICY_LIMIT} bytes exceeded for role ${role.roleName}`,
    );
  role.inlinePolicies.set(name, doc);
  return undefined;
}

function getRolePolicy(ctx: RequestContext, params: URLSearchParams): string {
  const role = roleOf(ctx, params);
  const name = param(params, 'PolicyName', 'policyName', 128);
  const doc = role.inlinePolicies.get(name);
  if (doc === undefined) throw noSuchEntity(`The role policy with name ${name} cannot be found.`);
  return el('RoleName', role.roleName) + el('PolicyName', name) + el('PolicyDocument', rfc3986(doc));
}

function deleteRolePolicy(ctx: RequestContext, params: URLSearchParams): undefined {
  const role = roleOf(ctx, params);
  const name = param(params, 'PolicyName', 'policyName', 128);
  if (!role.inlinePolicies.delete(name))
    throw noSuchEntity(`The role policy with name ${name} cannot be found.`);
  return undefined;
}

function listRolePolicies(ctx: RequestContext, params: URLSearchParams): string {
  const role = roleOf(ctx, params);
  const max = params.get('MaxItems') === null ? 100 : Number(params.get('MaxItems'));
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    throw validation(
      "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000",
    );
  const names = [...role.inlinePolicies.keys()].sort();
  const start = params.get('Marker') ? names.indexOf(params.get('Marker') as string) : 0;
  if (start < 0) throw validation('Invalid Marker.');
  const items = names.slice(start, start + max);
  const next = names[start + max];
  return (
    `<PolicyNames>${items.map((n) => el('member', n)).join('')}</PolicyNames>` +
    el('IsTruncated', next ? 'true' : 'false') +
    (next ? el('Marker', next) : '')
  );
}

export function handleIam(
  ctx: RequestContext,
  operation: string,
  params: URLSearchParams,
): string | undefined {
  switch (operation) {
    case 'GetRole':
      return getRole(ctx, params);
    case 'PutRolePolicy':
      return putRolePolicy(ctx, params);
    case 'GetRolePolicy':
      return getRolePolicy(ctx, params);
    case 'DeleteRolePolicy':
      return deleteRolePolicy(ctx, params);
    case 'ListRolePolicies':
      return listRolePolicies(ctx, params);
    default:
      throw new AwsServiceError(
        'InvalidAction',
        400,
        `Could not find operation ${operation} for version ${IAM_VERSION}`,
      );
  }
}

type Statement = { Effect?: string; Action?: unknown; Resource?: unknown; Condition?: unknown };

const hasStar = (v: unknown) => v === '*' || (Array.isArray(v) && v.includes('*'));

/**
 * Whether an inline policy of the session's role denies everything to it: a Deny of `*` on `*`,
 * unconditional or conditioned only on `DateLessThan aws:TokenIssueTime` later than the session's
 * issue time (IAM's "revoke active sessions"). The emulator evaluates only this shape; it is what
 * makes a revoked task-role session fail the way it does in AWS.
 */
export function sessionRevoked(state: AwsState, principal: Principal): boolean {
  const s = principal.session;
  if (!s) return false;
  const role = state.role(principal.accountId, s.roleName);
  if (!role) return false;
  for (const doc of role.inlinePolicies.values()) {
    let p: { Statement?: Statement | Statement[] };
    try {
      p = JSON.parse(doc);
    } catch {
      continue;
    }
    const statements = Array.isArray(p.Statement) ? p.Statement : p.Statement ? [p.Statement] : [];
    for (const st of statements) {
      if (st.Effect !== 'Deny' || !hasStar(st.Action) || !hasStar(st.Resource)) continue;
      if (st.Condition === undefined) return true;
      const cond = st.Condition as Record<string, Record<string, unknown>>;
      const keys = Object.keys(cond);
      const before = cond.DateLessThan?.['aws:TokenIssueTime'];
      if (keys.length === 1 && typeof before === 'string' && s.at < Date.parse(before)) return true;
    }
  }
  return false;
}
