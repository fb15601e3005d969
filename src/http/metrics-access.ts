import { isIP } from 'node:net';
import type { Request } from 'express';
import { bearerMatches } from './events-guardduty.js';

/** Loopback, private (RFC 1918, ULA) and link-local addresses: the host and its own network. */
export function isInsideAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  if (isIP(a) === 4) {
    const [x = 0, y = 0] = a.split('.').map(Number);
    return (
      x === 127 ||
      x === 10 ||
      (x === 172 && y >= 16 && y <= 31) ||
      (x === 192 && y === 168) ||
      (x === 169 && y === 254)
    );
  }
  if (isIP(a) === 6) {
    const l = a.toLowerCase();
    return l === '::1' || /^f[cd]/.test(l) || /^fe[89ab]/.test(l);
  }
  return false;
}

/** Headers a reverse proxy or load balancer adds: the request came from somewhere else. */
const PROXIED = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

/**
 * Who may read `GET /metrics` (queue depths, poll health, accounts' activity: not for the world).
 * With ECS_GUARD_METRICS_TOKEN: whoever sends `Authorization: Bearer <token>`, from anywhere.
 * Without: only a scraper inside — a loopback, private or link-local peer that did not come
 * through a proxy (a request an ALB or reverse proxy forwarded carries X-Forwarded-For).
 * Returns why a request is refused, or undefined.
 */
export function metricsRefusal(
  req: Pick<Request, 'header'> & { socket: { remoteAddress?: string } },
  token: string | undefined,
): { status: 401 | 403; reason: string } | undefined {
  if (token) {
    return bearerMatches(req.header('authorization'), token)
      ? undefined
      : { status: 401, reason: 'missing or wrong bearer token (ECS_GUARD_METRICS_TOKEN)' };
  }
  if (PROXIED.some((h) => req.header(h) !== undefined))
    return {
      status: 403,
      reason: 'forwarded by a proxy: set ECS_GUARD_METRICS_TOKEN to scrape from outside',
    };
  if (!isInsideAddress(req.socket.remoteAddress))
    return {
      status: 403,
      reason: 'not from this host or its network: set ECS_GUARD_METRICS_TOKEN to scrape from outside',
    };
  return undefined;
}
