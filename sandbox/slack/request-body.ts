/**
 * Reads a Web API request the two ways Slack accepts it: `application/json` with
 * `Authorization: Bearer`, or `application/x-www-form-urlencoded` (or a GET query) with the
 * token either in the header or as the `token` field.
 */
import type { IncomingMessage } from 'node:http';

export interface ParsedCall {
  args: Record<string, unknown>;
  token: string | undefined;
  /** The body was not parseable in its declared content type. */
  malformed: boolean;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export async function readRaw(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseCall(req: IncomingMessage, raw: string, url: URL): ParsedCall {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  let malformed = false;
  if (raw.length > 0) {
    if (type === 'application/json') {
      try {
        const parsed = JSON.parse(raw) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(args, parsed);
        else malformed = true;
      } catch {
        malformed = true;
      }
    } else {
      Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
    }
  }
  const auth = req.headers.authorization;
  const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  const bodyToken = typeof args.token === 'string' ? args.token : undefined;
  delete args.token;
  return { args, token: bearer || bodyToken || undefined, malformed };
}
