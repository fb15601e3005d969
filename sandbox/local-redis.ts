/**
 * Redis for the sandbox: the one at REDIS_URL when it answers; otherwise a private, throw-away
 * `redis-server` (no persistence, 127.0.0.1, a free port) when one is installed; otherwise a
 * clear error saying how to install it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';
import { EcsGuardError, ErrorCode } from '../src/errors.js';
import { freePort } from './free-port.js';

export interface LocalRedis {
  url: string;
  /** True when the sandbox started its own redis-server. */
  private: boolean;
  close(): Promise<void>;
}

/** Whether a Redis answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** The path of an executable on PATH, or undefined. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const INSTALL_HINT =
  'Install Redis and run the sandbox again:\n' +
  '  Debian/Ubuntu: sudo apt-get install redis-server\n' +
  '  macOS:         brew install redis\n' +
  'or point REDIS_URL at a Redis you already run (e.g. docker run -p 6379:6379 redis:7).';

/** Uses `url` when Redis answers there, else starts a private redis-server, else throws. */
export async function ensureRedis(url: string): Promise<LocalRedis> {
  if (await redisAnswers(url)) return { url, private: false, close: async () => {} };
  const bin = onPath('redis-server');
  if (!bin) {
    throw new EcsGuardError(ErrorCode.ConfigError, `No Redis answers at ${url}.\n${INSTALL_HINT}`);
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1'],
    // Its own process group: Ctrl-C in the terminal reaches only the sandbox, which then shuts
    // the bot down while Redis is still there, and stops Redis last.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  let output = '';
  child.stdout?.on('data', (d) => {
    output = (output + d).slice(-4000);
  });
  child.stderr?.on('data', (d) => {
    output = (output + d).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const privateUrl = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(privateUrl, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EcsGuardError(
        ErrorCode.ConfigError,
        `No Redis answers at ${url}, and the private redis-server did not start:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: privateUrl,
    private: true,
    async close() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
