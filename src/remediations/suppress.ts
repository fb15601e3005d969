import { z } from 'zod';
import { detectorIdOf } from '../aws/coverage.js';
import { REASON_MAX, REASON_MIN } from '../slack/blocks/suppress-modal.js';
import {
  EXPIRY_CHOICES,
  expiryMs,
  filterDescription,
  filterNameFor,
  scopeOptions,
} from '../suppressions/criteria.js';
import { createSuppressionFilter, deleteSuppressionFilter } from '../suppressions/filter.js';
import { dropSuppression, saveSuppression } from '../suppressions/store.js';
import { defineRemediation } from './types.js';

/** Block Kit action id of the "Suppress similar" card button (it opens the modal). */
export const SUPPRESS_ACTION = 'suppress_similar';
/** Block Kit action id of **Remove** in `/ecs-guard suppressions` (the Restore of the request). */
export const REMOVE_SUPPRESSION_ACTION = 'suppression_remove';

const expiryValues = EXPIRY_CHOICES.map((c) => c.value) as [string, ...string[]];

/**
 * Suppress similar: a GuardDuty suppression rule (filter, action ARCHIVE) in the administrator
 * account's detector of the finding's region, with criteria built server-side from the stored
 * finding and the chosen scope (type + account + cluster, optionally + image or + executable),
 * named after the request and described with the approver, the requester, the reason and the
 * expiry. The reason and the expiry come from the modal and are required. Restore (the card's
 * button, **Remove** in `/ecs-guard suppressions`, or the sweeper at expiry) deletes the filter.
 */
export const suppress = defineRemediation({
  name: 'suppress',
  label: 'Suppress similar',
  target: 'finding',
  iamActions: [
    'guardduty:ListDetectors',
    'guardduty:CreateFilter',
    'guardduty:GetFilter',
    'guardduty:DeleteFilter',
  ],
  input: z.object({
    scope: z.enum(['cluster', 'image', 'process']),
    expiry: z.enum(expiryValues),
    reason: z.string().trim().min(REASON_MIN).max(REASON_MAX),
  }),
  approval: { needsApproval: false, twoPerson: false, requesters: 'approvers' },
  button: {
    actionId: SUPPRESS_ACTION,
    on: 'finding-card',
    approveText:
      'A GuardDuty suppression rule (filter, action ARCHIVE) is created in the administrator account: matching new findings are archived and do not reach Slack until it expires.',
  },
  async run({ ctx, request, input, target, call, guardDuty, step }) {
    const rec = await ctx.findings.findOf(target);
    if (!rec) return { ok: false, message: 'The finding of this request is no longer known to ecs-guard.' };
    const option = scopeOptions(rec.finding).find((o) => o.scope === input.scope);
    if (!option) return { ok: false, message: `This finding cannot be suppressed by ${input.scope}.` };
    const ms = expiryMs(input.expiry) ?? 86_400_000;
    const expiresAt = (request.approvedAt ?? request.createdAt) + ms;
    const name = filterNameFor(request.requestId);
    const approver = request.approverName ?? request.approverId ?? 'unknown';
    const gd = await guardDuty();
    const detectorId = await call('ListDetectors', () => detectorIdOf(gd, target.region));
    const created = await step('create-filter', () =>
      createSuppressionFilter(
        gd,
        {
          detectorId,
          name,
          description: filterDescription({
            approver: `${approver} (${request.approverId ?? '?'})`,
            requester: request.requesterName ?? request.requesterId,
            reason: input.reason,
            expiresAt,
          }),
          criterion: option.criterion,
        },
        call,
      ),
    );
    await saveSuppression(ctx, {
      id: request.requestId,
      filterName: name,
      accountId: target.accountId,
      region: target.region,
      cluster: rec.finding.clusterName ?? '',
      findingType: rec.finding.type,
      scope: option.scope,
      summary: option.summary,
      criterion: option.criterion,
      reason: input.reason,
      requesterId: request.requesterId,
      approverId: request.approverId ?? request.requesterId,
      createdAt: ctx.clock(),
      expiresAt,
      ...(request.cardId ? { cardId: request.cardId } : {}),
    });
    return {
      ok: true,
      message: `Suppressed by ${approver}: ${option.summary}, until ${new Date(expiresAt).toISOString()} (GuardDuty filter ${name}, action ARCHIVE). Reason: ${input.reason}`,
      ...(created.awsRequestId ? { awsRequestId: created.awsRequestId } : {}),
      detail: { filterName: name, scope: option.scope, expiresAt, reason: input.reason.slice(0, 300) },
      undo: { filterName: name, region: target.region, suppressionId: request.requestId },
    };
  },
  undo: {
    async run({ ctx, input, call, guardDuty, target }) {
      const name = String(input.filterName ?? '');
      const region = String(input.region ?? target.region);
      const gd = await guardDuty();
      const detectorId = await call('ListDetectors', () => detectorIdOf(gd, region));
      const r = await deleteSuppressionFilter(gd, { detectorId, name }, call);
      await dropSuppression(ctx, String(input.suppressionId ?? ''));
      return {
        ok: true,
        message: r.deleted
          ? `Suppression removed: GuardDuty filter ${name} deleted; matching findings reach Slack again.`
          : `Suppression removed: GuardDuty filter ${name} was already gone.`,
      };
    },
  },
});
