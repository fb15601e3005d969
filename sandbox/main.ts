/**
 * `npm run sandbox`: everything local, the real bot in a browser. Flags override the environment:
 *
 *   --port N            SANDBOX_PORT                 web page port (default 8080)
 *   --bot-port N        SANDBOX_BOT_PORT             the bot's HTTP port (default: a free port)
 *   --poll-seconds N    SANDBOX_POLL_SECONDS         the bot's GuardDuty poll interval (default 5)
 *   --every MIN-MAX     SANDBOX_TRICKLE_SECONDS      seconds between findings (default 20-40)
 *   --burst-every N     SANDBOX_BURST_EVERY_SECONDS  seconds between bursts (default 240; 0 = none)
 *   --burst-size N      SANDBOX_BURST_SIZE           findings per burst (default 30)
 *   --no-trickle                                     no new findings after the first few
 *   --log-level L       SANDBOX_LOG_LEVEL            the bot's log level (default warn)
 *
 * Redis: REDIS_URL (default redis://127.0.0.1:6379); a private redis-server when nothing answers.
 */
import { parseArgs } from 'node:util';
import { isEcsGuardError } from '../src/errors.js';
import { DEFAULT_TRICKLE, SANDBOX_PEOPLE, type Sandbox, startSandbox } from './sandbox.js';

function int(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

function range(name: string, raw: string | undefined, fallback: [number, number]): [number, number] {
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(raw);
  if (!m) throw new Error(`${name} must be seconds like 20-40 or 30, got "${raw}"`);
  const min = Number(m[1]) * 1000;
  const max = m[2] ? Number(m[2]) * 1000 : min;
  return [Math.min(min, max), Math.max(min, max)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'bot-port': { type: 'string' },
      'poll-seconds': { type: 'string' },
      every: { type: 'string' },
      'burst-every': { type: 'string' },
      'burst-size': { type: 'string' },
      'no-trickle': { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run sandbox -- [--port 8080] [--bot-port N] [--poll-seconds 5] [--every 20-40]\n' +
        '                   [--burst-every 240] [--burst-size 30] [--no-trickle] [--log-level warn]\n',
    );
    return;
  }
  const env = process.env;
  const ms = (s: number) => s * 1000;
  const opts = {
    port: int('--port', values.port ?? env.SANDBOX_PORT, 8080),
    botPort: int('--bot-port', values['bot-port'] ?? env.SANDBOX_BOT_PORT, 0),
    pollSeconds: int('--poll-seconds', values['poll-seconds'] ?? env.SANDBOX_POLL_SECONDS, 5),
    logLevel: values['log-level'] ?? env.SANDBOX_LOG_LEVEL ?? 'warn',
    trickle: values['no-trickle']
      ? (false as const)
      : {
          intervalMs: range(
            '--every',
            values.every ?? env.SANDBOX_TRICKLE_SECONDS,
            DEFAULT_TRICKLE.intervalMs,
          ),
          burstEveryMs: ms(
            int(
              '--burst-every',
              values['burst-every'] ?? env.SANDBOX_BURST_EVERY_SECONDS,
              DEFAULT_TRICKLE.burstEveryMs / 1000,
            ),
          ),
          burstSize: int(
            '--burst-size',
            values['burst-size'] ?? env.SANDBOX_BURST_SIZE,
            DEFAULT_TRICKLE.burstSize,
          ),
        },
  };
  const time = () => new Date().toTimeString().slice(0, 8);
  const say = (line: string) => process.stdout.write(`${time()}  ${line}\n`);

  say('starting the ecs-guard sandbox (AWS emulator, Slack emulator, the bot, the page)…');
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ ...opts, say });
  } catch (err) {
    if (isEcsGuardError(err)) {
      process.stderr.write(`\n${err.message}\n`);
      process.exit(78);
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`\nPort ${opts.port} is in use; try: npm run sandbox -- --port 8081\n`);
      process.exit(1);
    }
    throw err;
  }
  const { requester, approver, outsider } = SANDBOX_PEOPLE;
  process.stdout.write(
    [
      '',
      `  ecs-guard sandbox is running: open ${sandbox.url}`,
      '',
      `  the bot (same code as npm start)  ${sandbox.botUrl}   (POST /slack/events, GET /metrics)`,
      `  AWS emulator                      ${sandbox.aws.url}`,
      `  Slack emulator                    ${sandbox.slack.url}`,
      `  Redis                             ${sandbox.redisUrl}  (prefix ${sandbox.redisPrefix})`,
      '',
      `  Try it: as @${requester.name} click "Stop task" on a card, switch to @${approver.name} and click "Approve";`,
      `  as @${outsider.name}, see the bot refuse. Type /ecs-guard coverage in the message box.`,
      '  Ctrl-C stops everything.',
      '',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write('forced exit\n');
      process.exit(130);
    }
    stopping = true;
    say(`${signal}: stopping…`);
    sandbox.close().then(
      () => {
        say('stopped');
        process.exit(0);
      },
      (err) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
