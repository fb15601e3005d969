import type { AppContext } from '../src/context.js';
import type { ArgSpec, ParsedArgs } from './args.js';

/** What a subcommand answers with: ephemeral unless the user gave `--share`. */
export interface Reply {
  text: string;
  blocks?: unknown[];
  /** Sent instead of `blocks` when Slack refuses them (e.g. a client or surface without the table block). */
  fallbackBlocks?: unknown[];
}

/** One `/ecs-guard` invocation, after the ack, with its arguments parsed. */
export interface CommandInput {
  ctx: AppContext;
  userId: string;
  userName?: string;
  channelId: string;
  /** The raw text after `/ecs-guard` (for the audit record). */
  text: string;
  args: ParsedArgs;
  /** Sends a reply to the response_url (ephemeral, or in the channel with --share). */
  reply(r: Reply): Promise<void>;
}

export interface Subcommand {
  name: string;
  spec: ArgSpec;
  /** A viewing command (findings, audit, status, coverage): viewers only, `--share` approvers only. */
  views?: boolean;
  /** Runs after the ack; may take seconds. Throws InvalidInput for bad values (a usage reply). */
  run(input: CommandInput): Promise<void>;
}
