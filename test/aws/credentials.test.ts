import { describe, expect, it } from 'vitest';
import { memberRoleArn, roleSessionName, sanitiseSourceIdentity } from '../../src/aws/credentials.js';
import { isEcsGuardError } from '../../src/errors.js';

describe('roleSessionName', () => {
  it('is readable, within STS limits', () => {
    expect(roleSessionName()).toBe('ecs-guard');
    expect(roleSessionName('stop-task')).toBe('ecs-guard-stop-task');
    expect(roleSessionName('stop task/now!')).toBe('ecs-guard-stop-task-now');
    const long = roleSessionName('x'.repeat(200));
    expect(long.length).toBe(64);
    expect(long).toMatch(/^[\w+=,.@-]+$/);
  });
});

describe('sanitiseSourceIdentity', () => {
  it('keeps Slack ids, replaces disallowed characters, caps at 64', () => {
    expect(sanitiseSourceIdentity('U012ABCDEF')).toBe('U012ABCDEF');
    expect(sanitiseSourceIdentity('Ana Lopez <ana@x.io>')).toBe('Ana_Lopez__ana@x.io_');
    expect(sanitiseSourceIdentity('y'.repeat(100))).toHaveLength(64);
    expect(sanitiseSourceIdentity('aws:root')).toMatch(/^u_aws/);
    expect(sanitiseSourceIdentity('U')).toBe('u_U');
    expect(sanitiseSourceIdentity('')).toBeUndefined();
    expect(sanitiseSourceIdentity(undefined)).toBeUndefined();
  });
});

describe('memberRoleArn', () => {
  it('substitutes the account id', () => {
    expect(memberRoleArn('arn:aws:iam::{accountId}:role/EcsGuardResponder', '222233334444')).toBe(
      'arn:aws:iam::222233334444:role/EcsGuardResponder',
    );
  });
  it('refuses a fixed role in another account', () => {
    expect(() => memberRoleArn('arn:aws:iam::111122223333:role/R', '222233334444')).toThrow(/\{accountId\}/);
    try {
      memberRoleArn('arn:aws:iam::111122223333:role/R', '222233334444');
    } catch (e) {
      expect(isEcsGuardError(e)).toBe(true);
    }
  });
});
