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
};

export const faultError = (service: ServiceName, kind: FaultKind): AwsServiceError => FAULTS[service][kind]();

export function unrecognizedClient(service: ServiceName): AwsServiceError {
  if (service === 'sts')
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
  return new AwsServiceError(
    'ExpiredTokenException',
    service === 'ecs' ? 400 : 403,
    'The security token included in the request is expired',
  );
}
