/**
 * Fault injection for the Slack emulator: the next N calls of a method fail the way Slack fails.
 * `'429'` answers HTTP 429 with `Retry-After`, `'500'` an HTTP 500, `'invalid_auth'` (or any other
 * `kind: 'error'` with `error`) an HTTP 200 `{ ok: false, error }`.
 */

export type FaultKind = '429' | '500' | 'invalid_auth' | 'error';

export interface FaultSpec {
  /** Web API method (`chat.postMessage`) or `response_url`; `*` matches every method. */
  method: string;
  kind: FaultKind;
  /** How many calls fail (default 1). */
  times?: number;
  /** Seconds for the Retry-After header of a 429 (default 1). */
  retryAfter?: number;
  /** Slack error code for kind 'error' (e.g. 'channel_not_found'). */
  error?: string;
  /** Only calls to this channel. */
  channel?: string;
}

export interface Fault {
  status: number;
  body: { ok: false; error: string };
  headers: Record<string, string>;
}

interface Armed extends FaultSpec {
  remaining: number;
}

export class Faults {
  private armed: Armed[] = [];

  inject(spec: FaultSpec): void {
    this.armed.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
  }

  /** Faults still to fire. */
  pending(): FaultSpec[] {
    return this.armed
      .filter((f) => f.remaining > 0)
      .map(({ remaining, ...spec }) => ({ ...spec, times: remaining }));
  }

  /** Consumes and returns the first matching fault for this call, if any. */
  take(method: string, channel?: string): Fault | null {
    const f = this.armed.find(
      (a) =>
        a.remaining > 0 &&
        (a.method === method || a.method === '*') &&
        (a.channel === undefined || a.channel === channel),
    );
    if (!f) return null;
    f.remaining -= 1;
    switch (f.kind) {
      case '429':
        return {
          status: 429,
          body: { ok: false, error: 'ratelimited' },
          headers: { 'retry-after': String(f.retryAfter ?? 1) },
        };
      case '500':
        return { status: 500, body: { ok: false, error: 'internal_error' }, headers: {} };
      case 'invalid_auth':
        return { status: 200, body: { ok: false, error: 'invalid_auth' }, headers: {} };
      default:
        return { status: 200, body: { ok: false, error: f.error ?? 'fatal_error' }, headers: {} };
    }
  }
}
