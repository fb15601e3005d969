import { AwsServiceError } from './aws-error.js';
import type { FaultKind, ServiceName } from './faults.js';

/** Errors whose code differs per protocol: faults and authentication failures. */

/** Who was refused what: AWS names both in an access-denied message. */
export interface DeniedCall {
  principalArn: string;
  operation: string;
}

/** AWS's wording: "User: <principal ARN> is not authorized to perform: <action> because …". */
const denied = (service: ServiceName, d: DeniedCall) =>
  `User: ${d.principalArn} is not authorized to perform: ${ACTION_PREFIX[service]}:${d.operation} because no identity-based policy allows the ${ACTION_PREFIX[service]}:${d.operation} action`;

const FAULTS: Record<ServiceName, Record<FaultKind, (d: DeniedCall) => AwsServiceError>> = {
  guardduty: {
    throttle: () => new AwsServiceError('TooManyRequestsException', 429, 'Rate exceeded'),
    error5xx: () => new AwsServiceError('InternalServerErrorException', 500, 'Internal server error'),
    accessDenied: (d) => new AwsServiceError('AccessDeniedException', 403, denied('guardduty', d)),
  },
  ecs: {
    throttle: () => new AwsServiceError('ThrottlingException', 400, 'Rate exceeded'),
    error5xx: () =>
      new AwsServiceError('ServerException', 500, 'Service Unavailable. Please try again later.'),
    accessDenied: (d) => new AwsServiceError('AccessDeniedException', 400, denied('ecs', d)),
  },
  sts: {
    throttle: () => new AwsServiceError('Throttling', 400, 'Rate exceeded'),
    error5xx: () => new AwsServiceError('InternalFailure', 500, 'An internal error occurred.'),
    accessDenied: (d) => new AwsServiceError('AccessDenied', 403, denied('sts', d)),
  },
  iam: {
    throttle: () => new AwsServiceError('Throttling', 400, 'Rate exceeded'),
    error5xx: () =>
      new AwsServiceError(
        'ServiceFailure',
        500,
        'The request processing has failed because of an unknown error.',
      ),
    accessDenied: (d) => new AwsServiceError('AccessDenied', 403, denied('iam', d)),
  },
  s3: {
    throttle: () => new AwsServiceError('SlowDown', 503, 'Please reduce your request rate.'),
    error5xx: () =>
      new AwsServiceError('InternalError', 500, 'We encountered an internal error. Please try again.'),
    accessDenied: () => new AwsServiceError('AccessDenied', 403, 'Access Denied'),
  },
};

const ACTION_PREFIX: Record<ServiceName, string> = {
  guardduty: 'guardduty',
  ecs: 'ecs',
  sts: 'sts',
  iam: 'iam',
  s3: 's3',
};

/** An identity policy's explicit deny, in the service's access-denied shape. */
export function explicitDeny(service: ServiceName, principalArn: string, operation: string): AwsServiceError {
  const e = FAULTS[service].accessDenied({ principalArn, operation });
  return new AwsServiceError(
    e.code,
    e.status,
    `User: ${principalArn} is not authorized to perform: ${ACTION_PREFIX[service]}:${operation} with an explicit deny in an identity-based policy`,
  );
}

export const faultError = (service: ServiceName, kind: FaultKind, call: DeniedCall): AwsServiceError =>
  FAULTS[service][kind](call);

export function unrecognizedClient(service: ServiceName): AwsServiceError {
  if (service === 's3')
    return new AwsServiceError(
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  if (service === 'sts' || service === 'iam')
    return new AwsServiceError(
      'InvalidClientTokenId',
      403,
      'The security token included in the request is invalid.',
    );
  return new AwsServiceError(
    'UnrecognizedClientException',
    service === 'ecs' ? 400 : 403,
    'The security token included in the request is invalid.',
  );
}

export function expiredToken(service: ServiceName): AwsServiceError {
  if (service === 's3') return new AwsServiceError('ExpiredToken', 400, 'The provided token has expired.');
  if (service === 'sts')
    return new AwsServiceError('ExpiredToken', 400, 'The security token included in the request is expired');
  if (service === 'iam')
    return new AwsServiceError('ExpiredToken', 403, 'The security token included in the request is expired');
  return new AwsServiceError(
    'ExpiredTokenException',
    service === 'ecs' ? 400 : 403,
    'The security token included in the request is expired',
  );
}
