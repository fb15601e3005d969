import { describeAwsError } from '../src/aws/errors.js';
import { EcsGuardError, ErrorCode, isEcsGuardError } from '../src/errors.js';

/**
 * Runs one AWS call and turns a failure into an `ecs_guard_aws_error` whose message says, in
 * words, what failed and which permission or setting is missing (`describeAwsError`).
 */
export async function awsCall<T>(operation: string, where: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isEcsGuardError(err)) throw err;
    const info = describeAwsError(err, { operation });
    throw new EcsGuardError(ErrorCode.AwsError, `${operation} in ${where} failed: ${info.message}`, {
      cause: err,
    });
  }
}
