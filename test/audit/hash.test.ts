import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, keyId, macEquals, recordHash } from '../../src/audit/hash.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    const a = canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined }, e: null });
    expect(a).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1,"e":null}');
    expect(canonicalJson({ a: { d: [1, { y: 2, z: 1 }] }, e: null, b: 1 })).toBe(a);
  });

  it('escapes strings the way JSON does', () => {
    expect(canonicalJson({ 'k"': 'a\nb<>' })).toBe('{"k\\"":"a\\nb<>"}');
  });
});

describe('recordHash', () => {
  const base = { seq: 1, time: '2024-01-01T00:00:00.000Z', action: 'stop-task', prev: GENESIS_HASH };
  const KEY = 'kkkkkkkkkkkkkkkk0123456789abcdef';

  it('is HMAC-SHA256(key, prev ‖ canonical body) in hex, ignoring hash and id', () => {
    const h = recordHash(KEY, base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    const { prev, ...body } = base;
    const expected = createHmac('sha256', KEY)
      .update(`${prev}\n${canonicalJson(body)}`)
      .digest('hex');
    expect(h).toBe(expected);
    expect(recordHash(KEY, { ...base, hash: 'x', id: '1-0' })).toBe(h);
  });

  it('cannot be computed without the key: an unkeyed SHA-256 or another key gives another value', () => {
    const h = recordHash(KEY, base);
    expect(h).not.toBe(createHash('sha256').update(canonicalJson(base)).digest('hex'));
    expect(recordHash(`${KEY}x`, base)).not.toBe(h);
  });

  it('changes when any field or the prev link changes', () => {
    const h = recordHash(KEY, base);
    expect(recordHash(KEY, { ...base, action: 'archive' })).not.toBe(h);
    expect(recordHash(KEY, { ...base, prev: 'f'.repeat(64) })).not.toBe(h);
    expect(recordHash(KEY, { ...base, seq: 2 })).not.toBe(h);
  });
});

describe('keyId and macEquals', () => {
  it('names a key without revealing it, and compares MACs exactly', () => {
    expect(keyId('a'.repeat(32))).toMatch(/^[0-9a-f]{12}$/);
    expect(keyId('a'.repeat(32))).not.toBe(keyId('b'.repeat(32)));
    expect(macEquals('ab', 'ab')).toBe(true);
    expect(macEquals('ab', 'ac')).toBe(false);
    expect(macEquals('ab', 'abc')).toBe(false);
  });
});
