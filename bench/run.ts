import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { type ActionsResult, runActions } from './actions.js';
import { type AuditScaleResult, runAuditScale } from './audit-scale.js';
import { runEcsGuardBurst } from './burst.js';
import type { BurstResult } from './burst-result.js';
import { type ClicksResult, runClicks } from './clicks.js';
import { type ContainResult, runContain } from './contain.js';
import { BENCH_LATENCY } from './env.js';
import { runNaiveBurst } from './naive.js';
import { ratio, round } from './stats.js';

/**
 * `npm run bench [-- --quick] [-- --scenario burst|clicks|actions|audit|contain[,…]] [-- --sizes 1000,10000,50000]
 *  [-- --click-rate 100]`:
 * runs the scenarios against the AWS and Slack emulators and real Redis (REDIS_URL), prints a
 * table, writes bench/results.json. Burst sizes also from BENCH_BURST_SIZES, the open-loop click
 * rate (default 100/s) from BENCH_CLICK_RATE.
 */
type Scenario = 'burst' | 'clicks' | 'actions' | 'audit' | 'contain';

interface Plan {
  bursts: number[];
  burstCapMs: number;
  naiveCapMs: number;
  clicks: number;
  clickConcurrency: number;
  /** Open-loop clicks: a fixed arrival rate for a number of seconds. */
  clickRate: number;
  clickSeconds: number;
  actions: number;
  actionConcurrency: number;
  auditSizes: number[];
  auditFinishes: number;
}

// 50,000 takes minutes more (ListFindings pages one after another); --sizes asks for it.
const FULL: Plan = {
  bursts: [1000, 10_000],
  burstCapMs: 300_000,
  naiveCapMs: 60_000,
  clicks: 1000,
  clickConcurrency: 50,
  clickRate: 100,
  clickSeconds: 10,
  actions: 500,
  actionConcurrency: 25,
  auditSizes: [1000, 1_000_000],
  auditFinishes: 300,
};
const QUICK: Plan = {
  bursts: [1000],
  burstCapMs: 120_000,
  naiveCapMs: 15_000,
  clicks: 200,
  clickConcurrency: 50,
  clickRate: 100,
  clickSeconds: 5,
  actions: 50,
  actionConcurrency: 25,
  auditSizes: [1000, 100_000],
  auditFinishes: 100,
};

interface BurstPair {
  size: number;
  ecsGuard: BurstResult;
  naive: BurstResult;
  /** ecs-guard / naive. */
  ratios: Record<string, number | null>;
  /** The machine's 1-minute load average before and after (2 cores shared with other work). */
  loadAverage: [number, number];
}

/** The value of `--name V` or `--name=V`. */
function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
}

function parseSizes(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const sizes = text.split(',').map((t) => Number(t.trim().replace(/_/g, '')));
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write(`burst sizes must be positive integers separated by commas, not "${text}"\n`);
    process.exit(2);
  }
  return sizes;
}

function parseArgs(argv: string[]): { quick: boolean; scenarios: Scenario[]; sizes?: number[] } {
  const quick = argv.includes('--quick');
  const sizes = parseSizes(flag(argv, 'sizes') ?? process.env.BENCH_BURST_SIZES);
  const named = flag(argv, 'scenario');
  const all: Scenario[] = ['burst', 'clicks', 'actions', 'audit', 'contain'];
  const picked = named?.split(',') ?? all;
  const unknown = picked.find((n) => !all.includes(n as Scenario));
  if (unknown) {
    process.stderr.write(`unknown scenario "${unknown}" (burst, clicks, actions, audit or contain)\n`);
    process.exit(2);
  }
  return { quick, scenarios: picked as Scenario[], ...(sizes ? { sizes } : {}) };
}

/** Projected naive time to account for everything: measured, or extrapolated from its post rate. */
function naiveAllMs(r: BurstResult): number | null {
  if (r.timeToAllAccountedMs !== null) return r.timeToAllAccountedMs;
  if (!r.accounted) return null;
  return Math.round((r.elapsedMs / r.accounted) * r.findings);
}

function ratios(eg: BurstResult, nv: BurstResult): Record<string, number | null> {
  const perFinding = (calls: number, r: BurstResult) => (r.accounted ? calls / r.accounted : 0);
  return {
    // Against every GetFindings the naive pipeline needs (one per finding), made or cut by its cap.
    guardDutyCalls: ratio(eg.guardDutyCalls, 1 + Math.ceil(nv.findings / 50) + nv.findings),
    slackCallsPerFindingAccounted: ratio(
      perFinding(eg.slackCallsTotal, eg),
      perFinding(nv.slackCallsTotal, nv),
    ),
    rateLimited: ratio(eg.rateLimited, nv.rateLimited),
    timeToAllAccounted:
      eg.timeToAllAccountedMs === null ? null : ratio(eg.timeToAllAccountedMs, naiveAllMs(nv) ?? 0),
  };
}

