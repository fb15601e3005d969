/**
 * Coded errors. Callers branch on `code`, never on message text (the way @slack/bolt does).
 */
export enum ErrorCode {
  ConfigError = 'ecs_guard_config_error',
  AwsError = 'ecs_guard_aws_error',
  NotAuthorized = 'ecs_guard_not_authorized',
  InvalidInput = 'ecs_guard_invalid_input',
  NotFound = 'ecs_guard_not_found',
  Conflict = 'ecs_guard_conflict',
}

export class EcsGuardError extends Error {
  readonly code: ErrorCode;
  /** The AWS operation that failed (`StopTask`), when the error comes from one (see `awsCall`). */
  operation?: string;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; operation?: string }) {
    super(message, options);
    this.name = 'EcsGuardError';
    this.code = code;
    if (options?.operation) this.operation = options.operation;
  }
}

export const isEcsGuardError = (e: unknown, code?: ErrorCode): e is EcsGuardError =>
  e instanceof EcsGuardError && (code === undefined || e.code === code);
