import type { App, Middleware, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AppContext } from '../../context.js';

/** The `/ecs-guard` listener, built from commands/ (app.ts passes it in). */
export type SlashCommand = (ctx: AppContext) => Middleware<SlackCommandMiddlewareArgs>;

/** Registers `/ecs-guard` (one command; its subcommands are one file each in commands/). */
export function registerCommands(app: App, ctx: AppContext, ecsGuard: SlashCommand): void {
  app.command('/ecs-guard', ecsGuard(ctx));
}
