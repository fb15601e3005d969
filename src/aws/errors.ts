import { isEcsGuardError } from '../errors.js';

export interface AwsErrorInfo {
  /** AWS error code (`ThrottlingException`, `AccessDeniedException`, …), or the Node error code. */
  code: string;
  /**
   * One line for people: what failed, why, and what to do. Never holds credentials, nor the
   * bot's principal ARN (or any IAM/STS principal ARN): those are `[principal]`.
   */
  message: string;
  /** The same line with the principal ARNs, for logs (operators need them; nothing secret). */
  logMessage: string;
  /** Worth trying again later (throttling, 5xx, network); the job queue retries these. */
  retryable: boolean;
  /** IAM refused the call: retrying will not help, the role's policy must change. */
  accessDenied: boolean;
  /** AWS request id of the failed call, for a support case or CloudTrail search. */
  requestId?: string;
  httpStatus?: number;
  /** What to do about it, e.g. "the role needs ecs:StopTask". */
  hint?: string;
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'LimitExceededException',
  'SlowDown',
]);
const TRANSIENT = new Set([
  'ServerException',
  'InternalServerErrorException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'IDPCommunicationErrorException',
  'ExpiredToken',
  'ExpiredTokenException',
]);
const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
const ACCESS_DENIED =
  /^(AccessDenied|UnauthorizedOperation|UnauthorizedAccess|UnrecognizedClient|InvalidClientTokenId|NotAuthorized)/;

/** An IAM or STS principal: a role, user or assumed-role session (`arn:aws:sts::1…:assumed-role/R/s`). */
const PRINCIPAL_ARN = /arn:aws[a-z-]*:(?:sts|iam)::\d{12}:[\w+=,.@/:-]*[\w+=@/-]/g;

/**
 * Hides principal ARNs in text shown to people: AWS names the caller ("User: arn:aws:sts::…:
 * assumed-role/… is not authorized…") and a clicker has no business learning the bot's role.
 */
export const hidePrincipalArns = (text: string): string => text.replace(PRINCIPAL_ARN, '[principal]');

/** IAM action an operation needs, for the "the role needs …" hint. */
const IAM_ACTION: Record<string, string> = {
  StopTask: 'ecs:StopTask',
  DescribeTasks: 'ecs:DescribeTasks',
  ListTasks: 'ecs:ListTasks',
  DescribeClusters: 'ecs:DescribeClusters',
  ListClusters: 'ecs:ListClusters',
  DescribeServices: 'ecs:DescribeServices',
  DescribeTaskDefinition: 'ecs:DescribeTaskDefinition',
  TagResource: 'ecs:TagResource',
  ListTagsForResource: 'ecs:ListTagsForResource',
  ListDetectors: 'guardduty:ListDetectors',
  GetDetector: 'guardduty:GetDetector',
  UpdateDetector: 'guardduty:UpdateDetector',
  ListFindings: 'guardduty:ListFindings',
  GetFindings: 'guardduty:GetFindings',
  ArchiveFindings: 'guardduty:ArchiveFindings',
  UnarchiveFindings: 'guardduty:UnarchiveFindings',
  ListCoverage: 'guardduty:ListCoverage',
  GetCoverageStatistics: 'guardduty:GetCoverageStatistics',
  CreateSampleFindings: 'guardduty:CreateSampleFindings',
  AssumeRole: 'sts:AssumeRole',
  GetCallerIdentity: 'sts:GetCallerIdentity',
};

interface SdkLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
  cause?: unknown;
}

/**
 * Classifies an AWS SDK v3 failure (or an EcsGuardError wrapping one) for retries, for the
 * Slack reply and for the audit record. `operation` (e.g. `StopTask`) sharpens the hint.
 */
export function describeAwsError(err: unknown, opts: { operation?: string } = {}): AwsErrorInfo {
  // An EcsGuardError (e.g. a failed AssumeRole) keeps its own message; the SDK error is its cause.
  const wrapper = isEcsGuardError(err) ? err : undefined;
  const e = ((wrapper?.cause ?? err) || {}) as SdkLikeError;
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
  const code = name ?? e.Code ?? e.code ?? (wrapper ? wrapper.code : 'UnknownError');
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  const accessDenied = ACCESS_DENIED.test(code) || (status === 403 && !THROTTLING.has(code));
  const retryable =
    !accessDenied &&
    (THROTTLING.has(code) ||
      TRANSIENT.has(code) ||
      NETWORK.has(e.code ?? '') ||
      status === 429 ||
      (status !== undefined && status >= 500) ||
      (e.$retryable !== undefined && e.$retryable !== null));
  const hint = hintFor(code, accessDenied, retryable, opts.operation);
  const base = (wrapper?.message ?? e.message ?? String(err)).replace(/\s+/g, ' ').trim();
  const logMessage = [
    wrapper || base.startsWith(code) ? base : `${code}: ${base}`,
    hint ? `(${hint})` : '',
    requestId ? `[request id ${requestId}]` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    code,
    message: hidePrincipalArns(logMessage),
    logMessage,
    retryable,
    accessDenied,
    ...(requestId ? { requestId } : {}),
    ...(status !== undefined ? { httpStatus: status } : {}),
    ...(hint ? { hint } : {}),
  };
}

function hintFor(
  code: string,
  accessDenied: boolean,
  retryable: boolean,
  operation?: string,
): string | undefined {
  if (accessDenied) {
    const action = operation ? IAM_ACTION[operation] : undefined;
    if (action === 'sts:AssumeRole') return 'check the role trust policy and external id';
    return action ? `the role needs ${action}` : 'the role is missing a permission';
  }
  if (code === 'ClusterNotFoundException') return 'the cluster no longer exists in that account and region';
  if (code === 'InvalidParameterException' && operation === 'StopTask') {
    return 'the task may already be stopped or its ARN is not valid';
  }
  if (code === 'InvalidParameterException' || code === 'BadRequestException')
    return 'AWS rejected the request';
  if (code === 'ResourceNotFoundException') return 'the resource no longer exists';
  if (code === 'RegionDisabledException') return 'STS is not activated in that region for the account';
  if (retryable)
    return THROTTLING.has(code) ? 'AWS is throttling; it will be retried' : 'a temporary AWS failure';
  return undefined;
}
