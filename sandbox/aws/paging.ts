/**
 * Opaque offset tokens. A token that doesn't decode is the caller's bug; each protocol turns the
 * thrown error into its own invalid-token error.
 */
export const encodeToken = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');

export function decodeToken(token: string | undefined | null): number | undefined {
  if (token === undefined || token === null || token === '') return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m?.[1] ? Number(m[1]) : undefined;
}

export interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

/** Returns one page or undefined for a bad token. */
export function page<T>(all: T[], token: string | undefined | null, max: number): Page<T> | undefined {
  const offset = decodeToken(token);
  if (offset === undefined) return undefined;
  const items = all.slice(offset, offset + max);
  const end = offset + items.length;
  return { items, nextToken: end < all.length ? encodeToken(end) : undefined };
}
