// Suppress similar's run() and undo with a fake GuardDuty client: one ARCHIVE filter in the
// administrator account's detector, its criteria built from the stored finding and the scope, its
// name and description from the request; the suppression recorded; undo deletes the filter.
import { BadRequestException } from '@aws-sdk/client-guardduty';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { failedOperation } from '../../src/aws/aws-call.js';
import { describeAwsError } from '../../src/aws/errors.js';
import { suppress } from '../../src/remediations/suppress.js';
import { FIELD, filterNameFor } from '../../src/suppressions/criteria.js';
import { activeSuppressions, getSuppression } from '../../src/suppressions/store.js';
import { awsError } from '../helpers/fake-aws.js';
import {
  ACCOUNT,
  type FakeWorld,
  fakeWorld,
  finding,
  NOW,
  REGION,
  run,
  seedFinding,
  undo,
} from '../helpers/fake-run.js';
import { testRedis } from '../helpers/redis.js';

const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});

const REQ = 'r0123456789abcdef01234567';
const f = finding();
const target = { findingId: f.id, cluster: 'prod', cardId: `c${'1'.repeat(24)}` };
const input = { scope: 'image', expiry: '7d', reason: 'known scanner in CI' };
const badRequest = (message: string) =>
  new BadRequestException({ message, $metadata: { httpStatusCode: 400, requestId: 'rid-bad' } });

describe('suppress run()', () => {
  let w: FakeWorld;
  beforeEach(async () => {
    w = fakeWorld(redis);
    await seedFinding(w, f);
    w.gd.on('ListDetectors', { DetectorIds: ['det-1'] });
  });

  it('creates one ARCHIVE filter with the criteria of the chosen scope, named after the request', async () => {
    const out = await run(w, suppress, target, input);
    expect(w.gd.ops()).toEqual(['ListDetectors', 'CreateFilter']);
    const [filter] = w.gd.inputs('CreateFilter');
    const name = filterNameFor(REQ);
    const expiresAt = NOW - 1000 + 7 * 86_400_000; // approvedAt + 7 days
    expect(filter).toEqual({
      DetectorId: 'det-1',
      Name: name,
      Description: `ecs-guard suppression approved by alice (UAPPROVER1) (requested by UREQUESTER) until ${new Date(expiresAt).toISOString()}. Reason: known scanner in CI`,
      Action: 'ARCHIVE',
      FindingCriteria: {
        Criterion: {
          [FIELD.type]: { Equals: ['Execution:Runtime/ReverseShell'] },
          [FIELD.account]: { Equals: [ACCOUNT] },
          [FIELD.cluster]: { Equals: ['prod'] },
          [FIELD.image]: { Equals: [f.container?.image] },
        },
      },
      ClientToken: name.slice(0, 64),
    });
    expect(out).toMatchObject({
      ok: true,
      awsRequestId: 'rid-CreateFilter-2',
      detail: { filterName: name, scope: 'image', expiresAt, reason: 'known scanner in CI' },
      undo: { filterName: name, region: REGION, suppressionId: REQ },
    });
    expect(out.message).toMatch(
      /^Suppressed by alice: Execution:Runtime\/ReverseShell on cluster prod .* from image /,
    );
    expect(w.identities).toEqual([{ kind: 'guardDuty', region: REGION }]);
    // Recorded for /ecs-guard suppressions and the sweeper (by expiry).
    expect(await getSuppression(w.ctx, REQ)).toMatchObject({
      filterName: name,
      scope: 'image',
      expiresAt,
      approverId: 'UAPPROVER1',
      requesterId: 'UREQUESTER',
      cardId: target.cardId,
    });
    expect((await activeSuppressions(w.ctx)).map((s) => s.id)).toEqual([REQ]);
  });

  it('a re-run finds the filter step done: no second CreateFilter', async () => {
    await run(w, suppress, target, input);
    await run(w, suppress, target, input);
    expect(w.gd.ops().filter((o) => o === 'CreateFilter')).toHaveLength(1);
  });

  // "Already exists" is told from the error's code: `call` (awsCall) wraps the SDK's exception.
  it('a re-run after a crash between CreateFilter and the stored step counts the existing filter as created', async () => {
    w.gd.on(
      'CreateFilter',
      badRequest('The request is rejected because a filter with this name already exists.'),
    );
    w.gd.on('GetFilter', { Name: filterNameFor(REQ), Action: 'ARCHIVE' });
    const out = await run(w, suppress, target, input);
    expect(out.ok).toBe(true);
  });

  it('AccessDenied on CreateFilter is thrown (not retryable) and nothing is recorded', async () => {
    w.gd.on(
      'CreateFilter',
      awsError('AccessDeniedException', 'not authorized to perform guardduty:CreateFilter', { status: 403 }),
    );
    const err = await run(w, suppress, target, input).catch((e: unknown) => e);
    expect(failedOperation(err)).toBe('CreateFilter');
    expect(describeAwsError(err)).toMatchObject({ accessDenied: true, retryable: false });
    expect(await getSuppression(w.ctx, REQ)).toBeUndefined();
  });

  it('an unknown finding, or a scope the finding cannot give, is a failed outcome with no AWS call', async () => {
    expect(await run(w, suppress, { ...target, findingId: 'fgone' }, input)).toEqual({
      ok: false,
      message: 'The finding of this request is no longer known to ecs-guard.',
    });
    await seedFinding(w, finding({ id: 'fplain', container: { name: 'app' }, process: { lineage: [] } }));
    expect(await run(w, suppress, { ...target, findingId: 'fplain' }, input)).toEqual({
      ok: false,
      message: 'This finding cannot be suppressed by image.',
    });
    expect(w.gd.calls).toEqual([]);
  });

  it('the input schema requires a reason of the allowed length and a known expiry', () => {
    expect(suppress.input.safeParse({ scope: 'cluster', expiry: '7d', reason: 'no' }).success).toBe(false);
    expect(
      suppress.input.safeParse({ scope: 'cluster', expiry: '1y', reason: 'a good reason' }).success,
    ).toBe(false);
    expect(
      suppress.input.safeParse({ scope: 'cluster', expiry: '1d', reason: 'a good reason' }).success,
    ).toBe(true);
  });
});

