import { createEcsGuard } from './app.js';
import { loadConfig } from './config.js';
import { isEcsGuardError } from './errors.js';
import { createLogger } from './log.js';

/** Start-up: config → app → listen; SIGTERM/SIGINT stop gracefully. Nothing else lives here. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let app: ReturnType<typeof createEcsGuard>;
  try {
    config = loadConfig();
    // createEcsGuard refuses a policy naming an action no remediation has (a config error too).
    app = createEcsGuard(config, { log: createLogger({ level: config.logLevel }) });
  } catch (err) {
    if (isEcsGuardError(err)) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = app.ctx.log;
  const shutdown = (signal: string) => {
    log.info({ signal }, 'signal received');
    app.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    await app.start();
  } catch (err) {
    log.fatal({ err }, 'ecs-guard failed to start');
    await app.stop().catch(() => {});
    process.exit(1);
  }
}

await main();
