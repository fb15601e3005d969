/**
 * Block Kit action ids of the buttons the engine owns (a remediation's own button id is its
 * `button.actionId`, src/remediations/). Listeners are registered for exactly these.
 */
export const ACTION_ID = {
  approve: 'approve',
  reject: 'reject',
  retry: 'retry',
  restore: 'restore',
  /** Cancel an approved request before its (delayed) job runs: an auto-contain window. */
  cancel: 'cancel_request',
  ecsContext: 'ecs_context',
} as const;
