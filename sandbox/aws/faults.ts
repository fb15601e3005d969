/**
 * Fault injection per operation. A fault with a `kind` fails the next `times` matching requests
 * in the service's own wire shape; `latencyMs` delays them first (alone, it only slows them down).
 */
export type FaultKind = 'throttle' | 'error5xx' | 'accessDenied';
export type ServiceName = 'guardduty' | 'ecs' | 'sts' | 'iam' | 's3';

export interface FaultSpec {
  operation: string;
  kind?: FaultKind;
  /** how many matching requests it applies to (default 1; Infinity for all) */
  times?: number;
  latencyMs?: number;
  service?: ServiceName;
  accountId?: string;
  region?: string;
}

export interface ActiveFault extends Required<Pick<FaultSpec, 'operation'>> {
  readonly id: number;
  spec: FaultSpec;
  remaining: number;
  hits: number;
}

export interface FaultMatch {
  service: ServiceName;
  operation: string;
  accountId: string | undefined;
  region: string | undefined;
}

export class Faults {
  private nextId = 1;
  private readonly active: ActiveFault[] = [];

  inject(spec: FaultSpec): ActiveFault {
    const f: ActiveFault = {
      id: this.nextId++,
      operation: spec.operation,
      spec,
      remaining: spec.times ?? 1,
      hits: 0,
    };
    this.active.push(f);
    return f;
  }

  /** Removes one fault, or all when called without one. */
  clear(fault?: ActiveFault): void {
    if (!fault) this.active.length = 0;
    else {
      const i = this.active.indexOf(fault);
      if (i >= 0) this.active.splice(i, 1);
    }
  }

  list(): readonly ActiveFault[] {
    return this.active;
  }

  /** Takes one use of the first fault matching the request, if any. */
  take(m: FaultMatch): FaultSpec | undefined {
    const f = this.active.find(
      (a) =>
        a.remaining > 0 &&
        (a.operation === m.operation || a.operation === '*') &&
        (!a.spec.service || a.spec.service === m.service) &&
        (!a.spec.accountId || a.spec.accountId === m.accountId) &&
        (!a.spec.region || a.spec.region === m.region),
    );
    if (!f) return undefined;
    f.remaining -= 1;
    f.hits += 1;
    if (f.remaining <= 0) this.clear(f);
    return f.spec;
  }
}