const vsMinimum = (r: BurstResult) =>
  `${r.guardDutyCalls}/${r.guardDutyMinimum} (${ratio(r.guardDutyCalls, r.guardDutyMinimum)}×)`;
const s = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
const obj = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

function printBurst(p: BurstPair): void {
  const rows: [string, string, string][] = [
    ['findings accounted', `${p.ecsGuard.accounted}/${p.size}`, `${p.naive.accounted}/${p.size}`],
    ['time to first card', s(p.ecsGuard.timeToFirstCardMs), s(p.naive.timeToFirstCardMs)],
    [
      'time to all accounted',
      s(p.ecsGuard.timeToAllAccountedMs),
      p.naive.timeToAllAccountedMs === null
        ? `not in ${s(p.naive.elapsedMs)} (~${s(naiveAllMs(p.naive))})`
        : s(p.naive.timeToAllAccountedMs),
    ],
    ['cards posted', String(p.ecsGuard.cardsPosted), String(p.naive.cardsPosted)],
    ['AWS calls', `${p.ecsGuard.awsCallsTotal}`, `${p.naive.awsCallsTotal}`],
    ['GuardDuty vs minimum', vsMinimum(p.ecsGuard), vsMinimum(p.naive)],
    ['Slack calls', `${p.ecsGuard.slackCallsTotal}`, `${p.naive.slackCallsTotal}`],
    ['max posts/channel/s', obj(p.ecsGuard.maxPostsPerChannelSecond), obj(p.naive.maxPostsPerChannelSecond)],
    ['429s received', String(p.ecsGuard.rateLimited), String(p.naive.rateLimited)],
    ['peak RSS', `${p.ecsGuard.peakRssMb} MB`, '—'],
  ];
  const w = Math.max(...rows.map((r) => r[1].length), 10);
  process.stdout.write(`\nBurst of ${p.size} findings\n`);
  process.stdout.write(`  ${'metric'.padEnd(24)}${'ecs-guard'.padEnd(w + 2)}naive\n`);
  for (const [m, a, b] of rows) process.stdout.write(`  ${m.padEnd(24)}${a.padEnd(w + 2)}${b}\n`);
  process.stdout.write(`  AWS calls (ecs-guard): ${obj(p.ecsGuard.awsCalls)}\n`);
  process.stdout.write(`  AWS calls (naive):     ${obj(p.naive.awsCalls)}\n`);
  process.stdout.write(`  Slack calls (ecs-guard): ${obj(p.ecsGuard.slackCalls)}\n`);
  process.stdout.write(`  Slack calls (naive):     ${obj(p.naive.slackCalls)}\n`);
  process.stdout.write(`  ratios ecs-guard/naive: ${JSON.stringify(p.ratios)}\n`);
  process.stdout.write(`  machine load average: ${p.loadAverage[0]} before, ${p.loadAverage[1]} after\n`);
  for (const n of [...p.ecsGuard.notes, ...p.naive.notes]) process.stdout.write(`  note: ${n}\n`);
}

function printClicks(c: ClicksResult): void {
  const o = c.openLoop;
  process.stdout.write(
    `\nClicks, open loop: ${o.clicks} signed "${c.button}" clicks at ${o.ratePerSecond}/s\n` +
      `  ack p50 ${o.ackMs.p50} ms, p95 ${o.ackMs.p95} ms, p99 ${o.ackMs.p99} ms, max ${o.ackMs.max} ms; ` +
      `errors ${o.errors}; generator at most ${o.maxSendLagMs} ms late; bot CPU ${o.botCpuMsPerClick} ms/click\n` +
      `Clicks, closed loop (throughput ceiling): ${c.clicks} at concurrency ${c.concurrency}\n` +
      `  ack p50 ${c.ackMs.p50} ms, p95 ${c.ackMs.p95} ms, p99 ${c.ackMs.p99} ms, max ${c.ackMs.max} ms; ` +
      `errors ${c.errors}; replies delivered ${c.repliesDelivered}/${c.repliesExpected}; peak RSS ${c.peakRssMb} MB\n` +
      `  bot-side ack (its histogram): ${c.serverAck.count} acks, p50 ≤ ${c.serverAck.p50AtMostMs} ms, ` +
      `p99 ≤ ${c.serverAck.p99AtMostMs} ms, ${Math.round((c.serverAck.within50ms ?? 0) * 100)}% within 50 ms\n`,
  );
  for (const n of c.notes) process.stdout.write(`  note: ${n}\n`);
}

