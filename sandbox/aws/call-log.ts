import type { ServiceName } from './faults.js';

/** One request as the emulator saw it. `input` is the wire input (body, path labels, query). */
export interface CallRecord {
  service: ServiceName;
  operation: string;
  accountId: string | undefined;
  region: string | undefined;
  input: Record<string, unknown>;
  accessKeyId: string | undefined;
  at: number;
  /** HTTP status answered */
  status: number;
  /** AWS error code when the call failed */
  errorCode?: string;
  /** set when the caller used AssumeRole credentials */
  sourceIdentity?: string;
}

export type CallFilter = Partial<
  Pick<CallRecord, 'service' | 'operation' | 'accountId' | 'region' | 'accessKeyId'>
>;

export class CallLog {
  private readonly records: CallRecord[] = [];

  add(r: CallRecord): void {
    this.records.push(r);
  }

  list(filter: CallFilter = {}): CallRecord[] {
    const entries = Object.entries(filter).filter(([, v]) => v !== undefined) as [
      keyof CallRecord,
      unknown,
    ][];
    return this.records.filter((r) => entries.every(([k, v]) => r[k] === v));
  }

  clear(): void {
    this.records.length = 0;
  }
}
