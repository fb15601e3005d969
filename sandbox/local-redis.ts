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
  'Install Redis (redis-server and redis-cli) and run it again:\n' +
  '  Debian/Ubuntu: sudo apt-get install redis-server\n' +
  '  macOS:         brew install redis\n' +
  'or point REDIS_URL at a Redis you already run (e.g. docker run -p 6379:6379 redis:7).';

/** A redis-server child process this process started (and stops when it exits). */
export interface RedisServerProcess {
  url: string;
  /** The last few KB it printed, for error messages. */
  output(): string;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` with no persistence on 127.0.0.1:`port` (plus `extraArgs`) and waits until
 * it answers PING; throws with its output when it does not start within 10 s.
 */
export async function startRedisServer(
  port: number,
  extraArgs: string[] = [],
  opts: { bin?: string; cwd?: string } = {},
): Promise<RedisServerProcess> {
  const bin = opts.bin ?? onPath('redis-server');
  if (!bin) throw new EcsGuardError(ErrorCode.ConfigError, `redis-server is not installed.\n${INSTALL_HINT}`);
  const child: ChildProcess = spawn(
    bin,
    ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', ...extraArgs],
    // Its own process group: Ctrl-C in the terminal reaches only the sandbox, which then shuts
    // the bot down while Redis is still there, and stops Redis last.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: opts.cwd },
  );
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(url, 500))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      process.removeListener('exit', killOnExit);
      throw new EcsGuardError(
        ErrorCode.ConfigError,
        `redis-server on port ${port} did not start:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Uses `url` when Redis answers there, else starts a private redis-server, else throws. */
export async function ensureRedis(url: string): Promise<LocalRedis> {
  if (await redisAnswers(url)) return { url, private: false, close: async () => {} };
  if (!onPath('redis-server')) {
    throw new EcsGuardError(ErrorCode.ConfigError, `No Redis answers at ${url}.\n${INSTALL_HINT}`);
  }
  const server = await startRedisServer(await freePort()).catch((err: Error) => {
    throw new EcsGuardError(
      ErrorCode.ConfigError,
      `No Redis answers at ${url}, and the private ${err.message}`,
    );
  });
  return { url: server.url, private: true, close: () => server.stop() };
}