describe('suppress undo()', () => {
  let w: FakeWorld;
  const state = { filterName: filterNameFor(REQ), region: 'eu-west-1', suppressionId: REQ };
  beforeEach(async () => {
    w = fakeWorld(redis);
    await seedFinding(w, f);
    w.gd.on('ListDetectors', { DetectorIds: ['det-1'] });
    await run(w, suppress, target, input);
    w.gd.calls.length = 0;
  });

  it("deletes the filter in the stored region's detector and drops the suppression", async () => {
    const out = await undo(w, suppress, state);
    expect(w.gd.calls).toEqual([
      { op: 'ListDetectors', input: {} },
      { op: 'DeleteFilter', input: { DetectorId: 'det-1', FilterName: filterNameFor(REQ) } },
    ]);
    expect(w.identities.at(-1)).toEqual({ kind: 'guardDuty', region: REGION });
    expect(out).toEqual({
      ok: true,
      message: `Suppression removed: GuardDuty filter ${filterNameFor(REQ)} deleted; matching findings reach Slack again.`,
    });
    expect(await activeSuppressions(w.ctx)).toEqual([]);
  });

  // "Already gone" likewise, behind `call`.
  it('a filter already gone (someone deleted it in the console) is removed all the same', async () => {
    w.gd.on(
      'DeleteFilter',
      badRequest('The request is rejected because the input filter name does not exist.'),
    );
    w.gd.on('GetFilter', badRequest('The request is rejected because the input filter name does not exist.'));
    const out = await undo(w, suppress, state);
    expect(out.message).toContain('was already gone');
  });
});
