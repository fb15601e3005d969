import type { App } from '@slack/bolt';
import type { AppContext } from '../../../context.js';
import { suppress } from '../../../remediations/suppress.js';
import { expiryMs } from '../../../suppressions/criteria.js';
import {
  REASON_MAX,
  REASON_MIN,
  readSuppressSubmission,
  SUPPRESS_FIELDS,
  SUPPRESS_VIEW,
} from '../../blocks/suppress-modal.js';
import { isCardId } from '../../card-store.js';
import type { Click } from '../actions/click.js';
import { handleRequestClick } from '../actions/request-click.js';

/** Validation errors of a submission, by block id (Slack shows them under the inputs). */
export function submissionErrors(v: ReturnType<typeof readSuppressSubmission>): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!v.scope) errors[SUPPRESS_FIELDS.scope.block] = 'Choose what to suppress.';
  if (!v.expiry || expiryMs(v.expiry) === undefined)
    errors[SUPPRESS_FIELDS.expiry.block] = 'Choose when it expires.';
  const reason = v.reason?.trim() ?? '';
  if (reason.length < REASON_MIN || reason.length > REASON_MAX)
    errors[SUPPRESS_FIELDS.reason.block] = `Give a reason of ${REASON_MIN}-${REASON_MAX} characters.`;
  return errors;
}

/**
 * The modal submitted: ack (with field errors if something is missing), then the request goes the
 * way every card request goes (policy, card claim, audit, job) with the collected input. The card
 * comes from the view's private_metadata and is looked up again; nothing in the view is trusted.
 */
export function registerSuppressView(app: App, ctx: AppContext): void {
  app.view(SUPPRESS_VIEW, async ({ ack, body, view }) => {
    const v = readSuppressSubmission(view.state?.values);
    const errors = submissionErrors(v);
    if (Object.keys(errors).length) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack();
    const cardId = typeof view.private_metadata === 'string' ? view.private_metadata : '';
    void ctx.work.run(async () => {
      const card = isCardId(cardId) ? await ctx.cards.get(cardId) : undefined;
      const userId = body.user?.id ?? '';
      const click: Click = {
        userId,
        ...(body.user?.name ? { userName: body.user.name.slice(0, 80) } : {}),
        channelId: card?.channel ?? '',
        ...(card?.ts ? { messageTs: card.ts } : {}),
        value: cardId,
      };
      if (!card || !/^[UW][A-Z0-9]{2,}$/.test(userId)) {
        ctx.log.warn({ cardId: cardId.slice(0, 40) }, 'suppress modal for an unknown card ignored');
        return;
      }
      try {
        await handleRequestClick(ctx, click, suppress, {
          scope: v.scope,
          expiry: v.expiry,
          reason: v.reason?.trim(),
        });
      } catch (err) {
        ctx.log.error({ err: (err as Error).message }, 'suppress submission failed');
      }
    });
  });
}
