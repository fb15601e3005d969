import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * A tiny stand-in for Slack's Socket Mode side, for tests only:
 *  - `POST /api/apps.connections.open` (app token required) answers a ws:// URL on this server;
 *  - every other `/api/*` call is forwarded to the Slack emulator, so one SLACK_API_URL serves both;
 *  - the WebSocket endpoint says `hello`, records what the bot sends (acks), answers pings and closes.
 * No `ws` package is installed (Socket Mode uses undici's client), so the RFC 6455 framing the
 * test needs (text, ping/pong, close; no fragmentation, no extensions) is written out here.
 */
export interface SocketModeServer {
  /** Give this to the bot as SLACK_API_URL. */
  apiUrl: string;
  /** Authorization headers seen on apps.connections.open. */
  openCalls: string[];
  /** JSON messages the bot sent over the socket (envelope acks). */
  received: Record<string, unknown>[];
  connections(): number;
  /** Sends a JSON message to every connected client. */
  send(msg: unknown): void;
  close(): Promise<void>;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0x80 | opcode, len])
      : len < 65_536
        ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLen(len)]);
  return Buffer.concat([head, payload]);
}

function bigLen(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** Parses complete client frames from `buf`; returns them and the unconsumed rest. */
function parseFrames(buf: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const b0 = buf[off] as number;
    const b1 = buf[off + 1] as number;
    let len = b1 & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length < p + 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length < p + 8) break;
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const need = p + (masked ? 4 : 0) + len;
    if (buf.length < need) break;
    const mask = masked ? buf.subarray(p, p + 4) : undefined;
    const data = Buffer.from(buf.subarray(need - len, need));
    if (mask) for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ (mask[i % 4] as number);
    frames.push({ opcode: b0 & 0x0f, payload: data });
    off = need;
  }
  return { frames, rest: buf.subarray(off) };
}

async function forward(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
  }
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  const up = await fetch(`${target}${req.url?.replace(/^\/api/, '')}`, {
    method: req.method ?? 'GET',
    headers,
    ...(body && req.method !== 'GET' ? { body } : {}),
  });
  const out: Record<string, string> = {};
  up.headers.forEach((v, k) => {
    if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
  });
  res.writeHead(up.status, out);
  res.end(Buffer.from(await up.arrayBuffer()));
}

/** `slackApiUrl` is the emulator's API base (e.g. http://127.0.0.1:1234/api/). */
export async function startSocketModeServer(opts: {
  slackApiUrl: string;
  appToken: string;
}): Promise<SocketModeServer> {
  const target = opts.slackApiUrl.replace(/\/$/, '');
  const openCalls: string[] = [];
  const received: Record<string, unknown>[] = [];
  const sockets = new Set<Duplex>();
  let port = 0;

  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/api/apps.connections.open')) {
      const auth = req.headers.authorization ?? '';
      openCalls.push(auth);
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          auth === `Bearer ${opts.appToken}`
            ? { ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=t-${openCalls.length}` }
            : { ok: false, error: 'invalid_auth' },
        ),
      );
      return;
    }
    forward(req, res, target).catch((err) => {
      res.writeHead(502);
      res.end(String(err));
    });
  });

  server.on('upgrade', (req, socket) => {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string' || !req.url?.startsWith('/link')) {
      socket.destroy();
      return;
    }
    const accept = createHash('sha1').update(`${key}${WS_GUID}`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    sockets.add(socket);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      const parsed = parseFrames(Buffer.concat([buf, d]));
      buf = parsed.rest;
      for (const f of parsed.frames) {
        if (f.opcode === 0x1) received.push(JSON.parse(f.payload.toString('utf8')));
        else if (f.opcode === 0x9) socket.write(frame(0xa, f.payload));
        else if (f.opcode === 0x8) {
          socket.end(frame(0x8, f.payload.subarray(0, 2)));
          sockets.delete(socket);
        }
      }
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    socket.write(
      frame(
        0x1,
        Buffer.from(
          JSON.stringify({
            type: 'hello',
            num_connections: sockets.size,
            debug_info: { host: 'local-test', approximate_connection_time: 3600 },
            connection_info: { app_id: 'A0ECSGUARD' },
          }),
        ),
      ),
    );
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    openCalls,
    received,
    connections: () => sockets.size,
    send(msg) {
      const f = frame(0x1, Buffer.from(JSON.stringify(msg)));
      for (const s of sockets) s.write(f);
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
