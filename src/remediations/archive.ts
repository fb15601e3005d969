import { ArchiveFindingsCommand, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import type { Job } from 'bullmq';
import type { AppContext } from '../context.js';
import { type ActionJobData, registerActionProcessor } from '../queue/action-jobs.js';
import { handleJobError } from '../queue/job-errors.js';
import { startRequestJob } from '../queue/request-job.js';
import { finishRequest } from '../requests/finish.js';

/**
 * Archives the finding of an approved request. Only the GuardDuty administrator can archive a
 * member's findings, so the call uses the home account's detector in the finding's region.
 * ArchiveFindings is idempotent, so a job re-run after a crash is harmless.
 */
export async function archiveJob(ctx: AppContext, job: Job<ActionJobData>): Promise<string> {
  const start = await startRequestJob(ctx, job);
  if (!start.run) return start.result;
  const { deps, req } = start;
  let op = 'ListDetectors';
  try {
    const gd = await ctx.aws.guardDuty({ region: req.region });
    const detectors = await gd.send(new ListDetectorsCommand({}));
    const detectorId = detectors.DetectorIds?.[0];
    if (!detectorId) {
      await finishRequest(ctx, deps, req, {
        ok: false,
        retryable: false,
        message: `GuardDuty has no detector in ${req.region} for the home account.`,
      });
      return 'no detector';
    }
    op = 'ArchiveFindings';
    const out = await gd.send(
      new ArchiveFindingsCommand({ DetectorId: detectorId, FindingIds: [req.findingId] }),
    );
    const message = `Finding ${req.findingId} archived in GuardDuty (${req.accountId}, ${req.region}).`;
    await finishRequest(ctx, deps, req, {
      ok: true,
      retryable: false,
      message,
      ...(out.$metadata.requestId ? { awsRequestId: out.$metadata.requestId } : {}),
    });
    return message;
  } catch (err) {
    return handleJobError(ctx, job, req, err, op);
  }
}

registerActionProcessor('archive', archiveJob);
