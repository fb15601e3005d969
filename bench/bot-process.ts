import { type BotProcess, startBotProcess } from '../sandbox/bot-process.js';

export type { BotProcess } from '../sandbox/bot-process.js';

/**
 * The built bot for a benchmark: what `npm start` runs (heap limits included, so RSS is measured
 * as in production), with extra node arguments from BENCH_BOT_NODE_ARGS, its RSS sampled, the
 * last 200 kB of its output kept, and a SIGKILL when it has not stopped 25 s after SIGTERM.
 */
export function startBenchBot(env: Record<string, string>): Promise<BotProcess> {
  return startBotProcess(env, {
    nodeArgs: (process.env.BENCH_BOT_NODE_ARGS ?? '').split(' ').filter(Boolean),
    healthTimeoutMs: 30_000,
    outputLimit: 200_000,
    sampleRss: true,
    killAfterMs: 25_000,
  });
}
