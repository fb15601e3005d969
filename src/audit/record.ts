import { EcsGuardError, ErrorCode } from '../errors.js';

/** What happened. Every step of a request's life, plus commands and coverage changes. */
export const AUDIT_EVENTS = [
  'requested',
  'approved',
  'rejected',
  'expired',
  'refused',
  'executed',
  'failed',
  'retried',
  'archived',
  'context-viewed',
  'command',
  'enabled',
  'disabled',
  'step',
  'restored',
  'evidence',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** `ok` done; `denied` not allowed by policy; `error` attempted and failed; `pending` waiting on someone. */
export type AuditOutcome = 'ok' | 'denied' | 'error' | 'pending';

export interface AuditActor {
  /** Slack user id, or `system` for the bot's own steps (expiry, retries). */
  id: string;
  name?: string;
}

export interface AuditTarget {
  accountId?: string;
  region?: string;
  cluster?: string;
  taskArn?: string;
  findingId?: string;
  requestId?: string;
}

export type AuditDetail = Record<string, string | number | boolean | null | string[]>;

export interface AuditInput {
  actor: AuditActor;
  /** The action concerned: `stop-task`, `archive`, `enable`, `disable`, `context`, `command`, … */
  action: string;
  event: AuditEvent;
  target?: AuditTarget;
  outcome: AuditOutcome;
  reason?: string;
  awsRequestId?: string;
  /** Small, flat extras (command text, attempt number). Capped at DETAIL_MAX_BYTES. */
  detail?: AuditDetail;
}

export interface AuditRecord {
  /** Position in the chain, from 1. */
  seq: number;
  /** ISO time of the append. */
  time: string;
  actor: AuditActor;
  action: string;
  event: AuditEvent;
  target: AuditTarget;
  outcome: AuditOutcome;
  reason?: string;
  awsRequestId?: string;
  detail?: AuditDetail;
  /** Hash of the previous record (GENESIS_HASH for the first). */
  prev: string;
  /** SHA-256 over the canonical JSON of this record including `prev`. */
  hash: string;
  /** Redis stream entry id (storage, not hashed); set on records read back. */
  id?: string;
}

export const DETAIL_MAX_BYTES = 2048;
const TEXT_MAX = 500;
const TARGET_KEYS = ['accountId', 'region', 'cluster', 'taskArn', 'findingId', 'requestId'] as const;

const clip = (s: string, n = TEXT_MAX): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Validates and trims an input into the record body (everything but seq/prev/hash). Pure.
 * Oversized text is clipped and an oversized detail replaced by a marker, so a hostile
 * command line can neither bloat the stream nor make the append fail.
 */
export function auditBody(
  input: AuditInput,
  nowMs: number,
): Omit<AuditRecord, 'seq' | 'prev' | 'hash' | 'id'> {
  if (!input?.actor?.id) throw new EcsGuardError(ErrorCode.InvalidInput, 'audit: actor.id is required');
  if (!input.action) throw new EcsGuardError(ErrorCode.InvalidInput, 'audit: action is required');
  if (!(AUDIT_EVENTS as readonly string[]).includes(input.event)) {
    throw new EcsGuardError(ErrorCode.InvalidInput, `audit: unknown event "${String(input.event)}"`);
  }
  const target: AuditTarget = {};
  for (const k of TARGET_KEYS) {
    const v = input.target?.[k];
    if (typeof v === 'string' && v) target[k] = clip(v);
  }
  let detail = input.detail;
  if (detail && JSON.stringify(detail).length > DETAIL_MAX_BYTES) {
    detail = { truncated: true, bytes: JSON.stringify(detail).length };
  }
  return {
    time: new Date(nowMs).toISOString(),
    actor: input.actor.name
      ? { id: clip(input.actor.id, 64), name: clip(input.actor.name, 200) }
      : { id: clip(input.actor.id, 64) },
    action: clip(input.action, 64),
    event: input.event,
    target,
    outcome: input.outcome,
    ...(input.reason ? { reason: clip(input.reason) } : {}),
    ...(input.awsRequestId ? { awsRequestId: clip(input.awsRequestId, 128) } : {}),
    ...(detail && Object.keys(detail).length ? { detail } : {}),
  };
}
