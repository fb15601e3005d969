import { type Clock, systemClock } from '../clock.js';
import { EcsGuardError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Keyspace, Redis } from '../redis.js';
import { GENESIS_HASH, recordHash } from './hash.js';
import { type AuditInput, type AuditRecord, auditBody } from './record.js';

export interface AuditFilter {
  /** Newest records to return (default 50, at most 1000). */
  limit?: number;
  userId?: string;
  cluster?: string;
  findingId?: string;
  requestId?: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  /** Records checked before the verdict. */
  checked: number;
  problem?: string;
  /** Stream entry id (or `head`) where the problem was found. */
  at?: string;
}

/**
 * Compare-and-append: the record is appended only if the chain head is still the one its `prev`
 * was computed from. Redis Lua has no SHA-256, so Node hashes and Redis only checks and appends;
 * a loser re-reads the head and tries again. KEYS: stream, head. ARGV: expected head, new head, json.
 */
const APPEND_SCRIPT = `
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
local id = redis.call('XADD', KEYS[1], '*', 'r', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
return {1, id}
`;

const MAX_ATTEMPTS = 10_000;
const PAGE = 500;

/** Head value: `<seq>:<hash>` of the last record ('' for an empty chain). */
const formatHead = (seq: number, hash: string) => `${seq}:${hash}`;
function parseHead(head: string): { seq: number; hash: string } {
  if (!head) return { seq: 0, hash: GENESIS_HASH };
  const i = head.indexOf(':');
  return { seq: Number(head.slice(0, i)), hash: head.slice(i + 1) };
}

/**
 * The append-only, hash-chained audit trail: a Redis stream (`audit`) plus its head
 * (`audit:head`). Each record carries the previous record's hash, so editing, removing,
 * inserting or reordering any record breaks the chain that `verify()` walks.
 * With Redis Cluster the prefix needs a hash tag (`{ecs-guard}`) so both keys share a slot.
 */
export class AuditTrail {
  private readonly redis: Redis;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly streamKey: string;
  private readonly headKey: string;
  /** Last head this process saw; a stale value only costs one retry. */
  private head: string | undefined;
  /** Appends from one process run one at a time, so cross-process contention is all that retries. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(opts: { redis: Redis; keys: Keyspace; log: Logger; clock?: Clock }) {
    this.redis = opts.redis;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.streamKey = opts.keys('audit');
    this.headKey = opts.keys('audit', 'head');
  }

  append(input: AuditInput): Promise<AuditRecord> {
    const run = this.tail.then(
      () => this.appendNow(input),
      () => this.appendNow(input),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async appendNow(input: AuditInput): Promise<AuditRecord> {
    const body = auditBody(input, this.clock());
    this.head ??= (await this.redis.get(this.headKey)) ?? '';
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const expected = this.head;
      const { seq, hash: prev } = parseHead(expected);
      const unhashed = { ...body, seq: seq + 1, prev };
      const record: AuditRecord = { ...unhashed, hash: recordHash(unhashed) };
      const [ok, value] = (await this.redis.eval(
        APPEND_SCRIPT,
        2,
        this.streamKey,
        this.headKey,
        expected,
        formatHead(record.seq, record.hash),
        JSON.stringify(record),
      )) as [number, string];
      if (ok === 1) {
        this.head = formatHead(record.seq, record.hash);
        const stored = { ...record, id: value };
        this.log.info({ audit: stored }, 'audit');
        return stored;
      }
      this.head = value; // another process appended first: chain onto its record
    }
    throw new EcsGuardError(ErrorCode.Conflict, `audit: could not append after ${MAX_ATTEMPTS} attempts`);
  }

  /** Newest first, filtered. Scans backwards page by page until `limit` records match. */
  async list(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const limit = Math.max(1, Math.min(filter.limit ?? 50, 1000));
    const out: AuditRecord[] = [];
    let end = '+';
    for (;;) {
      const page = await this.redis.xrevrange(this.streamKey, end, '-', 'COUNT', PAGE);
      for (const [id, fields] of page) {
        const record = parseEntry(id, fields);
        if (record && matches(record, filter)) {
          out.push(record);
          if (out.length >= limit) return out;
        }
      }
      if (page.length < PAGE) return out;
      end = `(${page[page.length - 1]![0]}`;
    }
  }

  /**
   * Walks the whole stream oldest first: every record's hash must match its content, its `prev`
   * the record before it and its `seq` the position; the head must name the last record.
   */
  async verify(): Promise<AuditVerifyResult> {
    let prev = GENESIS_HASH;
    let seq = 0;
    let start = '-';
    for (;;) {
      const page = await this.redis.xrange(this.streamKey, start, '+', 'COUNT', PAGE);
      for (const [id, fields] of page) {
        const fail = (problem: string): AuditVerifyResult => ({ ok: false, checked: seq, problem, at: id });
        const record = parseEntry(id, fields);
        if (!record) return fail('record is not valid JSON');
        if (record.prev !== prev) {
          return fail(
            `record ${seq + 1}: prev does not match the previous record (removed, inserted or reordered)`,
          );
        }
        if (record.seq !== seq + 1)
          return fail(`record ${seq + 1}: sequence is ${record.seq}, expected ${seq + 1}`);
        if (recordHash(record) !== record.hash)
          return fail(`record ${seq + 1}: hash does not match its content (edited)`);
        prev = record.hash;
        seq++;
      }
      if (page.length < PAGE) break;
      start = `(${page[page.length - 1]![0]}`;
    }
    const head = (await this.redis.get(this.headKey)) ?? '';
    if (head !== (seq === 0 ? '' : formatHead(seq, prev))) {
      const h = parseHead(head);
      return {
        ok: false,
        checked: seq,
        problem: `head names record ${h.seq} but the stream ends at record ${seq} (last record removed?)`,
        at: 'head',
      };
    }
    return { ok: true, checked: seq };
  }
}

function parseEntry(id: string, fields: string[]): AuditRecord | null {
  const i = fields.indexOf('r');
  const raw = i >= 0 ? fields[i + 1] : undefined;
  if (raw === undefined) return null;
  try {
    const r = JSON.parse(raw) as AuditRecord;
    return r && typeof r === 'object' ? { ...r, id } : null;
  } catch {
    return null;
  }
}

function matches(r: AuditRecord, f: AuditFilter): boolean {
  return (
    (!f.userId || r.actor?.id === f.userId) &&
    (!f.cluster || r.target?.cluster === f.cluster) &&
    (!f.findingId || r.target?.findingId === f.findingId) &&
    (!f.requestId || r.target?.requestId === f.requestId)
  );
}
