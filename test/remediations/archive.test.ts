// Archive's run() with a fake GuardDuty client: the home account's detector in the finding's
// region, ArchiveFindings with exactly this finding, and what a missing detector or IAM does.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failedOperation } from '../../src/aws/aws-call.js';
import { describeAwsError } from '../../src/aws/errors.js';
import { isEcsGuardError } from '../../src/errors.js';
import { archive } from '../../src/remediations/archive.js';
import { awsError } from '../helpers/fake-aws.js';
import { ACCOUNT, type FakeWorld, fakeWorld, REGION, run } from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

describe('archive run()', () => {
  let w: FakeWorld;
  beforeEach(() => {
    w = fakeWorld(redis);
  });

  it("archives the finding with the region's detector, as the administrator account", async () => {
    w.gd.on('ListDetectors', { DetectorIds: ['det-1', 'det-2'] });
    const out = await run(w, archive, { findingId: 'f0123456789abcdef', region: 'eu-west-1' });
    expect(w.gd.ops()).toEqual(['ListDetectors', 'ArchiveFindings']);
    expect(w.gd.inputs('ArchiveFindings')).toEqual([
      { DetectorId: 'det-1', FindingIds: ['f0123456789abcdef'] },
    ]);
    expect(out).toEqual({
      ok: true,
      message: `Finding f0123456789abcdef archived in GuardDuty (${ACCOUNT}, eu-west-1).`,
      awsRequestId: 'rid-ArchiveFindings-2',
    });
    // GuardDuty of the home account (no member role), in the finding's region.
    expect(w.identities).toEqual([{ kind: 'guardDuty', region: 'eu-west-1' }]);
    expect(w.ecs.calls).toEqual([]);
  });

  it('no detector in the region: thrown, recorded against ListDetectors, nothing archived', async () => {
    w.gd.on('ListDetectors', { DetectorIds: [] });
    const err = await run(w, archive, { findingId: 'f0123456789abcdef' }).catch((e: unknown) => e);
    expect(isEcsGuardError(err) && err.code).toBe('ecs_guard_not_found');
    expect(failedOperation(err)).toBe('ListDetectors');
    expect((err as Error).message).toContain(`GuardDuty has no detector in ${REGION}`);
    expect(w.gd.ops()).toEqual(['ListDetectors']);
  });

  it('AccessDenied on ArchiveFindings is thrown as not retryable, naming guardduty:ArchiveFindings', async () => {
    w.gd.on('ListDetectors', { DetectorIds: ['det-1'] }).on(
      'ArchiveFindings',
      awsError('AccessDeniedException', 'not authorized to perform guardduty:ArchiveFindings', {
        status: 403,
      }),
    );
    const err = await run(w, archive, { findingId: 'f0123456789abcdef' }).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('ArchiveFindings');
    const info = describeAwsError(err, { operation: 'ArchiveFindings' });
    expect(info).toMatchObject({ accessDenied: true, retryable: false });
    expect(info.message).toContain('the role needs guardduty:ArchiveFindings');
  });

  it('a GuardDuty 5xx is thrown as retryable', async () => {
    w.gd
      .on('ListDetectors', { DetectorIds: ['det-1'] })
      .on('ArchiveFindings', awsError('InternalServerErrorException', 'internal error', { status: 500 }));
    const err = await run(w, archive, { findingId: 'f0123456789abcdef' }).catch((e: unknown) => e);
    expect(describeAwsError(err).retryable).toBe(true);
  });

  it('a request without a finding is a failed outcome, with no AWS call', async () => {
    expect(await run(w, archive, {})).toEqual({ ok: false, message: 'The request names no finding.' });
    expect(w.gd.calls).toEqual([]);
  });
});
