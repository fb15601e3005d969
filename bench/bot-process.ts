import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { startArgs } from '../src/version.js';

export interface BotProcess {
  child: ChildProcess;
  baseUrl: string;
  startedAt: number;
  /** Highest RSS seen so far (bytes), sampled from /proc every 100 ms. */
  peakRss(): number;
  output(): string;
  stop(): Promise<void>;
}

/** Runs the built bot (`node dist/src/main.js`, what `npm start` runs) with `env`, samples its RSS. */
export async function startBotProcess(env: Record<string, string>): Promise<BotProcess> {
  const port = await freePort();
  const startedAt = Date.now();
  const nodeArgs = (process.env.BENCH_BOT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // What `npm start` runs (heap limits included), so RSS is measured as in production.
  const child = spawn(process.execPath, [...nodeArgs, ...startArgs()], {
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(child.pid));
  }, 100);
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bot exited (${child.exitCode}): ${out.slice(-2000)}`);
    const ok = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`bot did not become healthy: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    baseUrl,
    startedAt,
    peakRss: () => Math.max(peak, rssOf(child.pid)),
    output: () => out,
    async stop() {
      clearInterval(sampler);
      if (child.exitCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      await exited;
      clearTimeout(killer);
    },
  };
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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const p = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}
