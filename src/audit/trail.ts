import { type Clock, systemClock } from '../clock.js';
import { EcsGuardError, ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Keyspace, Redis } from '../redis.js';
import type { Anchor, AnchorLog } from './anchor-log.js';
import { GENESIS_HASH, macEquals, recordHash } from './hash.js';
import { type AuditInput, type AuditRecord, auditBody } from './record.js';
import type { AuditExport } from './s3-export.js';

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
  /** Stream entry id (or `head`, `anchors`, `export`, `start`) where the problem was found. */
  at?: string;
  /** What the external anchors said (absent when no anchor log is configured). */
  anchors?: { where: string; read: number; matched: number; newestSeq?: number; ignored: number };
  /** Records before this sequence were trimmed (behind an anchor). */
  trimmedThrough?: number;
  /** A caveat for people (e.g. "not anchored"). */
  note?: string;
  /** Records copied to the export (ECS_GUARD_AUDIT_BUCKET) so far, when one is configured. */
  exported?: { where: string; throughSeq: number };
}

/**
 * Compare-and-append: the record is appended only if the chain head is still the one its `prev`
 * was computed from, and its stream id is added to the per-request and per-finding indexes in
 * the same step. Node computes the HMAC; Redis only checks and appends; a loser re-reads the head
 * and tries again. KEYS: stream, head, index lists… ARGV: expected head, new head, json, index TTL ms.
 */
const APPEND_SCRIPT = `
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
local id = redis.call('XADD', KEYS[1], '*', 'r', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
for i = 3, #KEYS do
  redis.call('RPUSH', KEYS[i], id)
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
return {1, id}
`;

/** The head and the stream id of the record it names, read together. KEYS: stream, head. */
const HEAD_SCRIPT = `
local head = redis.call('GET', KEYS[2]) or ''
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local id = ''
if last[1] then id = last[1][1] end
return {head, id}
`;

/**
 * Trims the stream up to and including an anchored record and records the new start (the
 * anchored record's seq, hash and anchor ts), in one step. KEYS: stream, base, anchors zset.
 * ARGV: first id to keep, base value, anchor score.
 */
const TRIM_SCRIPT = `
redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3])
return 1
`;

const MAX_ATTEMPTS = 10_000;
/** Records per exported object. */
const EXPORT_BATCH = 5000;
const PAGE = 500;
/** Index entries read per filtered list (a finding with more records lists its newest). */
const INDEX_READ = 1000;

/** Head value: `<seq>:<hash>` of the last record ('' for an empty chain). */
const formatHead = (seq: number, hash: string) => `${seq}:${hash}`;
function parseHead(head: string): { seq: number; hash: string } {
  if (!head) return { seq: 0, hash: GENESIS_HASH };
  const i = head.indexOf(':');
  return { seq: Number(head.slice(0, i)), hash: head.slice(i + 1) };
}
/** Base (trimmed start) value: `<seq>:<hash>:<anchor ts>`. */
function parseBase(base: string | null): { seq: number; hash: string; ts?: string } {
  if (!base) return { seq: 0, hash: GENESIS_HASH };
  const [seq, hash, ts] = base.split(':');
  return { seq: Number(seq), hash: hash ?? '', ...(ts ? { ts } : {}) };
}
/** The smallest stream id after `id` (`ms-n` → `ms-(n+1)`), for XTRIM MINID. */
function nextStreamId(id: string): string {
  const [ms, n] = id.split('-');
  return `${ms}-${Number(n) + 1}`;
}

export interface AuditTrailOptions {
  redis: Redis;
  keys: Keyspace;
  log: Logger;
  clock?: Clock;
  /** The HMAC key (ECS_GUARD_AUDIT_HMAC_KEY). */
  key: string;
  /** Where heads are anchored outside Redis (ECS_GUARD_AUDIT_CHANNEL); none = not anchored. */
  anchors?: AnchorLog;
  /** Where the records themselves are copied at each anchor tick (ECS_GUARD_AUDIT_BUCKET). */
  exporter?: AuditExport;
  /** Audit records (and their indexes) older than this are trimmed, behind an anchor (default 365 days). */
  retentionMs?: number;
}

/**
 * The append-only, HMAC-chained audit trail: a Redis stream (`audit`), its head (`audit:head`),
 * per-request and per-finding indexes, and anchors of the head outside Redis. Each record's hash
 * is HMAC(key, prev ‖ record), so editing, removing, inserting or reordering any record breaks
 * the chain `verify()` walks, nobody without the key can re-hash a rewrite, and the anchors catch
 * what a key holder or a deleter of the newest records could still do.
 * With Redis Cluster the prefix needs a hash tag (`{ecs-guard}`) so the keys share a slot.
 */
