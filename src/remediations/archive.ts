import { ArchiveFindingsCommand } from '@aws-sdk/client-guardduty';
import { z } from 'zod';
import { detectorIdOf } from '../aws/coverage.js';
import { defineRemediation } from './types.js';

/**
 * Archive: archives the finding in GuardDuty. Only the administrator can archive a member's
 * findings, so the call uses the home account's detector in the finding's region.
 * ArchiveFindings is idempotent, so a job re-run after a crash is harmless.
 */
export const archive = defineRemediation({
  name: 'archive',
  label: 'Archive',
  target: 'finding',
  iamActions: ['guardduty:ListDetectors', 'guardduty:ArchiveFindings'],
  input: z.object({}),
  approval: { needsApproval: false, twoPerson: false, requesters: 'approvers' },
  doneEvent: 'archived',
  button: {
    actionId: 'archive',
    on: 'finding-card',
    confirm: {
      title: 'Archive this finding?',
      text: 'The finding will be archived in GuardDuty.',
      button: 'Archive',
    },
    approveText: 'The finding will be archived in GuardDuty.',
  },
  async run({ target, call, guardDuty }) {
    const findingId = target.findingId;
    if (!findingId) return { ok: false, message: 'The request names no finding.' };
    const gd = await guardDuty();
    const detectorId = await call('ListDetectors', () => detectorIdOf(gd, target.region));
    const out = await call('ArchiveFindings', () =>
      gd.send(new ArchiveFindingsCommand({ DetectorId: detectorId, FindingIds: [findingId] })),
    );
    return {
      ok: true,
      message: `Finding ${findingId} archived in GuardDuty (${target.accountId}, ${target.region}).`,
      ...(out.$metadata.requestId ? { awsRequestId: out.$metadata.requestId } : {}),
    };
  },
});
