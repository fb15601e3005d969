/**
 * The built bot as a child process, started exactly as `npm start` starts it (`startArgs()`, heap
 * limits included), for the end-to-end tests, the drills and the benchmarks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startArgs } from '../src/version.js';
import { freePort } from './free-port.js';

export interface BotProcessOptions {
  /** The HTTP port (default: a free one). */
  port?: number;
  /** Node arguments before `startArgs()` (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** How long to wait for /healthz (default 20 s). */
  healthTimeoutMs?: number;
  /** Keep only the last this many characters of output (default: all of it). */
  outputLimit?: number;
  /** Sample the RSS from /proc every 100 ms, for `peakRss()` (default off). */
  sampleRss?: boolean;
  /** `stop()` sends SIGKILL when the process has not exited this long after the signal (default: never). */
  killAfterMs?: number;
}

export interface BotProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Date.now() just before the spawn. */
  startedAt: number;
  /** Highest RSS seen (bytes): the samples (with `sampleRss`) and the RSS now. */
  peakRss(): number;
  /** What the process wrote to stdout and stderr. */
  output(): string;
  /** Sends a signal (default SIGTERM) and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns the bot with `env` (plus PATH and PORT) and resolves once /healthz answers 200. */
export async function startBotProcess(
  env: Record<string, string>,
  opts: BotProcessOptions = {},
): Promise<BotProcess> {
  const port = opts.port || (await freePort());
  const startedAt = Date.now();
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...startArgs()], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (opts.outputLimit !== undefined) out = out.slice(-opts.outputLimit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let peak = 0;
  const sampler = opts.sampleRss
    ? setInterval(() => {
        peak = Math.max(peak, rssOf(child.pid));
      }, 100)
    : undefined;
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      clearInterval(sampler);
      r(code);
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await untilHealthy(child, baseUrl, () => out, opts.healthTimeoutMs ?? 20_000);
  return {
    child,
    port,
    baseUrl,
    startedAt,
    peakRss: () => Math.max(peak, rssOf(child.pid)),
    output: () => out,
    async stop(signal = 'SIGTERM') {
      clearInterval(sampler);
      if (child.exitCode === null) child.kill(signal);
      const killer = opts.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs) : undefined;
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/** Polls /healthz until it answers 200; fails at once if the process exits. */
async function untilHealthy(
  child: ChildProcess,
  baseUrl: string,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot exited (${child.exitCode}): ${output().slice(-2000)}`);
    const ok = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`bot did not answer /healthz within ${timeoutMs} ms: ${output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resident set size of a process in bytes (Linux /proc; 0 elsewhere or once it has exited). */
export function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
