import { addFindingFor, type WireFinding } from '../sandbox/aws/index.js';
import type { BenchEnv } from './env.js';

/** The mix of a worm-like burst: a few types at their usual severities. */
export const BURST_TYPES: [string, number][] = [
  ['Execution:Runtime/ReverseShell', 8],
  ['Impact:Runtime/CryptoMinerExecuted', 7.5],
  ['CryptoCurrency:Runtime/BitcoinTool.B', 7],
  ['Execution:Runtime/NewBinaryExecuted', 5],
  ['Discovery:Runtime/SuspiciousCommand', 2],
];

/** Stores `n` ECS runtime findings in the AWS emulator, spread over every service and type. */
export function seedBurst(env: BenchEnv, n: number, idPrefix: string): WireFinding[] {
  const tasks = env.services.flatMap((s) => s.tasks);
  const out: WireFinding[] = [];
  const at = env.aws.state.now() - 60_000;
  for (let i = 0; i < n; i++) {
    const [type, severity] = BURST_TYPES[i % BURST_TYPES.length] as [string, number];
    const task = tasks[Math.floor(i / BURST_TYPES.length) % tasks.length];
    if (!task) throw new Error('no tasks in the bench estate');
    out.push(
      addFindingFor(env.aws.state, {
        type,
        severity,
        task,
        id: `${idPrefix}${String(i).padStart(6, '0')}`,
        at: at + i,
      }),
    );
  }
  return out;
}
