import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, recordHash, sha256Hex } from '../../src/audit/hash.js';

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

  it('is SHA-256 hex of the canonical body, ignoring hash and id', () => {
    const h = recordHash(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).toBe(sha256Hex(canonicalJson(base)));
    expect(recordHash({ ...base, hash: 'x', id: '1-0' })).toBe(h);
  });

  it('changes when any field or the prev link changes', () => {
    const h = recordHash(base);
    expect(recordHash({ ...base, action: 'archive' })).not.toBe(h);
    expect(recordHash({ ...base, prev: 'f'.repeat(64) })).not.toBe(h);
    expect(recordHash({ ...base, seq: 2 })).not.toBe(h);
  });
});
