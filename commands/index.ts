/**
 * `/ecs-guard`: one registration, one file per subcommand. Every invocation is acked at once
 * (a usage error rides in the ack; otherwise the ack is empty), then the subcommand runs and
 * answers through the response_url: ephemeral unless `--share`. Every invocation is audited.
 */
import type { Middleware, RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AuditOutcome } from '../src/audit/record.js';
import { hidePrincipalArns } from '../src/aws/errors.js';
import type { AppContext } from '../src/context.js';
import { ErrorCode, isEcsGuardError } from '../src/errors.js';
import { type ParsedArgs, parseArgs, tokenize } from './args.js';
import { auditCommand } from './audit.js';
import { authoriseView } from './authorise.js';
import { errorReply, usageErrorReply } from './blocks/common.js';
import { coverageCommand } from './coverage.js';
import { disableCommand } from './disable.js';
import { enableCommand } from './enable.js';
import { findingsCommand } from './findings.js';
import { buildHelp, helpCommand } from './help.js';
import { sampleCommand } from './sample.js';
import { statusCommand } from './status.js';
import { suppressionsCommand } from './suppressions.js';
import type { Reply, Subcommand } from './types.js';

export const SUBCOMMANDS: Record<string, Subcommand> = Object.fromEntries(
  [
    helpCommand,
    coverageCommand,
    enableCommand,
    disableCommand,
    findingsCommand,
    auditCommand,
    statusCommand,
    sampleCommand,
    suppressionsCommand,
  ].map((c) => [c.name, c]),
);

export type Parsed =
  | { ok: true; command: Subcommand; args: ParsedArgs }
  | { ok: false; subcommand: string; problem: string; reply: Reply };

/** Text → subcommand and arguments, or the usage reply for what is wrong. Pure. */
export function parseCommand(text: string): Parsed {
  let tokens: string[];
  try {
    tokens = tokenize(text);
  } catch (err) {
    const problem = (err as Error).message;
    return { ok: false, subcommand: 'help', problem, reply: usageErrorReply('help', problem) };
  }
  const name = (tokens[0] ?? 'help').toLowerCase();
  const command = SUBCOMMANDS[name];
  if (!command) {
    const problem = `unknown subcommand "${tokens[0]}"`;
    const help = buildHelp();
    return {
      ok: false,
      subcommand: name,
      problem,
      reply: {
        text: `${problem}. ${help.text}`,
        blocks: [...(usageErrorReply('help', problem).blocks ?? []).slice(0, 1), ...(help.blocks ?? [])],
      },
    };
  }
  try {
    return { ok: true, command, args: parseArgs(tokens.slice(1), command.spec) };
  } catch (err) {
    if (!isEcsGuardError(err, ErrorCode.InvalidInput)) throw err;
    return { ok: false, subcommand: name, problem: err.message, reply: usageErrorReply(name, err.message) };
  }
}

/** What a failed subcommand tells the user, and how it is audited. */
export function failureReply(
  subcommand: string,
  err: unknown,
): { reply: Reply; outcome: AuditOutcome; reason: string } {
  // Whatever failed, the user is not shown the bot's (or any) IAM principal ARN.
  const reason = hidePrincipalArns((err as Error)?.message ?? String(err));
  if (isEcsGuardError(err, ErrorCode.InvalidInput))
    return { reply: usageErrorReply(subcommand, reason), outcome: 'error', reason };
  if (isEcsGuardError(err, ErrorCode.NotAuthorized))
    return { reply: errorReply('Not allowed', reason), outcome: 'denied', reason };
  if (isEcsGuardError(err, ErrorCode.NotFound))
    return { reply: errorReply('Not found', reason), outcome: 'error', reason };
  if (isEcsGuardError(err, ErrorCode.AwsError))
    return { reply: errorReply('AWS said no', reason), outcome: 'error', reason };
  return { reply: errorReply(`/ecs-guard ${subcommand} failed`, reason), outcome: 'error', reason };
}

/**
 * The `/ecs-guard` listener: dispatches to one file per subcommand. Registered by
 * `src/slack/listeners/commands.ts` (app.ts hands it over: only the composition root imports
 * commands/); the plan buttons are card buttons like the others (`src/slack/listeners/actions/`).
 */
export function ecsGuardCommand(ctx: AppContext): Middleware<SlackCommandMiddlewareArgs> {
  return async ({ command, ack, respond }) => {
    const userId = command.user_id;
    const text = command.text ?? '';
    const parsed = parseCommand(text);
    const audit = (subcommand: string, outcome: AuditOutcome, reason?: string) =>
      ctx.audit
        .append({
          actor: { id: userId, ...(command.user_name ? { name: command.user_name } : {}) },
          action: 'command',
          event: 'command',
          outcome,
          ...(reason ? { reason } : {}),
          detail: { subcommand, text: text.slice(0, 500), channel: command.channel_id },
        })
        .catch((err: unknown) => ctx.log.error({ err: (err as Error).message }, 'audit append failed'));
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', ...parsed.reply } as RespondArguments);
      await audit(parsed.subcommand, 'error', parsed.problem);
      return;
    }
    await ack();
    const share = parsed.args.share;
    const reply = async (r: Reply) => {
      const send = (blocks: unknown[] | undefined) =>
        respond({
          response_type: share ? 'in_channel' : 'ephemeral',
          replace_original: false,
          text: r.text,
          ...(blocks ? { blocks } : {}),
        } as RespondArguments);
      if (!r.fallbackBlocks) return void (await send(r.blocks));
      try {
        await send(r.blocks);
      } catch (err) {
        // e.g. a table block Slack will not take here: the same answer as text lines.
        ctx.log.warn(
          { err: (err as Error).message, subcommand: parsed.command.name },
          'reply refused; sending the text layout',
        );
        await send(r.fallbackBlocks);
      }
    };
    const name = parsed.command.name;
    // After the ack, in the bounded handler pool (see ctx.work).
    void ctx.work.run(async () => {
      try {
        if (parsed.command.views) await authoriseView(ctx, userId, share);
        await parsed.command.run({
          ctx,
          userId,
          ...(command.user_name ? { userName: command.user_name } : {}),
          channelId: command.channel_id,
          text,
          args: parsed.args,
          reply,
        });
        await audit(name, 'ok');
      } catch (err) {
        const f = failureReply(name, err);
        if (f.outcome === 'error' && !isEcsGuardError(err))
          ctx.log.error({ err, subcommand: name }, 'command failed');
        // Errors are for the person who typed the command, even with --share.
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          ...f.reply,
        } as RespondArguments).catch((e: unknown) =>
          ctx.log.warn({ err: (e as Error).message }, 'cannot send command error'),
        );
        await audit(name, f.outcome, f.reason);
      }
    });
  };
}
