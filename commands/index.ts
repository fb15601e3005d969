import type { App } from '@slack/bolt';
import type { AppContext } from '../src/context.js';

/** Registers `/ecs-guard` and dispatches to one file per subcommand. */
export function registerCommands(_app: App, _ctx: AppContext): void {}
