import { AwsServiceError } from './aws-error.js';
import type { FaultKind, ServiceName } from './faults.js';

/** Errors whose code differs per protocol: faults and authentication failures. */

const FAULTS: Record<ServiceName, Record<FaultKind, () => AwsServiceError>> = {
  guardduty: {
    throttle: () => new AwsServiceError('TooManyRequestsException', 429, 'Rate exceeded'),
    error5xx: () => new AwsServiceError('InternalServerErrorException', 500, 'Internal server error'),
    accessDenied: () =>
      new AwsServiceError('AccessDeniedException', 403, 'User is not authorized to perform this action.'),
  },
  ecs: {
    throttle: () => new AwsServiceError('ThrottlingException', 400, 'Rate exceeded'),
    error5xx: () =>
      new AwsServiceError('ServerException', 500, 'Service Unavailable. Please try again later.'),
    accessDenied: () =>
      new AwsServiceError('AccessDeniedException', 400, 'User is not authorized to perform this action.'),
  },
  sts: {
    throttle: () => new AwsServiceError('Throttling', 400, 'Rate exceeded'),
    error5xx: () => new AwsServiceError('InternalFailure', 500, 'An internal error occurred.'),
    accessDenied: () =>
      new AwsServiceError('AccessDenied', 403, 'User is not authorized to perform this action.'),
  },
  iam: {
    throttle: () => new AwsServiceError('Throttling', 400, 'Rate exceeded'),
    error5xx: () =>
      new AwsServiceError(
        'ServiceFailure',
        500,
        'The request processing has failed because of an unknown error.',
      ),
    accessDenied: () =>
      new AwsServiceError('AccessDenied', 403, 'User is not authorized to perform this action.'),
  },
};

const ACTION_PREFIX: Record<ServiceName, string> = {
  guardduty: 'guardduty',
  ecs: 'ecs',
  sts: 'sts',
  iam: 'iam',
};

/** An identity policy's explicit deny, in the service's access-denied shape. */
export function explicitDeny(service: ServiceName, principalArn: string, operation: string): AwsServiceError {
  const e = FAULTS[service].accessDenied();
  return new AwsServiceError(
    e.code,
    e.status,
    `User: ${principalArn} is not authorized to perform: ${ACTION_PREFIX[service]}:${operation} with an explicit deny in an identity-based policy`,
  );
}

export const faultError = (service: ServiceName, kind: FaultKind): AwsServiceError => FAULTS[service][kind]();

export function unrecognizedClient(service: ServiceName): AwsServiceError {
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
