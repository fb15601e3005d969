import { createHmac, timingSafeEqual } from 'node:crypto';

/** The `prev` of the first record in a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON: object keys sorted, `undefined` members dropped, no whitespace. Two processes
 * (or a verifier years later) serialise the same record to the same bytes, whatever the key order.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** HMAC-SHA256 (hex) of `data` under `key`: the one keyed hash of the audit chain and request records. */
export const hmacHex = (key: string, data: string): string =>
  createHmac('sha256', key).update(data, 'utf8').digest('hex');

/** Constant-time comparison of two hex MACs (a wrong length is simply unequal). */
export function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A short public name of a key (not the key): anchors carry it so a verifier can tell "written
 * under another key" (rotation, another deployment in the same channel) from "forged".
 */
export const keyId = (key: string): string => hmacHex(key, 'ecs-guard key id').slice(0, 12);

/**
 * The chain hash of a record: HMAC-SHA256(key, prev ‖ "\n" ‖ canonical JSON of every other field
 * except `hash` and the storage id). Without the key nobody can write a record (or rewrite
 * history and re-hash it) that verifies; `prev` makes each record commit to all before it.
 */
export function recordHash<T extends { prev: string }>(key: string, record: T): string {
  const { hash: _hash, id: _id, prev, ...body } = record as { prev: string; hash?: unknown; id?: unknown };
  return hmacHex(key, `${prev}\n${canonicalJson(body)}`);
}