export class AuditTrail {
  private readonly redis: Redis;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly keys: Keyspace;
  private readonly key: string;
  private readonly streamKey: string;
  private readonly headKey: string;
  private readonly baseKey: string;
  private readonly anchorsKey: string;
  readonly anchors: AnchorLog | undefined;
  readonly exporter: AuditExport | undefined;
  private readonly retentionMs: number;
  /** Last head this process saw; a stale value only costs one retry. */
  private head: string | undefined;
  /** Appends from one process run one at a time, so cross-process contention is all that retries. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(opts: AuditTrailOptions) {
    if (!opts.key) throw new EcsGuardError(ErrorCode.ConfigError, 'audit: an HMAC key is required');
    this.redis = opts.redis;
    this.log = opts.log;
    this.clock = opts.clock ?? systemClock;
    this.keys = opts.keys;
    this.key = opts.key;
    this.anchors = opts.anchors;
    this.exporter = opts.exporter;
    this.retentionMs = opts.retentionMs ?? 365 * 86_400_000;
    this.streamKey = opts.keys('audit');
    this.headKey = opts.keys('audit', 'head');
    this.baseKey = opts.keys('audit', 'base');
    this.anchorsKey = opts.keys('audit', 'anchors');
  }

  private indexKey(kind: 'request' | 'finding', id: string): string {
    return this.keys('audit', `by-${kind}`, id);
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
    const indexes = [
      ...(body.target.requestId ? [this.indexKey('request', body.target.requestId)] : []),
      ...(body.target.findingId ? [this.indexKey('finding', body.target.findingId)] : []),
    ];
    this.head ??= (await this.redis.get(this.headKey)) ?? '';
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const expected = this.head;
      const { seq, hash: prev } = parseHead(expected);
      const unhashed = { ...body, seq: seq + 1, prev };
      const record: AuditRecord = { ...unhashed, hash: recordHash(this.key, unhashed) };
      const [ok, value] = (await this.redis.eval(
        APPEND_SCRIPT,
        2 + indexes.length,
        this.streamKey,
        this.headKey,
        ...indexes,
        expected,
        formatHead(record.seq, record.hash),
        JSON.stringify(record),
        String(this.retentionMs),
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

  /**
   * Newest first, filtered. A request or finding filter reads that index (cost independent of
   * the stream's length); other filters scan backwards page by page until `limit` match.
   */
  async list(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const limit = Math.max(1, Math.min(filter.limit ?? 50, 1000));
    const indexKey = filter.requestId
      ? this.indexKey('request', filter.requestId)
      : filter.findingId
        ? this.indexKey('finding', filter.findingId)
        : undefined;
    if (indexKey) return this.listIndexed(indexKey, filter, limit);
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

  private async listIndexed(indexKey: string, filter: AuditFilter, limit: number): Promise<AuditRecord[]> {
    const ids = await this.redis.lrange(indexKey, -INDEX_READ, -1);
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.xrange(this.streamKey, id, id);
    const res = (await pipe.exec()) ?? [];
    const out: AuditRecord[] = [];
    for (let i = res.length - 1; i >= 0 && out.length < limit; i--) {
      const [err, entries] = res[i] as [Error | null, [string, string[]][]];
      const entry = err ? undefined : entries?.[0];
      if (!entry) continue; // trimmed
      const record = parseEntry(entry[0], entry[1]);
      if (record && matches(record, filter)) out.push(record);
    }
    return out;
  }

  /** The head record (`seq`, `hash`) and its stream id, read together. */
  private async headWithId(): Promise<{ seq: number; hash: string; id: string }> {
    const [head, id] = (await this.redis.eval(HEAD_SCRIPT, 2, this.streamKey, this.headKey)) as [
      string,
      string,
    ];
    return { ...parseHead(head), id };
  }

  /**
   * Posts the current head to the anchor log if it changed since the last anchor, then trims
   * what is older than the retention behind an anchor. At most once per `minIntervalMs` across
   * every replica (a Redis lock); returns the anchor posted, if any.
   */
  async anchor(minIntervalMs = 0): Promise<Anchor | undefined> {
    if (!this.anchors && !this.exporter) return undefined;
    if (minIntervalMs > 0) {
      const got = await this.redis.set(
        this.keys('audit', 'anchor', 'lock'),
        '1',
        'PX',
        Math.max(1, minIntervalMs - 500),
        'NX',
      );
      if (got !== 'OK') return undefined;
    }
    const head = await this.headWithId();
    const lastKey = this.keys('audit', 'anchor', 'last');
    let posted: Anchor | undefined;
    if (this.anchors && head.seq > 0 && (await this.redis.get(lastKey)) !== formatHead(head.seq, head.hash)) {
      const { ts } = await this.anchors.post({ seq: head.seq, hash: head.hash });
      posted = { seq: head.seq, hash: head.hash, ts };
      await this.redis
        .multi()
        .set(lastKey, formatHead(head.seq, head.hash))
        .zadd(this.anchorsKey, this.clock(), `${head.seq}:${head.hash}:${head.id}:${ts}`)
        .exec();
      this.log.info({ seq: head.seq, where: this.anchors.where }, 'audit head anchored');
    }
    await this.exportNew();
    await this.trim();
    return posted;
  }

  /** `<seq>:<stream id>` of the last record copied to the export, if any. */
  private async exportedThrough(): Promise<{ seq: number; id: string }> {
    const v = await this.redis.get(this.keys('audit', 'export', 'last'));
    if (!v) return { seq: 0, id: '' };
    const i = v.indexOf(':');
    return { seq: Number(v.slice(0, i)), id: v.slice(i + 1) };
  }

  /**
   * Copies the records appended since the last export to the exporter, oldest first, in batches
   * of consecutive records. A batch is marked done only after the exporter took it: a failure (or
   * a crash) exports it again next time (a second version of the same object under Object Lock).
   */
  async exportNew(): Promise<number> {
    if (!this.exporter) return 0;
    let n = 0;
    for (;;) {
      const { id } = await this.exportedThrough();
      const page = await this.redis.xrange(this.streamKey, id ? `(${id}` : '-', '+', 'COUNT', EXPORT_BATCH);
      const records = page
        .map(([entryId, fields]) => parseEntry(entryId, fields))
        .filter((r): r is AuditRecord => !!r);
      const tail = page[page.length - 1]?.[0];
      if (!records.length || !tail) return n;
      const { key } = await this.exporter.put(records);
      const last = records[records.length - 1] as AuditRecord;
      await this.redis.set(this.keys('audit', 'export', 'last'), `${last.seq}:${tail}`);
      this.log.info(
        { through: last.seq, records: records.length, key, where: this.exporter.where },
        'audit exported',
      );
      n += records.length;
      if (page.length < EXPORT_BATCH) return n;
    }
  }

  /**
   * Trims records older than the retention, but only up to the newest anchor posted before the
   * cutoff: verify can then start from that anchored record. Without anchors nothing is trimmed.
   */
  async trim(): Promise<number> {
    const cutoff = this.clock() - this.retentionMs;
    const [newest, score] = await this.redis.zrevrangebyscore(
      this.anchorsKey,
      cutoff,
      '-inf',
      'WITHSCORES',
      'LIMIT',
      0,
      1,
    );
    if (!newest || !score) return 0;
    const [seqText, hash, id, ts] = newest.split(':') as [string, string, string, string];
    const base = parseBase(await this.redis.get(this.baseKey));
    if (Number(seqText) <= base.seq) return 0;
    // Nothing leaves Redis before the export has it.
    if (this.exporter && (await this.exportedThrough()).seq < Number(seqText)) return 0;
    const before = await this.redis.xlen(this.streamKey);
    await this.redis.eval(
      TRIM_SCRIPT,
      3,
      this.streamKey,
      this.baseKey,
      this.anchorsKey,
      nextStreamId(id),
      `${seqText}:${hash}:${ts}`,
      score,
    );
    const trimmed = before - (await this.redis.xlen(this.streamKey));
    this.log.info({ through: Number(seqText), trimmed }, 'audit trimmed behind an anchor');
    return trimmed;
  }

  /**
   * Walks the stream oldest first: every record's HMAC must match its content, its `prev` the
   * record before it and its `seq` the position; the head must name the last record; and every
   * anchor read back from outside Redis must name a record the chain still has, with that hash.
   */
  async verify(): Promise<AuditVerifyResult> {
    const base = parseBase(await this.redis.get(this.baseKey));
    let anchors: Anchor[] | undefined;
    let ignored = 0;
    if (this.anchors) {
      try {
        const read = await this.anchors.read(base.ts ? { at: base.ts } : {});
        anchors = read.anchors;
        ignored = read.ignored;
      } catch (err) {
        return {
          ok: false,
          checked: 0,
          problem: `cannot read the anchors from ${this.anchors.where}: ${(err as Error).message}`,
          at: 'anchors',
        };
      }
    }
    // The newest record the export holds (read back from S3): one more anchor outside Redis.
    let exportHead: { seq: number; hash: string; key: string } | undefined;
    if (this.exporter) {
      try {
        exportHead = await this.exporter.newest();
      } catch (err) {
        return {
          ok: false,
          checked: 0,
          problem: `cannot read the export from ${this.exporter.where}: ${(err as Error).message}`,
          at: 'export',
        };
      }
    }
    const exportWhere = this.exporter?.where ?? '';
    const exported = this.exporter
      ? { exported: { where: exportWhere, throughSeq: exportHead?.seq ?? 0 } }
      : {};
    const bySeq = new Map((anchors ?? []).map((a) => [a.seq, a]));
    const where = this.anchors?.where ?? '';
    const summary = (matched: number) =>
      anchors
        ? {
            anchors: {
              where,
              read: anchors.length,
              matched,
              ignored,
              ...(anchors[0] ? { newestSeq: anchors[0].seq } : {}),
            },
          }
        : {};
    const trimmed = base.seq > 0 ? { trimmedThrough: base.seq } : {};
    let matched = 0;
    if (base.seq > 0 && anchors) {
      const a = bySeq.get(base.seq);
      if (!a || !macEquals(a.hash, base.hash)) {
        return {
          ok: false,
          checked: 0,
          problem: `the chain starts after record ${base.seq} (trimmed) but no anchor in ${where} names that record with that hash (start moved or forged)`,
          at: 'start',
          ...summary(0),
          ...trimmed,
        };
      }
      matched++;
    }
    let prev = base.hash;
    let seq = base.seq;
    let start = '-';
    for (;;) {
      const page = await this.redis.xrange(this.streamKey, start, '+', 'COUNT', PAGE);
      for (const [id, fields] of page) {
        const fail = (problem: string): AuditVerifyResult => ({
          ok: false,
          checked: seq - base.seq,
          problem,
          at: id,
          ...summary(matched),
          ...trimmed,
        });
        const record = parseEntry(id, fields);
        if (!record) return fail('record is not valid JSON');
        if (record.prev !== prev) {
          return fail(
            `record ${seq + 1}: prev does not match the previous record (removed, inserted or reordered)`,
          );
        }
        if (record.seq !== seq + 1)
          return fail(`record ${seq + 1}: sequence is ${record.seq}, expected ${seq + 1}`);
        if (typeof record.hash !== 'string' || !macEquals(recordHash(this.key, record), record.hash))
          return fail(
            `record ${seq + 1}: HMAC does not match its content (edited, or written without the key)`,
          );
        if (exportHead && record.seq === exportHead.seq && !macEquals(exportHead.hash, record.hash))
          return {
            ...fail(
              `record ${record.seq}: differs from the copy in ${exportWhere} (${exportHead.key}): history rewritten and re-hashed`,
            ),
            ...exported,
          };
        const anchored = bySeq.get(record.seq);
        if (anchored) {
          if (anchored.hash !== record.hash) {
            return fail(
              `record ${record.seq}: differs from its anchor in ${where} (history rewritten and re-hashed)`,
            );
          }
          matched++;
        }
        prev = record.hash;
        seq++;
      }
      if (page.length < PAGE) break;
      start = `(${page[page.length - 1]![0]}`;
    }
    const checked = seq - base.seq;
    const head = (await this.redis.get(this.headKey)) ?? '';
    if (head !== (seq === 0 ? '' : formatHead(seq, prev))) {
      const h = parseHead(head);
      return {
        ok: false,
        checked,
        problem: `head names record ${h.seq} but the stream ends at record ${seq} (last record removed?)`,
        at: 'head',
        ...summary(matched),
        ...trimmed,
      };
    }
    const newest = anchors?.[0];
    if (newest && newest.seq > seq) {
      return {
        ok: false,
        checked,
        problem: `records ${seq + 1}–${newest.seq} are missing: an anchor in ${where} names record ${newest.seq} but the chain ends at record ${seq} (newest records deleted)`,
        at: 'anchors',
        ...summary(matched),
        ...trimmed,
      };
    }
    if (exportHead && exportHead.seq > seq) {
      return {
        ok: false,
        checked,
        problem: `records ${seq + 1}–${exportHead.seq} are missing: ${exportWhere} holds record ${exportHead.seq} (${exportHead.key}) but the chain ends at record ${seq} (newest records deleted)`,
        at: 'export',
        ...summary(matched),
        ...trimmed,
        ...exported,
      };
    }
    return {
      ok: true,
      checked,
      ...summary(matched),
      ...trimmed,
      ...exported,
      ...(anchors
        ? newest
          ? seq > newest.seq
            ? { note: `records ${newest.seq + 1}–${seq} are newer than the last anchor` }
            : {}
          : { note: `no anchor found in ${where} yet` }
        : this.exporter
          ? {}
          : {
              note: 'not anchored outside Redis (set ECS_GUARD_AUDIT_CHANNEL): deleting the newest records cannot be detected',
            }),
    };
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
