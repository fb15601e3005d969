import { createHash } from 'node:crypto';

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

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * The chain hash of a record: SHA-256 (hex) over the canonical JSON of every field except `hash`
 * itself (and the storage id), with `prev` included, so each record commits to all before it.
 */
export function recordHash<T extends { prev: string }>(record: T): string {
  const { hash: _hash, id: _id, ...body } = record as { prev: string; hash?: unknown; id?: unknown };
  return sha256Hex(canonicalJson(body));
}
