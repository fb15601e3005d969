/**
 * Redis Cluster hashes only a key's hash tag when it has one: the part between the first `{` and
 * the first `}` after it, if that part is not empty (redis.io, "Cluster specification", hash
 * tags). A prefix holding a whole tag therefore puts every key built on it in one slot.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}
