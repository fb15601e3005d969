/**
 * An error the emulator answers with. `code` is the AWS error code the SDK maps to an exception
 * class (e.g. `ClusterNotFoundException`); each protocol renders it in its own wire shape.
 */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly status: number;
  /** GuardDuty puts a second, finer code in the body's `__type` (e.g. `InvalidInputException`). */
  readonly bodyType: string | undefined;
  /** STS `<Type>`: Sender for client faults, Receiver for service faults. */
  readonly fault: 'Sender' | 'Receiver';

  constructor(code: string, status: number, message: string, opts: { bodyType?: string } = {}) {
    super(message);
    this.name = 'AwsServiceError';
    this.code = code;
    this.status = status;
    this.bodyType = opts.bodyType;
    this.fault = status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** GuardDuty's usual 400: header BadRequestException, body `__type` InvalidInputException. */
export const gdBadRequest = (message: string): AwsServiceError =>
  new AwsServiceError('BadRequestException', 400, message, { bodyType: 'InvalidInputException' });

export const ecsInvalidParameter = (message: string): AwsServiceError =>
  new AwsServiceError('InvalidParameterException', 400, message);

export const ecsClusterNotFound = (): AwsServiceError =>
  new AwsServiceError('ClusterNotFoundException', 400, 'Cluster not found.');