function printActions(a: ActionsResult): void {
  process.stdout.write(
    `\nActions: ${a.requests} approved Stop task requests\n` +
      `  approve→StopTask p50 ${a.approveToStopMs.p50} ms, p99 ${a.approveToStopMs.p99} ms, max ${a.approveToStopMs.max} ms; ` +
      `throughput ${a.throughputPerSecond}/s; StopTask calls ${a.stopTaskCalls} (must be ${a.requests}); ` +
      `failed StopTask ${a.failedStopTaskCalls}; errors ${a.errors}\n` +
      `  AWS calls: ${obj(a.awsCalls)}\n`,
  );
  for (const n of a.notes) process.stdout.write(`  note: ${n}\n`);
}

function printContain(c: ContainResult): void {
  process.stdout.write(
    `\nContainment: ${c.tasks} tasks on one image over ${c.services} services in ${c.clusters} clusters, one Approve\n` +
      `  Approve → all stopped and held ${s(c.approveToContainedMs)} (goal < 30 s); stopped ${c.stopped}/${c.tasks}, held ${c.held}/${c.services}\n` +
      `  AWS calls ${c.awsCallsTotal} vs batched minimum ${c.minimumCallsTotal}: ratio ${c.callRatio} (goal ≤ 1.1)\n` +
      `  AWS calls: ${obj(c.awsCalls)}\n  minimum:   ${obj(c.minimumCalls)}\n`,
  );
  for (const n of c.notes) process.stdout.write(`  note: ${n}\n`);
}

function printAudit(a: AuditScaleResult): void {
  process.stdout.write('\nAudit: finishing an action vs audit stream length\n');
  for (const r of a.rows) {
    process.stdout.write(
      `  ${String(r.records).padStart(9)} records: finish p50 ${r.finishP50Ms} ms, p99 ${r.finishP99Ms} ms (${r.finishes} finishes) · full scan ${r.scanMs} ms · fill ${r.fillMs} ms\n`,
    );
  }
  process.stdout.write(`  p50 ratio largest/smallest: ${a.p50Ratio}\n`);
  for (const n of a.notes) process.stdout.write(`  note: ${n}\n`);
}

async function main(): Promise<void> {
  const { quick, scenarios, sizes } = parseArgs(process.argv.slice(2));
  const rate = flag(process.argv.slice(2), 'click-rate') ?? process.env.BENCH_CLICK_RATE;
  const plan = {
    ...(quick ? QUICK : FULL),
    ...(sizes ? { bursts: sizes } : {}),
    ...(rate ? { clickRate: Number(rate) } : {}),
  };
  if (!(plan.clickRate > 0)) {
    process.stderr.write(`click rate must be a positive number of clicks a second, not "${rate}"\n`);
    process.exit(2);
  }
  const results: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    quick,
    // What else the machine was doing when the run started (1-minute load average).
    loadAverage: round(loadavg()[0] ?? 0, 2),
    // Emulator latency per call (ms), from BENCH_AWS_LATENCY / BENCH_SLACK_LATENCY.
    latency: BENCH_LATENCY,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 1e9),
      node: process.version,
      platform: process.platform,
    },
  };
  if (scenarios.includes('burst')) {
    const bursts: BurstPair[] = [];
    for (const size of plan.bursts) {
      process.stdout.write(`burst ${size}: ecs-guard…\n`);
      const loadBefore = round(loadavg()[0] ?? 0, 2);
      const ecsGuard = await runEcsGuardBurst(size, Math.max(plan.burstCapMs, size * 8));
      process.stdout.write(`burst ${size}: naive…\n`);
      const naive = await runNaiveBurst(size, plan.naiveCapMs);
      const pair: BurstPair = {
        size,
        ecsGuard,
        naive,
        ratios: ratios(ecsGuard, naive),
        loadAverage: [loadBefore, round(loadavg()[0] ?? 0, 2)],
      };
      printBurst(pair);
      bursts.push(pair);
    }
    results.burst = bursts;
  }
  if (scenarios.includes('clicks')) {
    process.stdout.write(`\nclicks… (load average ${round(loadavg()[0] ?? 0, 2)})\n`);
    const c = await runClicks(plan.clicks, plan.clickConcurrency, {
      ratePerSecond: plan.clickRate,
      seconds: plan.clickSeconds,
    });
    printClicks(c);
    results.clicks = { ...c, loadAverage: round(loadavg()[0] ?? 0, 2) };
  }
  if (scenarios.includes('actions')) {
    process.stdout.write('\nactions…\n');
    const a = await runActions(plan.actions, plan.actionConcurrency);
    printActions(a);
    results.actions = a;
  }
  if (scenarios.includes('audit')) {
    process.stdout.write('\naudit scale…\n');
    const a = await runAuditScale(plan.auditSizes, plan.auditFinishes);
    printAudit(a);
    results.audit = a;
  }
  if (scenarios.includes('contain')) {
    process.stdout.write('\ncontainment…\n');
    const c = await runContain(200, 20, 4);
    printContain(c);
    results.contain = c;
  }
  results.finishedAt = new Date().toISOString();
  const file = join(process.cwd(), 'bench', 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nwrote ${file}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
