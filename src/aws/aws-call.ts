import { EcsGuardError, ErrorCode, isEcsGuardError } from '../errors.js';
import { describeAwsError } from './errors.js';

/**
 * THE way to record which AWS call failed: runs one call and turns a failure into an
 * `ecs_guard_aws_error` that names the operation (`error.operation`) and says, in words, what
 * failed and which permission or setting is missing (`describeAwsError`). The SDK error stays
 * the `cause`, so retry classification (throttling, 5xx, access denied) still sees it.
 */
export async function awsCall<T>(operation: string, where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isEcsGuardError(err)) {
      err.operation ??= operation;
      throw err;
    }
    const info = describeAwsError(err, { operation });
    throw new EcsGuardError(ErrorCode.AwsError, `${operation} in ${where} failed: ${info.message}`, {
      cause: err,
      operation,
    });
  }
}

/** The operation an error was recorded against by `awsCall`, if any. */
export const failedOperation = (err: unknown): string | undefined =>
  isEcsGuardError(err) ? err.operation : undefined;
