/**
 * The one listener tree: every Bolt listener is registered here, and only `src/app.ts` calls it.
 * Buttons (`actions/`) go through one ack-first wrapper and the bounded handler pool (`ctx.work`).
 */
import type { App } from '@slack/bolt';
import type { AppContext } from '../../context.js';
import { registerActions } from './actions/index.js';
import { registerCommands, type SlashCommand } from './commands.js';
import { registerViews } from './views/index.js';

/** What the composition root hands in from commands/ (src/ imports commands/ nowhere else). */
export interface ListenerSources {
  ecsGuardCommand: SlashCommand;
}

export function registerListeners(app: App, ctx: AppContext, from: ListenerSources): void {
  registerActions(app, ctx);
  registerViews(app, ctx);
  registerCommands(app, ctx, from.ecsGuardCommand);
}
