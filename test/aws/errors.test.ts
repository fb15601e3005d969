import {
  AccessDeniedException,
  ClusterNotFoundException,
  InvalidParameterException,
  ServerException,
} from '@aws-sdk/client-ecs';
import { BadRequestException, InternalServerErrorException } from '@aws-sdk/client-guardduty';
import { describe, expect, it } from 'vitest';
import { describeAwsError } from '../../src/aws/errors.js';
import { EcsGuardError, ErrorCode } from '../../src/errors.js';

const meta = (status: number, requestId = 'req-123') => ({ httpStatusCode: status, requestId });

describe('describeAwsError', () => {
  it('marks throttling retryable and keeps the request id', () => {
    const err = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: meta(400, 'abc-1'),
    });
    const info = describeAwsError(err);
    expect(info).toMatchObject({
      code: 'ThrottlingException',
      retryable: true,
      accessDenied: false,
      requestId: 'abc-1',
    });
    expect(info.message).toContain('ThrottlingException: Rate exceeded');
    expect(info.message).toContain('abc-1');
    expect(
      describeAwsError(
        Object.assign(new Error('slow'), { name: 'TooManyRequestsException', $metadata: meta(429) }),
      ).retryable,
    ).toBe(true);
  });

  it('marks 5xx retryable', () => {
    expect(describeAwsError(new ServerException({ message: 'boom', $metadata: meta(500) })).retryable).toBe(
      true,
    );
    expect(
      describeAwsError(new InternalServerErrorException({ message: 'x', $metadata: meta(503) }) as Error)
        .retryable,
    ).toBe(true);
    expect(
      describeAwsError(Object.assign(new Error('x'), { name: 'Weird', $metadata: meta(502) })).retryable,
    ).toBe(true);
    expect(
      describeAwsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).retryable,
    ).toBe(true);
  });

  it('access denied is not retryable and names the missing permission', () => {
    const err = new AccessDeniedException({
      message: 'not authorized to perform ecs:StopTask',
      $metadata: meta(400),
    });
    const info = describeAwsError(err, { operation: 'StopTask' });
    expect(info).toMatchObject({ code: 'AccessDeniedException', retryable: false, accessDenied: true });
    expect(info.hint).toBe('the role needs ecs:StopTask');
    expect(info.message).toContain('the role needs ecs:StopTask');
    for (const name of ['AccessDenied', 'UnauthorizedOperation']) {
      const i = describeAwsError(Object.assign(new Error('no'), { name, $metadata: meta(403) }), {
        operation: 'ArchiveFindings',
      });
      expect(i).toMatchObject({
        accessDenied: true,
        retryable: false,
        hint: 'the role needs guardduty:ArchiveFindings',
      });
    }
  });

  it('client errors are not retryable and explain themselves', () => {
    const nf = describeAwsError(
      new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: meta(400) }),
    );
    expect(nf).toMatchObject({ code: 'ClusterNotFoundException', retryable: false, accessDenied: false });
    expect(nf.hint).toMatch(/cluster no longer exists/);
    const ip = describeAwsError(new InvalidParameterException({ message: 'bad', $metadata: meta(400) }), {
      operation: 'StopTask',
    });
    expect(ip).toMatchObject({ retryable: false, accessDenied: false });
    expect(ip.hint).toMatch(/already be stopped/);
    expect(
      describeAwsError(new BadRequestException({ message: 'bad', $metadata: meta(400) }) as Error).retryable,
    ).toBe(false);
  });

  it('unwraps an EcsGuardError but keeps its message', () => {
    const cause = Object.assign(new Error('User x is not authorized to perform sts:AssumeRole'), {
      name: 'AccessDenied',
      $metadata: meta(403, 'sts-req'),
    });
    const wrapped = new EcsGuardError(ErrorCode.AwsError, 'cannot assume arn:aws:iam::1:role/R', { cause });
    const info = describeAwsError(wrapped);
    expect(info).toMatchObject({
      code: 'AccessDenied',
      accessDenied: true,
      retryable: false,
      requestId: 'sts-req',
    });
    expect(info.message.startsWith('cannot assume arn:aws:iam::1:role/R')).toBe(true);
  });

  it('survives non-errors', () => {
    expect(describeAwsError(undefined)).toMatchObject({ code: 'UnknownError', retryable: false });
    expect(describeAwsError('oops').message).toContain('oops');
  });

  it("never shows people a principal ARN (the bot's session, a role, a user); logs keep it", () => {
    const session = 'arn:aws:sts::111122223333:assumed-role/EcsGuardBot/i-0abc123';
    const role = 'arn:aws:iam::444455556666:role/path/EcsGuardResponder';
    const task = 'arn:aws:ecs:us-east-1:444455556666:task/prod/0123456789abcdef';
    const err = new AccessDeniedException({
      message: `User: ${session} is not authorized to perform: ecs:StopTask on resource: ${task} because no identity-based policy allows the ecs:StopTask action`,
      $metadata: meta(400),
    });
    const info = describeAwsError(err, { operation: 'StopTask' });
    expect(info.message).not.toContain('arn:aws:sts');
    expect(info.message).not.toContain('EcsGuardBot');
    expect(info.message).toContain('User: [principal] is not authorized to perform: ecs:StopTask');
    expect(info.message).toContain(task); // the resource stays: it says what was refused
    expect(info.message).toContain('the role needs ecs:StopTask');
    expect(info.logMessage).toContain(session);
    const wrapped = new EcsGuardError(ErrorCode.AwsError, `cannot assume ${role}, in us-east-1`, {
      cause: Object.assign(new Error(`User: ${session} is not authorized`), { name: 'AccessDenied' }),
    });
    const w = describeAwsError(wrapped);
    expect(w.message).toBe('cannot assume [principal], in us-east-1 (the role is missing a permission)');
    expect(w.logMessage).toContain(role);
  });
});
