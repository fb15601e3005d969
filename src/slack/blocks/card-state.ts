/**
 * What ecs-guard stored about a card; the finding card is a pure function of (finding, state).
 * Ids here are trusted (validated Slack ids or ids we generated); `outcome.message` is not.
 */
/** A remediation's name (src/remediations/); labels come from the registry through the renderer. */
export type CardAction = string;

export interface PendingRequest {
  requestId: string;
  action: CardAction;
  /** Slack user id (U…/W…) of the requester. */
  requesterId: string;
  /** Who may approve: Slack user ids (U…/W…) or user-group ids (S…). */
  approverMentions: string[];
  /** Epoch ms after which the request lapses. */
  expiresAt: number;
}

export interface ActionOutcome {
  requestId: string;
  action: CardAction;
  requesterId?: string;
  approverId?: string;
  /** Epoch ms the action finished (or failed). */
  at: number;
  ok: boolean;
  /** Result text, possibly from AWS or the finding (untrusted: escaped when rendered). */
  message: string;
  /** A failed action that may succeed if tried again (throttling, 5xx): shows Retry. */
  retryable: boolean;
  /** Succeeded and can be undone (its undo state is stored): shows Restore. */
  undoable?: boolean;
  /** This outcome is of a Restore (the undo of the action). */
  restore?: boolean;
}

export interface CardState {
  /** Opaque id stored as the value of the card's action buttons. */
  cardId: string;
  pending?: PendingRequest;
  /** Approved and queued (or running): no action buttons until the outcome is known. */
  running?: {
    requestId: string;
    action: CardAction;
    requesterId?: string;
    approverId: string;
    at: number;
    /**
     * Auto-contain: approved by ecs-guard under rule `rule`, runs at `runAt` unless cancelled
     * (the card shows the countdown and Cancel until the job starts).
     */
    runAt?: number;
    rule?: string;
  };
  outcome?: ActionOutcome;
  /** Archived (by a user through ecs-guard, or found archived in GuardDuty when `byId` is absent). */
  archived?: { byId?: string; at: number };
  /** The last pending request lapsed: the note shows and the normal buttons come back. */
  expired?: { requestId: string; at: number };
  /** The blast-radius line (safe mrkdwn from blastRadiusLine), worked out after the post. */
  blastRadius?: { line: string; at: number };
  /** How many times GuardDuty has updated the finding since the card was posted. */
  updatedCount?: number;
}
