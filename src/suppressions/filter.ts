/**
 * The GuardDuty side of a suppression: the filter (action ARCHIVE) in the administrator account's
 * detector of the finding's region. Both calls are idempotent: CreateFilter carries a client token
 * derived from the request and an existing filter of ours counts as created; deleting a filter
 * that is already gone counts as deleted.
 */
import {
  CreateFilterCommand,
  DeleteFilterCommand,
  GetFilterCommand,
  type GuardDutyClient,
} from '@aws-sdk/client-guardduty';
import { describeAwsError } from '../aws/errors.js';
import type { Criterion } from './criteria.js';

/** GuardDuty's 400 (a filter name taken or missing), whether or not `call` wrapped the SDK error. */
const isBadRequest = (err: unknown) => describeAwsError(err).code === 'BadRequestException';

type Call = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;
const direct: Call = (_op, fn) => fn();

async function filterExists(
  gd: GuardDutyClient,
  detectorId: string,
  name: string,
  call: Call,
): Promise<boolean> {
  try {
    await call('GetFilter', () =>
      gd.send(new GetFilterCommand({ DetectorId: detectorId, FilterName: name })),
    );
    return true;
  } catch (err) {
    if (isBadRequest(err)) return false;
    throw err;
  }
}

export async function createSuppressionFilter(
  gd: GuardDutyClient,
  p: { detectorId: string; name: string; description: string; criterion: Criterion },
  call: Call = direct,
): Promise<{ created: boolean; awsRequestId?: string }> {
  try {
    const out = await call('CreateFilter', () =>
      gd.send(
        new CreateFilterCommand({
          DetectorId: p.detectorId,
          Name: p.name,
          Description: p.description,
          Action: 'ARCHIVE',
          FindingCriteria: { Criterion: p.criterion },
          ClientToken: p.name.slice(0, 64),
        }),
      ),
    );
    return { created: true, ...(out.$metadata.requestId ? { awsRequestId: out.$metadata.requestId } : {}) };
  } catch (err) {
    // A re-run after a crash: the filter of this request is already there.
    if (isBadRequest(err) && (await filterExists(gd, p.detectorId, p.name, call))) return { created: false };
    throw err;
  }
}

export async function deleteSuppressionFilter(
  gd: GuardDutyClient,
  p: { detectorId: string; name: string },
  call: Call = direct,
): Promise<{ deleted: boolean }> {
  try {
    await call('DeleteFilter', () =>
      gd.send(new DeleteFilterCommand({ DetectorId: p.detectorId, FilterName: p.name })),
    );
    return { deleted: true };
  } catch (err) {
    if (isBadRequest(err) && !(await filterExists(gd, p.detectorId, p.name, call))) return { deleted: false };
    throw err;
  }
}
