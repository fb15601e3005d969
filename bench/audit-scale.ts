/**
 * Finishing an action against an audit stream of 1,000 and of 1,000,000 records: what
 * completeFinish does with the audit trail (look up the request's records, append the outcome),
 * timed per finish. The stream is filled inside Redis by a Lua loop (filler records of other
 * requests, the head set after them), so a million records take seconds, not an hour of appends.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { dropPrefix } from '../sandbox/redis-keys.js';
import { AuditTrail } from '../src/audit/trail.js';
import { createLogger } from '../src/log.js';
import { keyspace } from '../src/redis.js';
import { REDIS_URL } from './env.js';
import { percentile, round } from './stats.js';

export interface AuditScaleRow {
  records: number;
  fillMs: number;
  finishes: number;
  finishP50Ms: number;
  finishP99Ms: number;
  /** One full backwards scan for a request, as finishing did before the index (for contrast). */
  scanMs: number;
}
export interface AuditScaleResult {
  rows: AuditScaleRow[];
  /** p50 at the largest size / p50 at the smallest. */
  p50Ratio: number;
  notes: string[];
}

/** XADD `ARGV[1]` filler entries (a small record JSON) in one script call. KEYS: stream. */
const FILL = `
for i = 1, tonumber(ARGV[1]) do
  redis.call('XADD', KEYS[1], '*', 'r', ARGV[2])
end
return redis.call('XLEN', KEYS[1])
`;

const HMAC_KEY = randomBytes(32).toString('hex');
const CHUNK = 50_000;

async function one(redis: Redis, records: number, finishes: number): Promise<AuditScaleRow> {
  const prefix = `bench-audit-${randomBytes(4).toString('hex')}`;
  const keys = keyspace(prefix);
  const log = createLogger({ level: 'silent' });
  const trail = new AuditTrail({ redis, keys, log, key: HMAC_KEY });
  try {
    const filler = JSON.stringify({
      seq: 0,
      time: new Date().toISOString(),
      actor: { id: 'UFILLER01' },
      action: 'stop-task',
      event: 'executed',
      target: { requestId: 'r-filler', cluster: 'prod', accountId: '111122223333', region: 'us-east-1' },
      outcome: 'ok',
      prev: '0'.repeat(64),
      hash: '0'.repeat(64),
    });
    const t0 = performance.now();
    for (let left = records; left > 0; left -= CHUNK) {
      await redis.eval(FILL, 1, keys('audit'), String(Math.min(CHUNK, left)), filler);
    }
    await redis.set(keys('audit', 'head'), `${records}:${'0'.repeat(64)}`);
    const fillMs = performance.now() - t0;
    const times: number[] = [];
    for (let i = 0; i < finishes; i++) {
      const requestId = `r${randomBytes(12).toString('hex')}`;
      const target = { requestId, cluster: 'prod', accountId: '111122223333', region: 'us-east-1' };
      const actor = { id: 'UAPPROVER1' };
      await trail.append({ actor, action: 'stop-task', event: 'requested', target, outcome: 'pending' });
      await trail.append({ actor, action: 'stop-task', event: 'approved', target, outcome: 'ok' });
      const s = performance.now();
      // What completeFinish does: "is the outcome already recorded?", then record it.
      const already = (await trail.list({ requestId, limit: 100 })).some((r) => r.event === 'executed');
      if (!already) {
        await trail.append({
          actor,
          action: 'stop-task',
          event: 'executed',
          target,
          outcome: 'ok',
          detail: { attempt: 1 },
        });
      }
      times.push(performance.now() - s);
    }
    const s = performance.now();
    await trail.list({ userId: 'UNOBODY01', limit: 1 });
    const scanMs = performance.now() - s;
    return {
      records,
      fillMs: Math.round(fillMs),
      finishes,
      finishP50Ms: round(percentile(times, 50), 2),
      finishP99Ms: round(percentile(times, 99), 2),
      scanMs: Math.round(scanMs),
    };
  } finally {
    await dropPrefix(redis, prefix);
  }
}

export async function runAuditScale(sizes: number[], finishes: number): Promise<AuditScaleResult> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    const rows: AuditScaleRow[] = [];
    for (const n of sizes) {
      process.stdout.write(`audit: ${n} records…\n`);
      rows.push(await one(redis, n, finishes));
    }
    const first = rows[0]?.finishP50Ms ?? 0;
    const last = rows[rows.length - 1]?.finishP50Ms ?? 0;
    return {
      rows,
      p50Ratio: first ? round(last / first, 2) : 0,
      notes: [
        'finish = the audit part of completeFinish: list({ requestId }) through the per-request index, then append',
        'scanMs = one backwards scan of the whole stream (a filter without an index; finishing used this before)',
      ],
    };
  } finally {
    await redis.quit();
  }
}
