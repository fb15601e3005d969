import { describe, expect, it } from 'vitest';
import type { ActionRule } from '../../src/config.js';
import { canApprove, canReject, canRequest, canRetry, isIn } from '../../src/requests/policy.js';

const groups = new Map([['SGROUP1', new Set(['UGROUPIE'])]]);
const member = (p: string[], u: string) => isIn(p, u, groups);
const stop: ActionRule = { approvers: ['UAPPROVER', 'SGROUP1'], twoPerson: true, needsApproval: true };

describe('policy', () => {
  it('lets anyone request when requesters is unset, only listed people otherwise', () => {
    expect(canRequest(stop, 'UANYONE1', 'Stop task', member).ok).toBe(true);
    const d = canRequest({ ...stop, requesters: ['UONLYME1'] }, 'UANYONE1', 'Stop task', member);
    expect(d).toEqual({ ok: false, reason: expect.stringContaining('requesters') });
  });
  it('single-person actions need an approver to click', () => {
    const archive: ActionRule = { approvers: ['UAPPROVER'], twoPerson: false, needsApproval: false };
    expect(canRequest(archive, 'UAPPROVER', 'Archive', member).ok).toBe(true);
    expect(canRequest(archive, 'UOTHER01', 'Archive', member)).toMatchObject({ ok: false });
    expect(canRequest({ ...archive, approvers: [] }, 'UOTHER01', 'Archive', member)).toMatchObject({
      reason: expect.stringContaining('ECS_GUARD_APPROVERS'),
    });
  });
  it('approval: approvers (direct or through a group), never your own under two-person', () => {
    expect(canApprove(stop, 'UAPPROVER', 'UREQ0001', 'Stop task', member).ok).toBe(true);
    expect(canApprove(stop, 'UGROUPIE', 'UREQ0001', 'Stop task', member).ok).toBe(true);
    expect(canApprove(stop, 'UOUTSIDE', 'UREQ0001', 'Stop task', member)).toMatchObject({
      reason: expect.stringContaining('not an approver'),
    });
    expect(canApprove(stop, 'UAPPROVER', 'UAPPROVER', 'Stop task', member)).toMatchObject({
      reason: expect.stringContaining('second person'),
    });
    expect(canApprove({ ...stop, twoPerson: false }, 'UAPPROVER', 'UAPPROVER', 'Stop task', member).ok).toBe(
      true,
    );
    expect(canApprove({ ...stop, approvers: [] }, 'UAPPROVER', 'UREQ0001', 'Stop task', member).ok).toBe(
      false,
    );
  });
  it('reject: approvers or the requester; retry: approvers only', () => {
    expect(canReject(stop, 'UREQ0001', 'UREQ0001', member).ok).toBe(true);
    expect(canReject(stop, 'UGROUPIE', 'UREQ0001', member).ok).toBe(true);
    expect(canReject(stop, 'UOUTSIDE', 'UREQ0001', member).ok).toBe(false);
    expect(canRetry(stop, 'UOUTSIDE', 'Stop task', member).ok).toBe(false);
    expect(canRetry(stop, 'UGROUPIE', 'Stop task', member).ok).toBe(true);
  });
});
